"""Trader folders read on worker processes (a big night on the local runner) give exactly what
reading them in the flow's own process gives: the same files filed byte for byte, the same counts
per file, the same quarantine."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import transforms.plumbing.runtime as runtime

REPO = Path(__file__).resolve().parents[1]
AS_OF = (REPO / "data" / "samples" / "AS_OF").read_text(encoding="utf-8").strip()


def _outbox(ws: Path) -> dict[str, bytes]:
    return {p.relative_to(ws).as_posix(): p.read_bytes() for p in sorted((ws / "outbox").rglob("*.xml"))}


def test_folders_read_on_worker_processes_file_what_one_process_files(
        tmp_path: Path, prefect_harness: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.run as run_module
    from transforms.plumbing.settings import Settings

    inbox = tmp_path / "inbox"
    shutil.copytree(REPO / "data" / "samples" / "inbox", inbox)

    def night(name: str, workers: int) -> Any:
        ws = tmp_path / name
        for sub in ("outbox/single", "outbox/hk", "outbox/cn", "quarantine", "analytics", "reports", "runs"):
            (ws / sub).mkdir(parents=True, exist_ok=True)
        return run_module.nightly_filing(Settings(inbox=inbox, workspace=ws, as_of=AS_OF, workers=workers))

    here = night("here", 1)

    # the sample inbox is small: lower the bar so it is read on two workers, and count what they read
    monkeypatch.setattr(runtime, "READ_BYTES_PER_START_UP", 0)
    submitted: list[str] = []
    real_pool = runtime.process_pool

    def counted_pool(workers: int) -> Any:
        pool = real_pool(workers)
        real_submit = pool.submit

        def submit(fn: Any, *args: Any, **kwargs: Any) -> Any:
            submitted.append(f"{fn.__name__}({Path(args[0]).name})")
            return real_submit(fn, *args, **kwargs)

        pool.submit = submit  # type: ignore[method-assign]
        return pool

    monkeypatch.setattr(runtime, "process_pool", counted_pool)
    pooled = night("pooled", 2)
    assert sorted(submitted) == ["ingest_folder(acme)", "ingest_folder(mingfai)"]

    assert _outbox(tmp_path / "pooled") == _outbox(tmp_path / "here")
    assert len(_outbox(tmp_path / "here")) == 11   # the two filed sample trips' files

    def counts(summary: Any) -> list[tuple[Any, ...]]:
        return sorted((f.path, f.status, f.reason, f.sha256, f.rows_in, f.rows_filed, f.rows_quarantined,
                       f.rows_ignored, f.rows_pending, f.rows_superseded, f.rows_reference) for f in summary.files)

    assert counts(pooled) == counts(here)
    assert all(f.reconciles() for f in pooled.files if f.status == "read")
    assert sorted((s.trip_ref, s.status, s.reasons) for s in pooled.submissions) == sorted(
        (s.trip_ref, s.status, s.reasons) for s in here.submissions)
    assert pooled.pending == here.pending
    assert sorted(pooled.quarantine_reports) == sorted(here.quarantine_reports)
