"""`ssdd report`, `ssdd analytics compact`, `ssdd simulate-responses` and the flow's responses task."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from flows.cli import app
from tests.analytics.case import RESPONSES_CSV, hk

runner = CliRunner()


def test_report_and_compact_commands(fresh: dict[str, Any]) -> None:
    ws = fresh["workspace"]
    done = runner.invoke(app, ["report", "--workspace", str(ws)])
    assert done.exit_code == 0, done.output
    assert (ws / "reports" / "clearance.html").is_file() and "clearance.html" in done.output
    done = runner.invoke(app, ["analytics", "compact", "--workspace", str(ws)])
    assert done.exit_code == 0, done.output
    assert "compacted" in done.output and "rows unchanged" in done.output
    done = runner.invoke(app, ["analytics", "sync-events", "--workspace", str(ws)])
    assert done.exit_code == 0 and "0 events added" in done.output, done.output


def test_simulate_responses_needs_an_inbox_then_uses_the_last_runs(fresh: dict[str, Any]) -> None:
    ws = fresh["workspace"]
    done = runner.invoke(app, ["simulate-responses", "--workspace", str(ws), "--as-of", "2026-11-26T08:00"])
    assert done.exit_code == 2 and "pass --inbox" in done.output
    inbox = ws / "other_inbox"
    run = ws / "runs" / "20261125T200000-abc"
    run.mkdir(parents=True)
    (run / "summary.json").write_text(json.dumps({"run_id": "x", "responses": {"inbox": str(inbox)}}))
    done = runner.invoke(app, ["simulate-responses", "--workspace", str(ws), "--as-of", "2026-11-26T08:00"])
    assert done.exit_code == 0, done.output
    written = inbox / "_responses" / "responses_202611260800.csv"
    assert written.is_file()
    assert written.read_text(encoding="utf-8").startswith("submission_id,reference,side,event,occurred_at")


def test_responses_task_ingests_and_reports_refused_rows(tmp_path: Path) -> None:
    from flows.env import configure

    configure(tmp_path / "ws")
    from flows.tasks import responses_task
    from tests.analytics.case import build_workspace
    from transforms.plumbing.settings import load_settings

    built = build_workspace(tmp_path / "ws")
    settings = load_settings(inbox=built["inbox"], workspace=tmp_path / "ws")
    as_of: datetime = hk(21, 0)
    summary = responses_task.fn(settings, as_of, "run-r")
    # the ledger already had every event (29 good rows, one of them twice): nothing new, the refused row
    # is reported with its reason
    assert summary["events_new"] == 0 and summary["duplicates"] == 29
    assert summary["rows_rejected"] == 1 and "has no time zone" in summary["rejected"][0]["reason"]
    assert summary["inbox"] == str(built["inbox"].resolve())
    # a new response file: its events land in the ledger and in analytics/events
    extra = "\n".join([RESPONSES_CSV.splitlines()[0], RESPONSES_CSV.splitlines()[1].replace("08:05:00", "08:05:30")])
    (built["inbox"] / "_responses" / "later.csv").write_text(extra + "\n", encoding="utf-8")
    summary = responses_task.fn(settings, as_of, "run-s")
    assert summary["events_new"] == 1 and summary["analytics_events_appended"] == 1
