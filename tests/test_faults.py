"""The fault boundary's decisions as plain functions (transforms.model.faults): who is held, with which
sentence, and what a hold does to a file's counts; profiles checked against their role; the exit
codes and the internal_error alert. No Prefect here (tests/test_fault_injection.py runs the flow)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from transforms.ingest import folders
from transforms.model import faults
from transforms.model.inputs import FileReport
from transforms.ops.summary import RunSummary, check_reconciled, run_status

REPO = Path(__file__).resolve().parents[1]


def test_isolate_costs_nothing_per_trader_when_the_batch_succeeds() -> None:
    probed: list[str] = []
    result, culprits = faults.isolate(["acme", "mingfai"], lambda ks: list(ks), probed.append)
    assert result == ["acme", "mingfai"] and culprits == {} and probed == []


def test_isolate_finds_the_culprit_and_runs_the_rest() -> None:
    def run_all(keys: object) -> list[str]:
        assert isinstance(keys, list | tuple)
        if "acme" in keys:
            raise KeyError("invoice_no")
        return list(keys)

    def probe(key: str) -> None:
        run_all([key])

    result, culprits = faults.isolate(["acme", "mingfai"], run_all, probe)
    assert result == ["mingfai"]
    assert list(culprits) == ["acme"] and isinstance(culprits["acme"], KeyError)


def test_isolate_holds_traders_that_only_fail_together() -> None:
    def run_all(keys: object) -> int:
        assert isinstance(keys, list | tuple)
        if len(keys) > 1:
            raise RuntimeError("shared truck")
        return len(keys)

    result, culprits = faults.isolate(["a", "b"], run_all, lambda k: run_all([k]))
    assert result == 0 and sorted(culprits) == ["a", "b"]


def test_each_keeps_the_work_of_the_traders_that_succeed_alone() -> None:
    def run_one(key: str) -> str:
        if key == "acme":
            raise ValueError("bad cell")
        return key

    results, failed = faults.each(["acme", "mingfai"], lambda ks: (_ for _ in ()).throw(ValueError("x")), run_one)
    assert results == ["mingfai"] and list(failed) == ["acme"]


def test_the_sentence_names_stage_trip_trader_and_exception_and_never_a_traceback() -> None:
    try:
        {}["invoice_no"]
    except KeyError as exc:
        error = faults.fault("check", exc, trader="acme", trip_ref="AC-T101", submission_id="s1")
    assert error.reason == ("internal error while checking trip AC-T101 of trader acme: KeyError: 'invoice_no'; "
                            "reported as a defect; the trip is held and the other traders were filed.")
    assert "Traceback" not in error.reason and "Traceback" in error.detail
    assert error.to_json() == {"stage": "check", "trader": "acme", "trip_ref": "AC-T101", "submission_id": "s1",
                               "file": None, "reason": error.reason}


def test_the_detail_is_one_line_escaped_redacted_and_short() -> None:
    detail = faults.describe(ValueError("driver_name='陈大文' bad\x07 value.\nsecond line"))
    assert detail == "ValueError: driver_name=[redacted] bad\\u0007 value"
    assert len(faults.describe(ValueError("x" * 5000))) < 400
    assert faults.describe(RuntimeError()) == "RuntimeError"


def test_a_held_trader_counts_its_unplaced_rows_as_quarantined_so_files_reconcile() -> None:
    lines = FileReport("acme/goods.xlsx", "acme", "ssdd_canonical@1", rows_in=7, rows_ignored=2)
    plan = FileReport("acme/trip_plan.csv", "acme", "trip_plan@1", rows_in=1, rows_reference=1)
    other = FileReport("mingfai/x.csv", "mingfai", "kingdee@1", rows_in=3, rows_filed=3)
    faults.hold_files([lines, plan, other], "acme", "internal error while assembling trader acme: X")
    assert (lines.rows_quarantined, plan.rows_quarantined, other.rows_quarantined) == (5, 0, 0)
    assert lines.reason == "internal error while assembling trader acme: X" and other.reason is None
    assert check_reconciled([lines, plan, other]) == []


def test_a_folder_that_cannot_be_read_refuses_each_of_its_files_with_the_sentence(tmp_path: Path) -> None:
    shutil.copytree(REPO / "data" / "samples" / "inbox" / "acme", tmp_path / "acme")
    paths = folders.folder_files(tmp_path / "acme", tmp_path)
    assert sorted(paths) == ["acme/goods_lines_20261125.xlsx", "acme/item_master.csv", "acme/trip_plan.csv"]
    reports, error = faults.refused_folder("acme", paths, PermissionError("/proc/1/cwd"))
    assert {r.status for r in reports} == {"refused"} and all(r.reconciles() for r in reports)
    assert reports[0].reason == error.reason == (
        "internal error while reading trader acme: PermissionError: /proc/1/cwd; reported as a defect; its files "
        "wait for the next run and the other traders were filed.")
    assert folders.folder_files(tmp_path / "gone", tmp_path) == ["gone/"]


def test_run_status_and_the_attention_a_night_needs() -> None:
    error = faults.fault("file", ValueError("x"), trader="acme", trip_ref="AC-T101")
    assert run_status([], []) == "completed"
    assert run_status([], [error]) == "completed_with_errors"
    assert run_status(["a.csv: rows_in=2 but …"], [error]) == "unreconciled"
    refused = FileReport("acme/trip_plan.csv", "acme", status="refused", reason="no trip_ref column")
    quiet = RunSummary("r", "t", "completed", [FileReport("a", "acme", rows_in=1, rows_pending=1)], [])
    assert not quiet.attention
    assert RunSummary("r", "t", "completed", [refused], []).attention
    summary = RunSummary("r", "t", "completed_with_errors", [], [], internal_errors=[error])
    assert summary.attention and summary.totals()["internal_errors"] == 1
    assert '"internal_errors": [' in summary.to_json() and "Traceback" not in summary.to_json()


def test_exit_codes_completed_internal_errors_and_fail_on_quarantine() -> None:
    from flows.cli_run import exit_code

    error = faults.fault("analytics", OSError("disk"), trader="acme")
    refused = FileReport("acme/trip_plan.csv", "acme", status="refused", reason="no trip_ref column")
    pending_only = RunSummary("r", "t", "completed", [refused, FileReport("acme/g.csv", "acme", rows_in=2,
                                                                           rows_pending=2)], [])
    assert exit_code(pending_only, False) == 0
    # a night whose trip plan was refused and whose lines all wait is not a clean night
    assert exit_code(pending_only, True) == 3
    with_errors = RunSummary("r", "t", "completed_with_errors", [], [], internal_errors=[error])
    assert exit_code(with_errors, False) == 4 and exit_code(with_errors, True) == 4
    assert exit_code(RunSummary("r", "t", "unreconciled", [], []), False) == 1


def test_the_internal_error_alert_names_the_traders_and_points_to_the_summary() -> None:
    from transforms.ops.notify import EVENTS, internal_errors, payload

    assert "internal_error" in EVENTS
    error = faults.fault("check", KeyError("invoice_no"), trader="acme", trip_ref="AC-T101")
    summary = RunSummary("20261125T200000-ab", "t", "completed_with_errors", [], [], internal_errors=[error])
    import json

    found = internal_errors(json.loads(summary.to_json()))
    assert found is not None
    message, details = found
    assert message == ("ssdd run 20261125T200000-ab completed with 1 internal error(s) holding what they touched of "
                       "acme; every other trader was filed; see internal_errors in its summary.json.")
    assert details["internal_errors"][0]["reason"] == error.reason
    assert payload("internal_error", Path("/ws"), message, **details)["event"] == "internal_error"
    assert internal_errors(json.loads(RunSummary("r", "t", "completed", [], []).to_json())) is None


def test_quarantine_item_id_keys_a_missing_source_file_instead_of_crashing() -> None:
    from transforms.model.identity import quarantine_item_id

    nan = math.nan
    assert quarantine_item_id("acme", nan, "V13", "!") == quarantine_item_id("acme", "", "V13", "!")  # type: ignore[arg-type]


# -- profiles checked against their role ------------------------------------------------------------

_NO_INVOICE = """\
id: my_erp
profile_version: 1
role: commercial_lines
title: draft
containers: [csv]
columns:
  sku: {headers: [Item], required: true}
  quantity_value: {headers: [Qty], type: number}
  quantity_unit: {headers: [UoM], type: unit}
  line_amount_value: {headers: [Amount], type: number}
