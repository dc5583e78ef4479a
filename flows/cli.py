"""The ``ssdd`` command line: the root app and the command groups hung on it.

Each ``flows/cli_<group>.py`` module holds one group's commands as plain functions and a ``register(app)``
that names them; what they share (consoles, the one-sentence error, common options) is in
:mod:`flows.cli_common`. A command imports the pipeline it needs inside its own body, so ``ssdd --help``
loads typer and rich only. Errors are one sentence, never a traceback.
"""

from __future__ import annotations

import os
import sys

import typer

from flows import cli_config, cli_filings, cli_ops, cli_profiles, cli_reference, cli_report, cli_run
from flows.cli_common import err

# Plain click help (rich_markup_mode=None, inherited by every sub-command): rich's option table squeezes
# option names to "--fail-on-quar…" on an 80-column terminal, click's layout wraps only the help text.
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="ssdd: prepare, check and record HK-Mainland single-submission dual-declaration filings.")
# `ssdd --help` lists the commands in this order, then the groups in this order
for group in (cli_run, cli_profiles, cli_config, cli_report, cli_ops, cli_filings, cli_reference):
    group.register(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("ssdd: interrupted")
        sys.exit(130)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    main()
