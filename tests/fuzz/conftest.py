"""Counts of what the fuzz nights did, written once at the end when ``FUZZ_REPORT`` names a file."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest


class _Counts:
    def __init__(self) -> None:
        self.by_target: dict[str, Counter[str]] = {}

    def add(self, target: str, summary: dict[str, Any], mutants: dict[str, Any]) -> None:
        self._add(target, summary, mutants)
        _write(None)   # after every night, so a long profile stopped early still says how far it got

    def _add(self, target: str, summary: dict[str, Any], mutants: dict[str, Any]) -> None:
        c = self.by_target.setdefault(target, Counter())
        c["nights"] += 1
        c["mutated_cells"] += len(mutants)
        for f in summary["files"]:
            if f["trader"] in mutants:
                c[f"files_{f['status']}"] += 1
        for s in summary["submissions"]:
            if s["trader"] in mutants:
                c[f"trips_{s['status']}"] += 1
        c["internal_errors"] += len(summary.get("internal_errors") or [])


COUNTS = _Counts()


def _write(exit_status: int | None) -> None:
    """The counts so far to ``FUZZ_REPORT``; ``exit_status`` is null while the session runs."""
    report = os.environ.get("FUZZ_REPORT")
    if report and COUNTS.by_target:
        path = Path(report)
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"exit_status": exit_status, "shard": os.environ.get("FUZZ_SHARD", "0"),
               "shards": os.environ.get("FUZZ_SHARDS", "1"), "commit": os.environ.get("FUZZ_COMMIT"),
               "targets": {k: dict(v) for k, v in sorted(COUNTS.by_target.items())}}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(path)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _write(int(exitstatus))
