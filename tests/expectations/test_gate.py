"""Behaviour of the gate a user notices: what is held, what is not checkable, V04 scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd
from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult

from expectations import ValidationOutcome, validate
from expectations.synthetic import Frames
from transforms.model.reference import Reference

SetCell = Callable[[Frames, str, int, str, object], None]


def _evr(outcome: ValidationOutcome, table: str, key: str) -> object:
    return next(r for r in outcome.results[table].results if r.meta["rule_key"] == key)


def test_one_error_line_holds_its_whole_submission_and_warnings_do_not(
        frames: Frames, reference: Reference, as_of: datetime, set_cell: SetCell) -> None:
    goods = frames["goods_items"]
    first, second = goods["submission_id"].unique()[:2]
    error_row = int((goods["submission_id"] == first).to_numpy().argmax())
    warning_row = int((goods["submission_id"] == second).to_numpy().argmax())
    set_cell(frames, "goods_items", error_row, "hs_cn", "85171300")   # V06 error
    set_cell(frames, "goods_items", warning_row, "hs_hk", None)       # V05 missing: warning only
    out = validate(frames, reference=reference, as_of=as_of)
    assert out.held == {first}
    by_sub = out.findings.groupby("submission_id")["severity"].apply(set).to_dict()
    assert by_sub == {first: {"error"}, second: {"warning"}}


def test_clean_run_has_no_findings_and_every_suite_passes_or_is_not_checkable(
        frames: Frames, reference: Reference, as_of: datetime) -> None:
    frames["consignments"]["stated_gross_mass_kg"] = frames["consignments"]["gross_mass_kg"]
    out = validate(frames, reference=reference, as_of=as_of)
    assert out.findings.empty
    assert out.held == frozenset()
    assert out.not_checkable.empty
    assert all(isinstance(r, ExpectationSuiteValidationResult) and r.success for r in out.results.values())


def test_missing_independent_total_is_not_checkable_never_passed(
        frames: Frames, reference: Reference, as_of: datetime) -> None:
    cons = frames["consignments"]
    cons["stated_gross_mass_kg"] = cons["gross_mass_kg"]
    cons.loc[0, "stated_gross_mass_kg"] = None
    out = validate(frames, reference=reference, as_of=as_of)
    evr = _evr(out, "consignments", "V10.line_sum_vs_stated_total")
    assert evr.success is None and evr.meta["status"] == "not_checkable"
    assert evr.result["unexpected_count"] == 0
    assert evr.result["not_checkable_count"] == 1
    assert evr.result["observed_value"] == "1 row(s) not checkable"
    assert out.results["consignments"].success is False  # a suite with an unchecked rule is not a pass
    (row,) = out.not_checkable.itertuples(index=False)
    assert (row.rule_id, row.submission_id) == ("V10", cons.loc[0, "submission_id"])
    assert "stated_gross_mass_kg is empty" in row.reason
    assert out.findings.empty and out.held == frozenset()

    # a real mismatch elsewhere makes the rule fail; the unchecked row stays reported
    cons.loc[1, "stated_gross_mass_kg"] = cons.loc[1, "gross_mass_kg"] * 1.5
    out = validate(frames, reference=reference, as_of=as_of)
    evr = _evr(out, "consignments", "V10.line_sum_vs_stated_total")
    assert evr.success is False and evr.meta["status"] == "failed"
    assert evr.result["not_checkable_count"] == 1
    assert list(out.findings["rule_id"]) == ["V10"] and list(out.findings["severity"]) == ["warning"]


def test_unknown_tariff_line_warns_and_marks_v15_v16_not_checkable(
        frames: Frames, reference: Reference, as_of: datetime, set_cell: SetCell) -> None:
    frames["consignments"]["stated_gross_mass_kg"] = frames["consignments"]["gross_mass_kg"]
    set_cell(frames, "goods_items", 4, "hs_cn", "8517140000")
    set_cell(frames, "goods_items", 4, "hs_hk", "85171400")
    out = validate(frames, reference=reference, as_of=as_of)
    assert list(out.findings["rule_id"]) == ["V15"]
    assert out.findings.iloc[0]["severity"] == "warning"
    assert sorted(out.not_checkable["rule_id"]) == ["V15", "V16"]
    assert out.held == frozenset()


def _lead(frames: Frames, row: int, minutes: int, as_of: datetime) -> str:
    at = pd.Timestamp(as_of).tz_convert("UTC") + pd.Timedelta(minutes=minutes)
    frames["submissions"].loc[row, "expected_crossing_at"] = at
    return str(frames["submissions"].loc[row, "submission_id"])


def test_aci_window_applies_only_to_new_or_changed_submissions(
        frames: Frames, reference: Reference, as_of: datetime) -> None:
    late = _lead(frames, 0, 20, as_of)
    other = str(frames["submissions"].loc[1, "submission_id"])

    rerun = validate(frames, reference=reference, as_of=as_of, new_or_changed=[other])
    assert "V04" not in set(rerun.findings["rule_id"])
    assert late not in rerun.held

    filed_now = validate(frames, reference=reference, as_of=as_of, new_or_changed={late})
    assert set(filed_now.findings["rule_id"]) == {"V04"}
    assert filed_now.held == {late}

    assert validate(frames, reference=reference, as_of=as_of).held == {late}  # None = every submission


def test_cn_manifest_lead_is_a_parameter(frames: Frames, reference: Reference, as_of: datetime) -> None:
    sid = _lead(frames, 0, 50, as_of)  # fine for ROCARS (>= 45 min), short for a 60-minute manifest lead
    assert validate(frames, reference=reference, as_of=as_of).held == {sid}
    relaxed = validate(frames, reference=reference, as_of=as_of, cn_manifest_lead_minutes=45)
    assert relaxed.findings.empty and relaxed.held == frozenset()
    strict = validate(frames, reference=reference, as_of=as_of, cn_manifest_lead_minutes=90)
    (msg,) = strict.findings["message_en"]
    assert "needs at least 90 minutes" in msg


def test_tdec_deadline_is_a_warning(frames: Frames, reference: Reference, as_of: datetime) -> None:
    frames["consignments"]["stated_gross_mass_kg"] = frames["consignments"]["gross_mass_kg"]
    frames["submissions"]["crossing_date"] = frames["submissions"]["crossing_date"].astype(object)
    frames["submissions"].loc[0, "crossing_date"] = pd.Timestamp("2026-11-01").date()
    out = validate(frames, reference=reference, as_of=as_of, new_or_changed=[])
    assert list(out.findings["rule_id"]) == ["V18"] and out.held == frozenset()


def test_brn_missing_warns_but_malformed_brn_holds(
        frames: Frames, reference: Reference, as_of: datetime, set_cell: SetCell) -> None:
    frames["consignments"]["stated_gross_mass_kg"] = frames["consignments"]["gross_mass_kg"]
    parties = frames["parties"]
    hk = parties.index[parties["role"] == "DECLARANT_HK"].tolist()
    set_cell(frames, "parties", hk[0], "ids_hk_brn", None)
    out = validate(frames, reference=reference, as_of=as_of)
    assert [(f.rule_id, f.severity) for f in out.findings.itertuples()] == [("V17", "warning")]
    assert out.held == frozenset()
    set_cell(frames, "parties", hk[0], "ids_hk_brn", "1234567")
    out = validate(frames, reference=reference, as_of=as_of)
    assert [(f.rule_id, f.severity) for f in out.findings.itertuples()] == [("V17", "error")]
    assert out.held == {parties.loc[hk[0], "submission_id"]}
