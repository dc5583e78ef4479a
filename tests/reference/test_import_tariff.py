"""`ssdd reference import-tariff`: an official tariff loaded into the workspace replaces the illustrative
rows for that workspace's runs, and its rows may hold a trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from transforms.ingest.tariff_import import TariffImportError, import_tariff
from transforms.model.reference import OVERLAY_ENV, Reference

HEADER = "商品编号,商品名称,法定第一单位,法定第二单位,申报要素\n"
TEE = ("6109100010,棉制针织T恤衫,011,035,"
       "0:品名;1:品牌类型;2:出口享惠情况;3:织造方法;4:种类;5:类别;6:成分含量;7:品牌;8:货号\n")
UNITS = frozenset({"011", "035"})


def _write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "tariff.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def test_import_writes_the_table_and_its_source_into_the_workspace(tmp_path: Path) -> None:
    done = import_tariff(_write(tmp_path, TEE), tmp_path / "ws", UNITS, "2024-01-01",
                         datetime(2026, 12, 4, tzinfo=UTC))
    assert done.rows == 1
    lines = done.table.read_text(encoding="utf-8").splitlines()
    assert lines[1] == ("6109100010,棉制针织T恤衫,011,035,8,"
                        "品牌类型|出口享惠情况|织造方法|种类|类别|成分含量|品牌|货号,2024-01-01,")
    source = json.loads(done.source.read_text(encoding="utf-8"))
    assert (source["file"], source["rows"], source["official"], source["imported_at"]) == (
        "tariff.csv", 1, True, "2026-12-04T00:00:00+00:00")


def test_runs_on_the_workspace_read_the_imported_tariff_as_official(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import_tariff(_write(tmp_path, TEE), tmp_path / "ws", UNITS, "2024-01-01", datetime(2026, 12, 4, tzinfo=UTC))
    monkeypatch.setenv(OVERLAY_ENV, str(tmp_path / "ws" / "reference"))
    ref = Reference.load()
    assert ref.is_official("cn_tariff_lines")
    assert ref.codes("cn_tariff_lines") == {"6109100010"}
    assert ref.manifest["cn_tariff_lines"]["sources"] == ["imported from tariff.csv on 2026-12-04T00:00:00+00:00"]
    assert ref.is_official("cn_units") and ref.codes("cn_units") == Reference.load(
        Path(ref.root)).codes("cn_units")  # the other tables stay the shipped ones


@pytest.mark.parametrize(("row", "message"), [
    ("610910001,x,011,,a\n", "tariff.csv row 2, column hs_cn: '610910001' is not a 10-digit 商品编号."),
    ("6109100010,x,KGM,,a\n",
     "tariff.csv row 2, column unit_1: 'KGM' is not a China unit code (cn_units, e.g. 035 千克)."),
    ("6109100010,x,011,,品名\n", "tariff.csv row 2, column elements: no 申报要素 names."),
])
def test_a_bad_row_is_named(tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(TariffImportError) as exc:
        import_tariff(_write(tmp_path, row), tmp_path / "ws", UNITS, "2024-01-01", datetime(2026, 12, 4, tzinfo=UTC))
    assert str(exc.value) == message
    assert not (tmp_path / "ws" / "reference").exists()


def test_the_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["reference", "import-tariff", str(_write(tmp_path, TEE)),
                                      "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    assert "imported 1 tariff lines from tariff.csv" in " ".join(result.output.split())
    assert (tmp_path / "ws" / "reference" / "cn_tariff_lines.source.json").is_file()
