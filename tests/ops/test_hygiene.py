"""Archive (finished files moved, never deleted, with their sha256), log records (run id, no personal
data) and the retry policy (only I/O errors are retried)."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from pathlib import Path
from types import SimpleNamespace

from flows.logs import RunRecordFilter, bind_run_id
from flows.policy import is_io_error
from transforms.model.inputs import FileReport
from transforms.ops.archive import archive_files


def _report(inbox: Path, rel: str, text: str, **counts: int) -> FileReport:
    path = inbox / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return FileReport(rel, rel.split("/")[0], profile="p@1", sha256=sha, **counts)


def test_archive_moves_finished_files_only(tmp_path: Path) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    done = _report(inbox, "acme/销售_1.csv", "a", rows_in=3, rows_filed=2, rows_ignored=1)
    pending = _report(inbox, "acme/b.csv", "b", rows_in=1, rows_pending=1)
    held = _report(inbox, "acme/c.csv", "c", rows_in=1, rows_quarantined=1)
    trips = _report(inbox, "acme/trip_plan.csv", "t", rows_in=2, rows_reference=2)
    changed = _report(inbox, "acme/d.csv", "d", rows_in=1, rows_filed=1)
    (inbox / "acme" / "d.csv").write_text("d, edited after the run read it", encoding="utf-8")
    refused = FileReport("acme/e.csv", "acme", status="refused", reason="no profile")
    (inbox / "acme" / "e.csv").write_text("e", encoding="utf-8")
    moved = archive_files([done, pending, held, trips, changed, refused], inbox=inbox, workspace=ws, run_id="r1")
    assert [(m.path, m.archived_to) for m in moved] == [("acme/销售_1.csv", "archive/r1/acme/销售_1.csv")]
    assert (ws / "archive/r1/acme/销售_1.csv").read_text(encoding="utf-8") == "a"
    assert moved[0].sha256 == done.sha256
    assert sorted(p.name for p in (inbox / "acme").iterdir()) == ["b.csv", "c.csv", "d.csv", "e.csv",
                                                                   "trip_plan.csv"]
    manifest = json.loads((ws / "archive/r1/manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"][0]["sha256"] == done.sha256


def test_log_records_carry_the_run_id_and_no_personal_data(tmp_path: Path) -> None:
    from flows.env import attach_log_file

    bind_run_id("20261125T200000-abcd1234")
    path = attach_log_file(tmp_path)
    logger = logging.getLogger("ssdd.test")
    try:
        try:
            raise ValueError("cell driver_name='Chan Tai Man' is not allowed")
        except ValueError:
            logger.exception("trip T1 held: HKID A123456(7), 司机: 陈大文")
    finally:
        for name in ("prefect", "ssdd"):
            for h in [h for h in logging.getLogger(name).handlers if getattr(h, "baseFilename", "") == str(path)]:
                logging.getLogger(name).removeHandler(h)
                h.close()
        bind_run_id(None)
    record = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert record["run_id"] == "20261125T200000-abcd1234"
    text = json.dumps(record, ensure_ascii=False)
    for personal in ("Chan Tai Man", "A123456", "陈大文"):
        assert personal not in text
    assert "trip T1 held" in record["message"] and "ValueError" in record["exception"]


def test_filter_redacts_the_formatted_message() -> None:
    record = logging.LogRecord("prefect.task_runs", logging.ERROR, __file__, 1, "bad driver_cn_code=%s in %s",
                               ("DRV-778", "acme/a.csv"), None)
    RunRecordFilter().filter(record)
    assert record.getMessage() == "bad driver_cn_code=[redacted] in acme/a.csv"


def test_only_io_errors_are_retried() -> None:
    def state(exc: BaseException) -> SimpleNamespace:
        return SimpleNamespace(data=exc)

    assert is_io_error(None, None, state(OSError("share blinked")))
    assert is_io_error(None, None, state(sqlite3.OperationalError("database is locked")))
    assert not is_io_error(None, None, state(TimeoutError()))       # a task's own timeout
    assert not is_io_error(None, None, state(ValueError("bad data")))
    assert not is_io_error(None, None, state(KeyError("bug")))


def test_watch_never_archives_the_sample_inbox_by_default(tmp_path: Path) -> None:
    from flows.cli_ops import is_sample_inbox
    from tests.ops.conftest import SAMPLE_INBOX

    assert is_sample_inbox(SAMPLE_INBOX) and is_sample_inbox(SAMPLE_INBOX / ".." / "inbox")
    assert not is_sample_inbox(tmp_path)
