"""Benchmark the quality gate: ``validate`` vs the same rules as plain vectorised pandas (the floor).

Not a test: prints figures. Generates N goods lines (default 1M) with 5 % bad rows, then in a fresh
process per phase (so each peak RSS is its own):

- ``floor``: build the validation frames and evaluate every rule's vectorised check, nothing else;
- ``suite``: ``expectations.validate`` (findings, held ids, GX result objects);
- ``docs``:  ``validate`` then ``build_data_docs`` over its results (Data Docs time reported alone).

Usage: ``.venv/bin/python -m bench.expectations_speed [--lines 1000000] [--bad 0.05]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import numpy as np

AS_OF = datetime(2026, 11, 25, 8, 0, tzinfo=ZoneInfo("Asia/Hong_Kong"))


def _frames(lines: int, bad: float) -> dict[str, object]:
    from expectations.rules import RULES
    from expectations.synthetic import clean_frames
    from expectations.synthetic_defects import break_rule
    from transforms.model.reference import Reference

    ref = Reference.load()
    frames = clean_frames(ref, AS_OF, lines)
    rng = np.random.default_rng(11)
    goods_rules = [r for r in RULES if r.table == "goods_items" and (r.id != "V21" or r.name in {
        "description_en_characters", "hs_cn_characters", "brand_characters"})]
    bad_rows = rng.choice(lines, size=int(lines * bad), replace=False)
    for rule, rows in zip(goods_rules, np.array_split(bad_rows, len(goods_rules)), strict=True):
        break_rule(frames, rule, np.sort(rows), AS_OF)
    return {"frames": frames, "reference": ref}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _phase(name: str, lines: int, bad: float) -> dict[str, float]:
    from expectations import validate
    from expectations.context import RunContext, build_frames
    from expectations.data_docs import build_data_docs
    from expectations.runner import evaluate_all

    data = _frames(lines, bad)
    frames, ref = data["frames"], data["reference"]
    rss_data = _peak_rss_mb()
    out: dict[str, float] = {"rss_after_data_mb": rss_data}
    t = time.perf_counter()
    if name == "floor":
        vf = build_frames(frames, ref, RunContext(as_of=AS_OF))  # type: ignore[arg-type]
        masks = evaluate_all(vf)
        out["failing_cells"] = float(sum(int(m.sum()) for m in masks.values()))
    else:
        outcome = validate(frames, reference=ref, as_of=AS_OF)  # type: ignore[arg-type]
        out["findings"] = float(len(outcome.findings))
        out["held"] = float(len(outcome.held))
        if name == "docs":
            out["validate_s"] = time.perf_counter() - t
            t = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                build_data_docs(outcome.results, Path(tmp) / "site")
    out["seconds"] = time.perf_counter() - t
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--bad", type=float, default=0.05)
    parser.add_argument("--phase", choices=["floor", "suite", "docs"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(_phase(args.phase, args.lines, args.bad)))
        return 0
    figures = {}
    for phase in ("floor", "suite", "docs"):
        proc = subprocess.run([sys.executable, "-m", "bench.expectations_speed", "--phase", phase,
                               "--lines", str(args.lines), "--bad", str(args.bad)],
                              capture_output=True, text=True, check=True)
        figures[phase] = json.loads(proc.stdout.strip().splitlines()[-1])
    floor, suite, docs = figures["floor"], figures["suite"], figures["docs"]
    print(f"goods lines: {args.lines:,}  bad rows: {args.bad:.0%}")
    print(f"floor (vectorised rules only): {floor['seconds']:7.2f} s   peak RSS {floor['peak_rss_mb']:8.0f} MB")
    print(f"validate (findings + GX):      {suite['seconds']:7.2f} s   peak RSS {suite['peak_rss_mb']:8.0f} MB"
          f"   findings {int(suite['findings']):,}  held {int(suite['held']):,}")
    print(f"ratio validate / floor:        {suite['seconds'] / floor['seconds']:7.2f} x  (target <= 5x, < 20 s)")
    print(f"data docs build:               {docs['seconds']:7.2f} s   (target < 10 s)")
    print(f"(data alone: peak RSS {floor['rss_after_data_mb']:.0f} MB before validation)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
