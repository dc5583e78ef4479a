"""``python -m tests.fuzz.merge OUT SHARD.json...``: one report of ``make fuzz``'s shards, summed per target.

A shard that did not finish (``exit_status`` null) or failed makes the merged ``exit_status`` non-zero,
so the report never reads as a clean run it was not."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def merge(shards: list[Path]) -> dict[str, object]:
    targets: dict[str, Counter[str]] = {}
    statuses = []
    commits = set()
    for path in shards:
        doc = json.loads(path.read_text(encoding="utf-8"))
        statuses.append(doc.get("exit_status"))
        commits.add(doc.get("commit"))
        for name, counts in doc["targets"].items():
            targets.setdefault(name, Counter()).update(counts)
    status = 0 if statuses and all(s == 0 for s in statuses) else 1
    totals: Counter[str] = Counter()
    for counts in targets.values():
        totals.update(counts)
    return {"exit_status": status, "commit": ", ".join(sorted(c or "unknown" for c in commits)),
            "shards": len(shards), "shard_exit_statuses": statuses,
            "totals": dict(totals), "targets": {k: dict(v) for k, v in sorted(targets.items())}}


def main(argv: list[str]) -> int:
    out, *shards = argv
    doc = merge([Path(s) for s in shards])
    Path(out).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{out}: {doc['totals'].get('mutated_cells', 0)} hostile cells over {doc['totals'].get('nights', 0)} "
          f"nights, internal errors {doc['totals'].get('internal_errors', 0)}, exit {doc['exit_status']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
