"""What every ``ssdd`` command shares: the two consoles, the one-sentence error and the options several
commands take, each defined once.

Light on purpose (typer and rich only): ``ssdd --help`` imports this and every command module, so a
command imports what it needs (pandas, Prefect, the settings model…) inside its own function.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

# a pipe or CI log is not 80 columns wide: keep tables readable there too
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)  # one sentence stays one line in logs and pipes


def fail(message: str, code: int = 2) -> NoReturn:
    """Say what went wrong in one sentence on stderr and leave with ``code`` (2: the command was refused)."""
    err.print(f"[bold red]ssdd:[/] {message}", highlight=False)
    raise typer.Exit(code)


InboxOption = Annotated[Path | None, typer.Option(help="Inbox folder (one sub-folder per trader).")]
OutputsWorkspaceOption = Annotated[Path | None, typer.Option(help="Workspace folder for outputs.")]
WorkspaceOption = Annotated[Path | None, typer.Option(help="Workspace folder.")]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="ISO-8601 'now'; no offset = Hong Kong time.")]
