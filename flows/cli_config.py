"""``ssdd config show``: the effective settings and where each value came from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from flows.cli_common import console, settings_or_fail


def config_show(workspace: Annotated[Path | None, typer.Option()] = None) -> None:
    """Print the effective settings and where each value came from (secrets masked)."""
    from transforms.plumbing.settings import explain

    settings = settings_or_fail(workspace=workspace)
    t = Table("setting", "value", "from")
    for name, value, src in explain(settings, workspace=workspace):
        t.add_row(name, value, src)
    console.print(t)


def register(app: typer.Typer) -> None:
    config_app = typer.Typer(no_args_is_help=True, help="Show the effective settings.")
    config_app.command("show")(config_show)
    app.add_typer(config_app, name="config")
