"""`ssdd simulate-responses` never writes into the repository's tracked sample inbox, and names its file by
--as-of (or the last run's), never by the wall clock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.cli import app
from transforms.devtools.simulator import ResponsesTargetError, responses_folder
from transforms.plumbing.paths import DATA_DIR

runner = CliRunner()
SAMPLE_INBOX = DATA_DIR / "samples" / "inbox"


def _last_run(ws: Path, inbox: Path, as_of: str | None) -> None:
    run = ws / "runs" / "20261125T200000-abc"
    run.mkdir(parents=True)
    doc: dict[str, Any] = {"run_id": "x", "responses": {"inbox": str(inbox)}}
    if as_of is not None:
        doc["as_of"] = as_of
    (run / "summary.json").write_text(json.dumps(doc), encoding="utf-8")


def test_a_last_run_on_the_sample_inbox_is_refused_and_nothing_is_written_there(fresh: dict[str, Any]) -> None:
    ws = fresh["workspace"]
    _last_run(ws, SAMPLE_INBOX, "2026-11-25T20:00:00+08:00")
    before = sorted(p.name for p in SAMPLE_INBOX.rglob("*"))
    done = runner.invoke(app, ["simulate-responses", "--workspace", str(ws)], env={"COLUMNS": "300"})
    assert done.exit_code == 2, done.output
    assert "the last run read" in done.output and "tracked sample inbox" in done.output
    assert "then pass --inbox my-inbox." in done.output
    assert sorted(p.name for p in SAMPLE_INBOX.rglob("*")) == before
    assert not (SAMPLE_INBOX / "_responses").exists()


def test_an_explicit_inbox_inside_the_samples_is_refused_too(tmp_path: Path) -> None:
    with pytest.raises(ResponsesTargetError, match=r"^--inbox names .*tracked sample inbox"):
        responses_folder(SAMPLE_INBOX / ".." / "inbox", None)
    assert responses_folder(tmp_path / "inbox", SAMPLE_INBOX) == tmp_path / "inbox" / "_responses"


def test_the_file_is_named_by_the_last_runs_as_of_without_a_flag(fresh: dict[str, Any]) -> None:
    ws = fresh["workspace"]
    inbox = ws / "copy_of_inbox"
    _last_run(ws, inbox, "2026-11-25T20:00:00+08:00")
    done = runner.invoke(app, ["simulate-responses", "--workspace", str(ws)], env={"COLUMNS": "300"})
    assert done.exit_code == 0, done.output
    assert [p.name for p in (inbox / "_responses").iterdir()] == ["responses_202611252000.csv"]
    # --as-of wins over the last run's
    done = runner.invoke(app, ["simulate-responses", "--workspace", str(ws), "--as-of", "2026-11-26T07:30"])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in (inbox / "_responses").iterdir()) == [
        "responses_202611252000.csv", "responses_202611260730.csv"]


def test_without_any_as_of_it_asks_for_one_instead_of_using_the_clock(fresh: dict[str, Any]) -> None:
    ws = fresh["workspace"]
    inbox = ws / "copy_of_inbox"
    _last_run(ws, inbox, None)
    done = runner.invoke(app, ["simulate-responses", "--workspace", str(ws)], env={"COLUMNS": "300"})
    assert done.exit_code == 2, done.output
    assert "recorded its --as-of; pass --as-of" in done.output
    assert not (inbox / "_responses").exists()
