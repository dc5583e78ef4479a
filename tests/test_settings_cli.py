"""One settings model: flags > SSDD_* environment > ssdd.toml in the workspace > defaults; and the
CLI explains itself in one sentence, never a traceback."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.families import fixtures
from transforms.plumbing.settings import SettingsError, explain, load_settings
from transforms.plumbing.timeutil import HK_TZ, parse_as_of


def test_precedence_flag_over_env_over_toml_over_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ssdd.toml").write_text("max_items_per_declaration = 20\nworkers = 3\npending_max_age_hours = 5\n")
    monkeypatch.setenv("SSDD_WORKERS", "4")
    s = load_settings(workspace=tmp_path, pending_max_age_hours=9)
    assert s.max_items_per_declaration == 20      # from ssdd.toml
    assert s.workers == 4                         # environment beats the file
    assert s.pending_max_age_hours == 9           # the flag beats both
    assert s.cn_manifest_lead_minutes == 60       # default
    where = {name: src for name, _, src in explain(s, workspace=tmp_path, pending_max_age_hours=9)}
    assert where["max_items_per_declaration"] == str(tmp_path / "ssdd.toml")
    assert where["workers"] == "env SSDD_WORKERS" and where["pending_max_age_hours"] == "flag"


def test_secrets_are_refused_in_the_settings_file(tmp_path: Path) -> None:
    (tmp_path / "ssdd.toml").write_text('pii_key = "abc"\n')
    with pytest.raises(ValueError, match="pii_key"):
        load_settings(workspace=tmp_path)


def test_as_of_without_offset_is_hong_kong_time() -> None:
    assert parse_as_of("2026-11-25T20:00").isoformat() == "2026-11-25T20:00:00+08:00"
    assert parse_as_of("2026-11-25T12:00:00Z").isoformat() == "2026-11-25T12:00:00+00:00"


def test_as_of_is_parsed_once_by_the_settings_into_an_aware_moment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flag = load_settings(workspace=tmp_path, as_of="2026-11-25T20:00:00+08:00").as_of
    assert isinstance(flag, datetime) and flag.isoformat() == "2026-11-25T20:00:00+08:00"
    assert flag.strftime("%Y%m%dT%H%M%S") == "20261125T200000"   # the run id's stamp
    naive = load_settings(workspace=tmp_path, as_of="2026-11-25T20:00").as_of
    assert naive is not None and naive.utcoffset() == timedelta(hours=8)   # no offset: Hong Kong time
    monkeypatch.setenv("SSDD_AS_OF", "2026-11-25T12:00:00Z")
    assert str(load_settings(workspace=tmp_path).as_of) == "2026-11-25 12:00:00+00:00"
    monkeypatch.setenv("SSDD_AS_OF", " ")   # blank is unset: the run takes its own "now"
    assert load_settings(workspace=tmp_path).as_of is None
    monkeypatch.delenv("SSDD_AS_OF")
    (tmp_path / "ssdd.toml").write_text("as_of = 2026-11-25T20:00:00\n")   # a TOML date-time, no offset
    assert load_settings(workspace=tmp_path).as_of == datetime(2026, 11, 25, 20, tzinfo=HK_TZ)
    shown = {name: (value, src) for name, value, src in explain(load_settings(workspace=tmp_path))}
    assert shown["as_of"] == ("2026-11-25T20:00:00+08:00", str(tmp_path / "ssdd.toml"))


@pytest.mark.parametrize("where", ["flag", "env", "toml"])
def test_a_bad_as_of_is_refused_in_one_sentence_wherever_it_was_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    flags: dict[str, object] = {"workspace": tmp_path}
    if where == "flag":
        flags["as_of"] = "tomorrow"
    elif where == "env":
        monkeypatch.setenv("SSDD_AS_OF", "tomorrow")
    else:
        (tmp_path / "ssdd.toml").write_text('as_of = "tomorrow"\n')
    with pytest.raises(SettingsError) as refused:
        load_settings(**flags)
    assert str(refused.value) == ("--as-of 'tomorrow' is not an ISO-8601 date-time such as 2026-11-25T20:00 or "
                                  "2026-11-25T20:00:00+08:00.")


def test_any_refused_setting_is_one_sentence_on_every_command(tmp_path: Path) -> None:
    env = {"SSDD_WORKERS": "many"}
    for command in (["config", "show"], ["quarantine", "list"], ["report"]):
        done = CliRunner().invoke(app, [*command, "--workspace", str(tmp_path)], env=env)
        assert done.exit_code == 2, (command, done.output)
        assert done.output.startswith("ssdd: setting workers 'many' is refused: Input should be a valid integer"), \
            (command, done.output)
        assert "Traceback" not in done.output and "validation error" not in done.output


def test_run_with_a_bad_as_of_or_missing_inbox_says_one_sentence(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["run", "--inbox", str(tmp_path), "--workspace", str(tmp_path / "ws"),
                              "--as-of", "tomorrow"])
    assert bad.exit_code == 2
    assert "--as-of 'tomorrow' is not an ISO-8601 date-time" in bad.output and "Traceback" not in bad.output
    missing = runner.invoke(app, ["run", "--inbox", str(tmp_path / "nope"), "--workspace", str(tmp_path / "ws")])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_profiles_detect_explains_the_choice(tmp_path: Path) -> None:
    path = fixtures.kingdee_csv(tmp_path / "出库.csv")
    result = CliRunner().invoke(app, ["profiles", "detect", str(path)])
    assert result.exit_code == 0, result.output
    assert "kingdee_sales_outbound: sheet '', header row 1, 18/18 columns" in result.output
    assert "出库.csv -> kingdee_sales_outbound@1" in result.output
    unknown = fixtures.write_csv(tmp_path / "x.csv", [["a", "b"], ["1", "2"]], "utf-8")
    refused = CliRunner().invoke(app, ["profiles", "detect", str(unknown)])
    assert refused.exit_code == 2 and "x.csv has no header row of any known profile" in refused.output


def test_profiles_detect_reads_the_profiles_folder_the_run_reads(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """SSDD_PROFILES_DIR names the user's profiles for `ssdd run`; `profiles detect` and `profiles list`
    read the same folder, or they would explain a choice the night does not make."""
    path = fixtures.write_csv(tmp_path / "billing.csv", [
        ["Doc", "Part", "Qty", "UoM", "Value", "Curr"], ["INV-1", "SKU-1", "2", "PCS", "10.00", "USD"]], "utf-8")
    mine = tmp_path / "profiles"
    mine.mkdir()
    (mine / "acme_erp.yaml").write_text(
        "id: acme_erp\nprofile_version: 1\nrole: commercial_lines\ntitle: ACME in-house billing\n"
        "containers: [csv]\nencodings: [utf-8]\ncolumns:\n"
        "  invoice_no: {headers: [Doc], required: true}\n  sku: {headers: [Part], type: code, required: true}\n"
        "  quantity_value: {headers: [Qty], type: number, required: true}\n"
        "  quantity_unit: {headers: [UoM], type: unit, required: true}\n"
        "  line_amount_value: {headers: [Value], type: number, required: true}\n"
        "  line_amount_currency: {headers: [Curr], type: currency, required: true}\n", encoding="utf-8")
    without = CliRunner().invoke(app, ["profiles", "detect", str(path)])
    assert without.exit_code == 2 and "billing.csv has no header row of any known profile" in without.output
    monkeypatch.setenv("SSDD_PROFILES_DIR", str(mine))
    found = CliRunner().invoke(app, ["profiles", "detect", str(path)])
    assert found.exit_code == 0, found.output
    assert "acme_erp: sheet '', header row 1, 6/6 columns" in found.output
    assert "billing.csv -> acme_erp@1" in found.output
    listed = CliRunner().invoke(app, ["profiles", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "ACME in-house billing" in listed.output
