"""The decisions the flow used to make inline, tested without Prefect or GX: which trips the checks
hold and why, a rule's severity, where problems land, provenance stamping, a re-sent plan's scope."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from transforms.assembly.checking import (
    gather_findings,
    new_or_changed,
    no_findings,
    problem_findings,
    severity_of,
    trips_to_hold,
    with_finding_ids,
)
from transforms.assembly.provenance import stamp_provenance
from transforms.filing.quarantine import WRITER_HOLD_RULE, reported_findings
from transforms.filing.resend import trip_plan_scope
from transforms.filing.submissions import FilingResult
from transforms.model.identity import trip_ids
from transforms.model.inputs import Assembly, CellProblem, FileReport, MappedTable, SourceTable
from transforms.ops.summary import pending_invoices, traders_of_trips
from transforms.plumbing.paths import feedback_folder
from transforms.plumbing.personal import PERSONAL_MASK

AS_OF = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _finding(sid: str | None, severity: str, en: str, zh: str | None = "中文", column: str = "qty",
             value: str = "x") -> dict[str, object]:
    return {"rule_id": "A01" if severity == "error" else "A01W", "severity": severity, "src_file": "acme/inv.csv",
            "src_sheet": None, "src_row": 2, "src_column": column, "value": value, "message_en": en,
            "message_zh": zh, "submission_id": sid}


def _asm(submissions: pd.DataFrame, line_states: pd.DataFrame | None = None,
         problems: list[CellProblem] | None = None,
         submission_problems: list[tuple[str, CellProblem]] | None = None,
         sources: dict[str, set[str]] | None = None) -> Assembly:
    states = line_states if line_states is not None else pd.DataFrame(
        columns=["src_file", "src_row", "trader", "invoice_no", "state", "submission_id", "reason"])
    return Assembly({"submissions": submissions}, states, problems or [], submission_problems or [], sources or {})


def _problem(row: int, rule: str, en: str) -> CellProblem:
    return CellProblem("acme/inv.csv", "", row, "qty", "數量", "abc", rule, en, "数量无效")


# --- the held decision -------------------------------------------------------------------------------------


def test_a_trip_with_only_warnings_is_not_held_and_an_error_holds_its_trip() -> None:
    findings = pd.DataFrame([_finding("T1", "warning", "row 2, column qty: looks high"),
                             _finding("T2", "error", "row 2, column qty: 'x' is not a number", "「x」不是数字"),
                             _finding(None, "error", "a line of no trip")])
    assert trips_to_hold(findings) == {"T2": (["row 2, column qty: 'x' is not a number"], ["「x」不是数字"])}


def test_the_same_sentence_twice_is_one_reason_and_a_missing_chinese_sentence_is_empty() -> None:
    findings = pd.DataFrame([_finding("T1", "error", "trip T1 has no crossing time", None),
                             _finding("T1", "error", "trip T1 has no crossing time", None),
                             _finding("T1", "error", "trip T1 has no plate", "缺少车牌")])
    assert trips_to_hold(findings) == {"T1": (["trip T1 has no crossing time", "trip T1 has no plate"],
                                              ["", "缺少车牌"])}


def test_a_drivers_name_never_reaches_the_held_reasons() -> None:
    findings = pd.DataFrame([_finding("T1", "error", "row 2, column 司機姓名: 'Chan Tai Man' is too long",
                                      "「Chan Tai Man」太长", column="司機姓名", value="Chan Tai Man")])
    assert trips_to_hold(findings) == {"T1": ([f"row 2, column 司機姓名: '{PERSONAL_MASK}' is too long"],
                                              [f"「{PERSONAL_MASK}」太长"])}
    assert PERSONAL_MASK == "<redacted>"


def test_no_findings_hold_nothing() -> None:
    assert trips_to_hold(no_findings()) == {}
    assert "run_id" not in no_findings().columns and "submission_id" in no_findings().columns


# --- severity and problem rows -------------------------------------------------------------------------------


@pytest.mark.parametrize(("rule_id", "severity"), [("I-HS01", "error"), ("A-SKU02W", "warning"), ("W01", "error"),
                                                   ("C12W", "warning"), ("c12w", "error")])
def test_severity_comes_from_a_trailing_capital_w(rule_id: str, severity: str) -> None:
    assert severity_of(rule_id) == severity


def test_cell_problems_become_findings_rows_with_the_header_as_written() -> None:
    rows = problem_findings([_problem(3, "I-NUM01", "row 3: 'abc' is not a number"), _problem(4, "A-SKU02W", "w")])
    assert rows.to_dict("records") == [
        {"rule_id": "I-NUM01", "severity": "error", "src_file": "acme/inv.csv", "src_sheet": "", "src_row": 3,
         "src_column": "數量", "value": "abc", "message_en": "row 3: 'abc' is not a number", "message_zh": "数量无效"},
        {"rule_id": "A-SKU02W", "severity": "warning", "src_file": "acme/inv.csv", "src_sheet": "", "src_row": 4,
         "src_column": "數量", "value": "abc", "message_en": "w", "message_zh": "数量无效"}]


def test_line_problems_land_on_the_trip_their_line_went_to_and_trip_problems_on_their_trip() -> None:
    states = pd.DataFrame({"src_file": ["acme/inv.csv", "acme/inv.csv"], "src_row": [3, 4], "trader": ["acme"] * 2,
                           "invoice_no": ["I1", "I2"], "state": ["assembled", "pending"],
                           "submission_id": ["T1", None], "reason": [None, "no trip"]})
    subs = pd.DataFrame({"submission_id": ["T1"], "src_file": ["acme/plan.csv"], "src_sheet": [""], "src_row": [2]})
    asm = _asm(subs, states, problems=[_problem(4, "A-SKU01", "unknown SKU")],
               submission_problems=[("T1", _problem(9, "A-TRIP01", "trip T1 has no plate"))])
    out = gather_findings(no_findings(), [_problem(3, "I-NUM01", "not a number")], asm, {})
    assert out[["rule_id", "src_row"]].values.tolist() == [["I-NUM01", 3], ["A-SKU01", 4], ["A-TRIP01", 9]]
    assert out["submission_id"].fillna("(no trip)").tolist() == ["T1", "(no trip)", "T1"]
    assert trips_to_hold(out) == {"T1": (["not a number", "trip T1 has no plate"], ["数量无效", "数量无效"])}


def test_the_checks_one_per_cell_rule_applies_only_when_given() -> None:
    asm = _asm(pd.DataFrame(columns=["submission_id", "src_file", "src_sheet", "src_row"]))
    checks = pd.DataFrame([_finding("T1", "error", "a"), _finding("T1", "error", "b")])
    assert gather_findings(checks, [], asm, {})["message_en"].tolist() == ["a", "b"]
    assert gather_findings(checks, [], asm, {}, lambda f: f.iloc[:1])["message_en"].tolist() == ["a"]


def test_time_rules_run_on_trips_the_ledger_has_not_filed_with_this_content() -> None:
    filed = {"T1": {"current_hash": "h1"}, "T2": {"current_hash": "old"}}
    assert new_or_changed({"T1": "h1", "T2": "h2", "T3": "h3"}, filed.get) == {"T2", "T3"}


def test_findings_without_an_id_get_one_stable_for_the_run_and_position() -> None:
    findings = pd.DataFrame([_finding("T1", "error", "a"), {**_finding("T1", "error", "b"), "finding_id": "kept"}])
    out = with_finding_ids(findings, "20260302T010000-abcd1234")
    assert out["finding_id"].tolist() == [uuid.uuid5(uuid.NAMESPACE_URL, "20260302T010000-abcd1234/0").hex, "kept"]
    assert out["run_id"].tolist() == ["20260302T010000-abcd1234"] * 2


# --- what the trader hears about --------------------------------------------------------------------------


def test_a_trip_the_writers_held_is_reported_at_its_trip_plan_row() -> None:
    findings = pd.DataFrame([_finding("T1", "error", "checked error"), _finding("T3", "error", "filed anyway?"),
                             _finding("T3", "warning", "a warning")])
    subs = pd.DataFrame({"submission_id": ["T1", "T2"], "src_file": ["acme/plan.csv"] * 2, "src_sheet": ["", ""],
                         "src_row": [2, 3], "control_point": ["LMC", "SBC"], "crossing_date": [date(2026, 3, 2)] * 2})
    results = [FilingResult("T1", "held", 0, reasons=["checked error"], reasons_zh=["中文"]),
               FilingResult("T2", "held", 0, reasons=["no CIQ code for SBC"], reasons_zh=["口岸无海关代码"]),
               FilingResult("T3", "filed", 1)]
    out = reported_findings(findings, results, subs)
    assert out["message_en"].tolist() == ["checked error", "a warning", "no CIQ code for SBC"]
    assert out.iloc[2][["rule_id", "src_file", "src_row", "src_column", "value", "message_zh"]].tolist() == [
        WRITER_HOLD_RULE, "acme/plan.csv", 3, "control_point", "SBC", "口岸无海关代码"]


# --- provenance --------------------------------------------------------------------------------------------


def test_each_trip_records_its_sources_with_sha256_profiles_references_as_of_and_hash() -> None:
    subs = pd.DataFrame({"submission_id": ["T1", "T2"]})
    asm = _asm(subs, sources={"T1": {"acme/inv.csv", "acme/plan.csv"}, "T2": {"acme/old.csv"}})
    files = [FileReport("acme/inv.csv", "acme", profile="erp-a@2", sha256="aa"),
             FileReport("acme/plan.csv", "acme", profile="plan@1", sha256=None)]
    stamp_provenance(asm, files, {"acme/plan.csv": "pp"}, AS_OF, {"T1": "h1", "T2": "h2"},
                     {"hs_hk": "2026.1", "ciq": "3"})
    got = asm.frames["submissions"]
    assert got["source_files"].tolist() == [["acme/inv.csv aa", "acme/plan.csv pp"], ["acme/old.csv unknown"]]
    assert got["profile_versions"].tolist() == [["erp-a@2", "plan@1"], []]
    assert got["reference_versions"].tolist() == [["ciq@3", "hs_hk@2026.1"]] * 2
    assert got["created_at"].tolist() == [AS_OF, AS_OF]
    assert got["content_hash"].tolist() == ["h1", "h2"]


def test_a_night_without_trips_stamps_nothing() -> None:
    asm = _asm(pd.DataFrame({"submission_id": pd.Series(dtype=object)}))
    stamp_provenance(asm, [], {}, AS_OF, {}, {"ciq": "3"})
    assert list(asm.frames["submissions"].columns) == ["submission_id"]


# --- summary entries ------------------------------------------------------------------------------------------


def test_a_shared_truck_names_its_traders_and_pending_lines_are_counted_per_invoice() -> None:
    cons = pd.DataFrame({"submission_id": ["T1", "T1", "T2"], "trader": ["mingfai", "acme", "acme"]})
    assert traders_of_trips(cons) == {"T1": "acme,mingfai", "T2": "acme"}
    states = pd.DataFrame({"trader": ["acme"] * 3, "invoice_no": ["I2", "I2", "I1"],
                           "state": ["pending", "pending", "assembled"], "reason": ["no trip lists I2", "x", None]})
    assert pending_invoices(states) == [{"trader": "acme", "invoice_no": "I2", "lines": 2,
                                         "reason": "no trip lists I2"}]


# --- a re-sent trip plan's scope ----------------------------------------------------------------------------


def _plan(frame: pd.DataFrame, order: int) -> SourceTable:
    return SourceTable("acme", "acme/plan.csv", order, MappedTable(frame, {}, len(frame), 0))


def test_a_resent_plan_scopes_its_trips_carriers_and_hong_kong_crossing_days() -> None:
    tonight = pd.DataFrame({"carrier_code": ["C1", "C2", None], "trip_ref": ["T1", "T2", "T3"],
                            "direction": ["HK_EXPORT"] * 3,
                            "expected_crossing_at": ["2026-03-01T17:30:00Z", "2026-03-03T02:00:00Z",
                                                     "2026-03-09T02:00:00Z"]})
    earlier = _plan(tonight.assign(trip_ref=["OLD1", "OLD2", "OLD3"]), -1)
    scope = trip_plan_scope({"acme": [earlier, _plan(tonight, 0)], "mingfai": [earlier]})
    ids, carriers, span = scope["acme"]
    assert list(scope) == ["acme"]
    assert ids == set(trip_ids(tonight.iloc[:2])) and len(ids) == 2
    # 17:30 UTC on 1 March is 01:30 on 2 March in Hong Kong; the row without a carrier is out of scope
    assert (carriers, span) == ({"C1", "C2"}, (date(2026, 3, 2), date(2026, 3, 3)))


def test_a_feedback_folder_outside_the_workspace_is_refused_with_one_warning(tmp_path: Path) -> None:
    heard: list[str] = []
    assert feedback_folder(tmp_path, "acme", None, heard.append) is None
    assert feedback_folder(tmp_path, "acme", "feedback/acme", heard.append) == tmp_path.resolve() / "feedback" / "acme"
    assert feedback_folder(tmp_path, "acme", "../out", heard.append) is None
    assert heard == ["'../out' is not a folder inside the workspace; expected a relative path such as "
                     "feedback/acme, without .. or a leading /; the error workbooks stay in quarantine/ only."]