constants: {line_amount_currency: USD}
"""


def test_every_builtin_profile_serves_its_role() -> None:
    from transforms.ingest.profiles.registry import load_profiles

    profiles = load_profiles(None)
    assert profiles.refused == {}
    assert all(p.role_gaps() == [] for p in profiles)


def test_a_profile_that_cannot_serve_its_role_is_refused_with_what_it_lacks(tmp_path: Path) -> None:
    from transforms.ingest.profiles.registry import ProfileError, load_profiles

    (tmp_path / "my_erp.yaml").write_text(_NO_INVOICE, encoding="utf-8")
    load_profiles.cache_clear()
    try:
        profiles = load_profiles(tmp_path)
    finally:
        load_profiles.cache_clear()
    sentence = ("Profile my_erp.yaml (profile my_erp) cannot serve as commercial_lines: it maps no invoice_no; add "
                "these canonical fields under columns (or constants) and run again, until then it is not used.")
    assert "my_erp" not in profiles.ids and profiles.refused == {"my_erp": sentence}
    with pytest.raises(ProfileError) as caught:
        profiles.get("my_erp")   # what trader.yaml `profile: my_erp` now reads, instead of a KeyError at assembly
    assert str(caught.value) == sentence


def test_trip_plans_need_only_what_names_and_routes_a_truck(tmp_path: Path) -> None:
    import yaml

    from transforms.ingest.profiles.schema import Profile

    doc = yaml.safe_load((REPO / "data" / "profiles" / "trip_plan.yaml").read_text(encoding="utf-8"))
    for optional in ("carrier_code", "vehicle_reg_cn", "driver_name", "container_no", "seal_id"):
        doc["columns"].pop(optional, None)
    assert Profile.model_validate(doc).role_gaps() == []
    doc["columns"].pop("vehicle_reg_hk")
    doc["columns"].pop("invoice_nos")
    assert Profile.model_validate(doc).role_gaps() == ["vehicle_reg_hk or vehicle_reg_cn", "invoice_nos"]


def test_profiles_detect_says_what_a_drafted_profile_lacks(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from flows.cli import app
    from transforms.ingest.profiles.registry import load_profiles

    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "my_erp.yaml").write_text(_NO_INVOICE, encoding="utf-8")
    export = tmp_path / "export.csv"
    export.write_text("Item,Qty,UoM,Amount\nAC-1,2,PCE,10.00\n", encoding="utf-8")
    load_profiles.cache_clear()
    try:
        result = CliRunner().invoke(app, ["profiles", "detect", str(export), "--profiles-dir",
                                          str(tmp_path / "profiles")])
    finally:
        load_profiles.cache_clear()
    out = " ".join(result.output.split())
    assert "not used Profile my_erp.yaml (profile my_erp) cannot serve as commercial_lines: it maps no invoice_no" \
        in out
    assert result.exit_code == 2


def test_a_file_whose_mapping_raises_is_refused_alone_and_the_folder_is_read(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import transforms.ingest.folders as ingest
    from transforms.ingest.profiles.registry import load_profiles
    from transforms.model.reference import Reference

    shutil.copytree(REPO / "data" / "samples" / "inbox" / "acme", tmp_path / "acme")
    real = ingest.map_sheet

    def broken(match: object, *, src_file: str, **kwargs: object) -> object:
        if src_file == "acme/item_master.csv":
            raise OverflowError("date value out of range")
        return real(match, src_file=src_file, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "map_sheet", broken)
    out = ingest.ingest_trader(tmp_path / "acme", tmp_path, load_profiles(None), Reference.load())
    status = {f.path: (f.status, f.reason) for f in out.files}
    reason = ("internal error while reading acme/item_master.csv: OverflowError: date value out of range; reported as "
              "a defect; the file is refused tonight and the trader's other files were read.")
    assert status["acme/item_master.csv"] == ("refused", reason)
    assert status["acme/goods_lines_20261125.xlsx"] == ("read", None)
    assert status["acme/trip_plan.csv"] == ("read", None)
    assert [(e.stage, e.trader, e.file, e.reason) for e in out.internal_errors] == [
        ("read", "acme", "acme/item_master.csv", reason)]
    assert all(f.reconciles() for f in out.files if f.status == "refused")


def test_a_trader_naming_a_profile_that_cannot_serve_its_role_lists_every_file_waiting(tmp_path: Path) -> None:
    """The issue's reproduction: a drafted profile without invoice_no ended the night with KeyError."""
    from transforms.ingest.folders import ingest_trader
    from transforms.ingest.profiles.registry import load_profiles
    from transforms.model.reference import Reference

    shutil.copytree(REPO / "data" / "samples" / "inbox" / "acme", tmp_path / "inbox" / "acme")
    settings = tmp_path / "inbox" / "acme" / "trader.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("profile: ssdd_canonical", "profile: my_erp"),
                        encoding="utf-8")
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "my_erp.yaml").write_text(_NO_INVOICE, encoding="utf-8")
    load_profiles.cache_clear()
    try:
        out = ingest_trader(tmp_path / "inbox" / "acme", tmp_path / "inbox", load_profiles(tmp_path / "profiles"),
                            Reference.load())
    finally:
        load_profiles.cache_clear()
    refused = {f.path: f.reason for f in out.files if f.status == "refused"}
    sentence = ("Profile my_erp.yaml (profile my_erp) cannot serve as commercial_lines: it maps no invoice_no; add "
                "these canonical fields under columns (or constants) and run again, until then it is not used.")
    assert refused["acme/trader.yaml"] == sentence
    assert refused["acme/goods_lines_20261125.xlsx"] == (
        f"acme/trader.yaml names a profile that cannot be used, so this file waits; {sentence}")
    assert {"acme/item_master.csv", "acme/trip_plan.csv"} <= set(refused)
