"""What every ``ssdd`` command shares: the two consoles, the one-sentence error, the settings (or their
refusal in that sentence) and the options several commands take, each defined once.

Light on purpose (typer and rich only): ``ssdd --help`` imports this and every command module, so a
command imports what it needs (pandas, Prefect, the settings model…) inside its own function.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from transforms.plumbing.settings import Settings

# a pipe or CI log is not 80 columns wide: keep tables readable there too
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)  # one sentence stays one line in logs and pipes


def fail(message: str, code: int = 2) -> NoReturn:
    """Say what went wrong in one sentence on stderr and leave with ``code`` (2: the command was refused)."""
    err.print(f"[bold red]ssdd:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings_or_fail(**flags: object) -> Settings:
    """The effective settings for a command's flags, or its refusal in one sentence (a bad ``--as-of``,
    an ``SSDD_*`` value of the wrong kind, an unreadable ``ssdd.toml``, a secret written in it)."""
    from transforms.plumbing.settings import load_settings

    try:
        return load_settings(**flags)
    except ValueError as exc:   # SettingsError, tomllib.TOMLDecodeError, the secret-in-the-file refusal
        fail(str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__)


InboxOption = Annotated[Path | None, typer.Option(help="Inbox folder (one sub-folder per trader).")]
OutputsWorkspaceOption = Annotated[Path | None, typer.Option(help="Workspace folder for outputs.")]
WorkspaceOption = Annotated[Path | None, typer.Option(help="Workspace folder.")]
#: Text here; the settings model parses it (transforms.plumbing.settings), once, into an aware moment.
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="ISO-8601 'now'; no offset = Hong Kong time.")]
