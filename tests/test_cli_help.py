"""`ssdd --help` and every sub-command's help fit an 80-column terminal with every option name whole and load
none of the pipeline's heavy packages; what `ssdd run` says about customs responses it read."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from rich.console import Console
from typer.testing import CliRunner

from flows.cli import app
from transforms.ops.summary import RunSummary

REPO = Path(__file__).resolve().parents[1]
#: What a command may import in its own body but `ssdd --help` must not: each costs a noticeable part of a
#: second (all together, seconds) before the help could print.
HEAVY = ("pandas", "numpy", "pyarrow", "prefect", "great_expectations", "lxml", "duckdb", "openpyxl",
         "pydantic_settings")


def _commands(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command of the tree (typer ships its own copy of click: groups are known by their commands)."""
    yield path, cmd
    if hasattr(cmd, "commands"):
        for name, sub in sorted(cmd.commands.items()):
            yield from _commands(sub, (*path, name))


def test_every_help_fits_80_columns_with_whole_option_and_command_names() -> None:
    root = typer.main.get_command(app)
    seen = 0
    for path, cmd in _commands(root):
        done = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
        assert done.exit_code == 0, (path, done.output)
        lines = done.output.splitlines()
        assert max(len(line) for line in lines) <= 80, (path, [line for line in lines if len(line) > 80])
        words = set(re.findall(r"[^\s,/\[\]]+", done.output))
        for param in cmd.params:
            for name in (*param.opts, *param.secondary_opts):
                if name.startswith("-"):
                    assert name in words, (path, name, done.output)
        if hasattr(cmd, "commands"):
            for name in cmd.commands:
                assert re.search(rf"^\s+{re.escape(name)}\s", done.output, re.MULTILINE), (path, name, done.output)
        assert "…" not in done.output, (path, done.output)
        seen += 1
    assert seen >= 20  # run, report, simulate-responses, the groups and their commands


_EVERY_HELP = """
import json, sys
import typer.main
from typer.testing import CliRunner

import flows.cli

sys.argv = ["ssdd", "--help"]
try:
    flows.cli.main()
except SystemExit as exc:
    assert exc.code == 0, exc.code
paths, todo = [], [((), typer.main.get_command(flows.cli.app))]
while todo:
    path, cmd = todo.pop()
    paths.append(path)
    todo += [((*path, name), sub) for name, sub in getattr(cmd, "commands", {}).items()]
for path in paths:
    assert CliRunner().invoke(flows.cli.app, [*path, "--help"]).exit_code == 0, path
print(json.dumps({"cli": flows.cli.__file__, "helps": len(paths), "loaded": sorted(sys.modules)}))
"""


def test_help_loads_none_of_the_heavy_packages() -> None:
    """A fresh interpreter prints `ssdd --help` (through the entry point) and every command's help: the
    commands import the pipeline inside their bodies, so none of it is loaded to describe them."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))}
    done = subprocess.run([sys.executable, "-c", _EVERY_HELP], capture_output=True, text=True, cwd=REPO, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert Path(seen["cli"]).resolve() == REPO / "flows" / "cli.py"
    assert seen["helps"] >= 20
    loaded = {name.split(".")[0] for name in seen["loaded"]}
    assert "typer" in loaded
    assert [name for name in HEAVY if name in loaded] == []


def test_a_run_that_read_customs_responses_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.cli_run as cli

    summary = RunSummary(run_id="R1", as_of="2026-11-26T12:00:00+08:00", status="completed", files=[],
                         submissions=[])
    console = Console(width=300, record=True, file=io.StringIO())
    monkeypatch.setattr(cli, "console", console)
    cli.print_summary(summary, Path("/ws"), limit=40)
    assert "responses:" not in console.export_text()  # the sample night has none: nothing said
    summary.responses = {"inbox": "/tmp/ssdd-inbox", "folder": "_responses", "rows_read": 13, "events_new": 13,
                         "status_changed": 2, "rows_rejected": 0, "files_rejected": 0}
    cli.print_summary(summary, Path("/ws"), limit=40)
    assert ("responses:  13 new events from /tmp/ssdd-inbox/_responses (2 trip statuses changed, 0 rows and 0 files "
            "refused)") in console.export_text().splitlines()
