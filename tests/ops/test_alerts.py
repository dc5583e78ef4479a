"""Alerts and secrets: the notification hook (command and webhook) gets the JSON payload, redacted;
`ssdd check-nightly` alerts when the nightly run did not happen; `ssdd config show` masks secrets."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from flows.cli import app
from transforms.ops.notify import Notifier, near_crossings, payload, quarantine_news

HKT = timezone(timedelta(hours=8))
RECORD = "import sys, pathlib; pathlib.Path(sys.argv[1]).write_bytes(sys.stdin.buffer.read())"


def _command(out: Path) -> str:
    return f"{sys.executable} -c '{RECORD}' {out}"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSDD_")}
    return {**env, "COLUMNS": "250", **extra}


def test_notify_command_gets_the_payload_on_stdin_with_personal_data_redacted(tmp_path: Path) -> None:
    out = tmp_path / "alert.json"
    hook = Notifier(command=_command(out))
    problems = hook.send(payload("run_failed", tmp_path, "run failed near driver_name=陈大文 (HKID A123456(7))",
                                 run_id="r1"))
    assert problems == []
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["event"] == "run_failed" and doc["run_id"] == "r1" and doc["workspace"] == str(tmp_path)
    assert "陈大文" not in doc["message"] and "A123456" not in doc["message"] and "[redacted]" in doc["message"]


def test_webhook_gets_a_json_post_and_failures_never_raise(tmp_path: Path) -> None:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append({"type": self.headers["Content-Type"], "body": json.loads(self.rfile.read(length))})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook?token=s3cret"
        assert Notifier(webhook=SecretStr(url)).send(payload("quarantine_new", tmp_path, "2 new")) == []
    finally:
        server.shutdown()
    assert received[0]["type"].startswith("application/json")
    assert received[0]["body"]["event"] == "quarantine_new"
    # a dead endpoint: one sentence back, no exception, and the URL (with its token) not in it
    problems = Notifier(webhook=SecretStr(url), timeout=1).send(payload("run_failed", tmp_path, "x"))
    assert len(problems) == 1 and "s3cret" not in problems[0]


def test_quarantine_news_and_held_trips_near_their_crossing() -> None:
    prev = {"submissions": [{"submission_id": "a", "status": "held"}],
            "files": [{"path": "acme/x.csv", "sha256": "1", "rows_quarantined": 2}]}
    cur = {"submissions": [{"submission_id": "a", "status": "held"}, {"submission_id": "b", "status": "held",
                                                                        "trader": "acme", "trip_ref": "T2"}],
           "files": [{"path": "acme/x.csv", "sha256": "1", "rows_quarantined": 2},
                     {"path": "acme/y.csv", "sha256": "2", "rows_quarantined": 1}]}
    news = quarantine_news(cur, prev)
    assert news is not None
    assert [t["submission_id"] for t in news["held_trips"]] == ["b"]
    assert [f["path"] for f in news["files"]] == ["acme/y.csv"]
    assert quarantine_news(prev, prev) is None
    now = datetime(2026, 11, 25, 8, 0, tzinfo=HKT)
    held = [({"submission_id": "soon"}, now + timedelta(hours=5)),
            ({"submission_id": "later"}, now + timedelta(hours=7)), ({"submission_id": "unknown"}, None)]
    assert [t["submission_id"] for t in near_crossings(held, now, 6)] == ["soon"]


def test_check_nightly_alerts_when_the_nightly_run_did_not_happen(tmp_path: Path) -> None:
    ws, out = tmp_path / "ws", tmp_path / "alert.json"
    env = _env(SSDD_NOTIFY_COMMAND=_command(out))
    result = CliRunner().invoke(app, ["check-nightly", "--workspace", str(ws)], env=env)
    assert result.exit_code == 1 and "did not happen" in result.output
    assert json.loads(out.read_text(encoding="utf-8"))["event"] == "nightly_missed"
    summary = ws / "runs" / "r1" / "summary.json"
    summary.parent.mkdir(parents=True)
    summary.write_text(json.dumps({"run_id": "r1", "status": "completed"}), encoding="utf-8")
    out.unlink()
    result = CliRunner().invoke(app, ["check-nightly", "--workspace", str(ws), "--max-age-hours", "26"], env=env)
    assert result.exit_code == 0, result.output
    assert not out.exists()
    stamp = time.time() - 27 * 3600
    os.utime(summary, (stamp, stamp))
    result = CliRunner().invoke(app, ["check-nightly", "--workspace", str(ws)], env=env)
    assert result.exit_code == 1 and "27.0 h ago" in result.output
    assert json.loads(out.read_text(encoding="utf-8"))["newest_run"] == "r1"


def test_config_show_masks_secrets_and_toml_cannot_hold_them(tmp_path: Path) -> None:
    env = _env(SSDD_PII_KEY="pii-secret-value", SSDD_NOTIFY_WEBHOOK="https://hooks.example/T0K3N")
    result = CliRunner().invoke(app, ["config", "show", "--workspace", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    assert "pii-secret-value" not in result.output and "T0K3N" not in result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") >= 3}
    for name in ("pii_key", "notify_webhook"):
        assert "********" in rows[name] and f"env SSDD_{name.upper()}" in rows[name]
    for name in ("nightly_cron", "watch_settle_seconds", "lock_timeout_seconds", "retention_days", "runner"):
        assert name in rows
    (tmp_path / "ssdd.toml").write_text('notify_webhook = "https://hooks.example/x"\n', encoding="utf-8")
    from transforms.plumbing.settings import load_settings

    with pytest.raises(ValueError, match="secret"):
        load_settings(workspace=tmp_path)
