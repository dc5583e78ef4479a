"""``ssdd reference …``: reference data the workspace adds to the shipped tables."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from flows.cli_common import console, fail, settings_or_fail


def import_tariff_cmd(
    file: Annotated[Path, typer.Argument(help="Tariff workbook (.xlsx or .csv): hs_cn/商品编号, "
                                         "description_zh/商品名称, unit_1/法定第一单位, unit_2/法定第二单位, "
                                         "elements/申报要素.")],
    workspace: Annotated[Path | None, typer.Option(help="Workspace folder (default from ssdd.toml).")] = None,
    valid_from: Annotated[str, typer.Option(help="Date the tariff takes effect (ISO).")] = "2018-08-01",
) -> None:
    """Load an official China tariff into the workspace; its rows may then hold a trip (V15, V16)."""
    from transforms.ingest.tariff_import import TariffImportError, import_tariff
    from transforms.model.reference import Reference

    settings = settings_or_fail(workspace=workspace)
    if not file.is_file():
        fail(f"{file} does not exist; name the tariff workbook to import.")
    try:
        done = import_tariff(file, settings.workspace, Reference.load().codes("cn_units"), valid_from,
                             datetime.now(UTC))
    except TariffImportError as exc:
        fail(str(exc), 1)
    console.print(f"imported {done.rows} tariff lines from {file.name} into {done.table}; source recorded in "
                  f"{done.source.name}. Runs on this workspace check legal units and 申报要素 against it.",
                  highlight=False)


def register(app: typer.Typer) -> None:
    reference_app = typer.Typer(no_args_is_help=True, help="Reference data loaded into the workspace.")
    reference_app.command("import-tariff")(import_tariff_cmd)
    app.add_typer(reference_app, name="reference")
