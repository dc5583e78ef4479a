"""Trip plans as they really arrive, and pending lines that always say why they wait (issue 13).

Each test runs the nightly flow on a copy of the sample trader ``acme`` with one thing changed."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "samples" / "inbox"
AS_OF = "2026-11-25T20:00:00+08:00"
AC_T101 = "50dcb661-69cc-546f-875c-a464f472f46e"   # uuid5 of (HKTRUCK, AC-T101, HK_IMPORT)


def _acme(tmp_path: Path) -> tuple[Path, Path]:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(SAMPLE / "acme", inbox / "acme")
    return inbox, ws


def _plan(inbox: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((inbox / "acme" / "trip_plan.csv").read_text(encoding="utf-8-sig"))))


def _write_plan(inbox: Path, rows: list[dict[str, str]], drop: tuple[str, ...] = ()) -> None:
    fields = [f for f in rows[0] if f not in drop]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (inbox / "acme" / "trip_plan.csv").write_text(out.getvalue(), encoding="utf-8-sig")


def _edit_lines(inbox: Path, cells: dict[str, object]) -> None:
    path = inbox / "acme" / "goods_lines_20261125.xlsx"
    wb = load_workbook(path)
    sheet = wb.active
    assert sheet is not None
    for ref, value in cells.items():
        sheet[ref] = value
    wb.save(path)


def test_a_plan_without_carrier_column_takes_the_carrier_from_trader_yaml(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = _acme(tmp_path)
    _write_plan(inbox, _plan(inbox), drop=("carrier_code",))
    settings = inbox / "acme" / "trader.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "  name_en: Harbour Trucking Co.\n", "  name_en: Harbour Trucking Co.\n  code: HKTRUCK\n"), encoding="utf-8")

    summary = run_flow(inbox, ws, AS_OF)
    plan = {f.path: f for f in summary.files}["acme/trip_plan.csv"]
    assert (plan.status, plan.reason, plan.rows_reference) == ("read", None, 1)
    # the same trip key as a plan that names the carrier: the same submission
    assert [(s.trip_ref, s.status, s.submission_id) for s in summary.submissions] == [("AC-T101", "filed", AC_T101)]
    assert summary.pending == []


def test_plan_rows_that_name_no_trip_are_set_aside_with_a_sentence(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = _acme(tmp_path)
    row = _plan(inbox)[0]
    rows = [{**row, "direction": ""},
            {**row, "trip_ref": "AC-T102", "direction": "SIDEWAYS", "invoice_nos": "ACME-INV-7002"},
            {**row, "trip_ref": "", "invoice_nos": "ACME-INV-7003"},
            {**row, "trip_ref": "AC-T104", "invoice_nos": ""}]
    _write_plan(inbox, rows)

    summary = run_flow(inbox, ws, AS_OF)
    plan = {f.path: f for f in summary.files}["acme/trip_plan.csv"]
    assert (plan.rows_in, plan.rows_reference, plan.rows_quarantined) == (4, 0, 4)
    assert all(f.reconciles() for f in summary.files)
    assert summary.submissions == []
    assert summary.pending == [{
        "trader": "acme", "invoice_no": "ACME-INV-7001", "lines": 3,
        "reason": "the trip plan row that lists it (acme/trip_plan.csv row 2) has no direction and was set aside"}]
    twin = (ws / "quarantine" / "acme" / "trip_plan.csv.errors.csv").read_text(encoding="utf-8-sig")
    for sentence in (
            "acme/trip_plan.csv row 2, column direction: the cell is empty, so this trip-plan row names no trip and "
            "was set aside; fill it.",
            "acme/trip_plan.csv row 3, column direction: 'SIDEWAYS' is not HK_IMPORT/南下 or HK_EXPORT/北上.",
            "acme/trip_plan.csv row 4, column trip_ref: the cell is empty, so this trip-plan row names no trip and "
            "was set aside; fill it.",
            "acme/trip_plan.csv row 5, column invoice_nos: the cell is empty, so this trip-plan row names no invoice "
            "and was set aside; list the invoice numbers this truck carries."):
        assert sentence in twin


def test_a_look_alike_invoice_number_holds_the_truck_instead_of_filing_it_short(tmp_path: Path,
                                                                                run_flow: Any) -> None:
    inbox, ws = _acme(tmp_path)
    _edit_lines(inbox, {"A3": "ACME-INV-70O1"})   # the running shoes' invoice number typed with a letter O

    summary = run_flow(inbox, ws, AS_OF)
    [trip] = summary.submissions
    assert (trip.trip_ref, trip.status) == ("AC-T101", "held")
    assert ("acme/goods_lines_20261125.xlsx row 3: invoice 'ACME-INV-70O1' is on no trip plan, but trip AC-T101 "
            "lists 'ACME-INV-7001', which differs only by look-alike characters (O/0, I/1); the trip is held so "
            "that it is not filed short of this line; correct the invoice number in the export or the trip "
            "plan.") in trip.reasons
    assert summary.pending == [{
        "trader": "acme", "invoice_no": "ACME-INV-70O1", "lines": 1,
        "reason": "no trip plan lists this invoice, but trip AC-T101 lists 'ACME-INV-7001', which differs only by "
                  "look-alike characters (O/0, I/1); correct the number where it is wrong"}]
    assert not list((ws / "outbox").rglob("*.xml"))


def test_a_plan_listing_an_invoice_no_file_has_holds_its_trip_then_expires(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = _acme(tmp_path)
    _write_plan(inbox, [{**_plan(inbox)[0], "invoice_nos": "ACME-INV-7001; ACME-INV-7009"}])

    night1 = run_flow(inbox, ws, AS_OF)
    assert night1.submissions == []
    assert night1.pending == [{"trader": "acme", "invoice_no": "ACME-INV-7001", "lines": 3,
                               "reason": "trip AC-T101 also lists invoice(s) ACME-INV-7009, which no commercial "
                                         "file contains yet"}]
    night2 = run_flow(inbox, ws, "2026-11-29T20:00:00+08:00")
    lines = {f.path: f for f in night2.files}["acme/goods_lines_20261125.xlsx"]
    assert (lines.rows_pending, lines.rows_quarantined) == (0, 3)
    assert night2.pending == []


def test_a_refused_trip_plan_is_said_as_such(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = _acme(tmp_path)
    _write_plan(inbox, _plan(inbox), drop=("invoice_nos",))

    summary = run_flow(inbox, ws, AS_OF)
    assert {f.path: f.status for f in summary.files}["acme/trip_plan.csv"] == "refused"
    assert summary.pending == [{
        "trader": "acme", "invoice_no": "ACME-INV-7001", "lines": 3,
        "reason": "the trip plan acme/trip_plan.csv was refused tonight, so no trip lists this invoice yet; fix "
                  "that file (its reason is in the summary)"}]


def test_an_undated_invoice_expires_by_the_time_it_was_first_seen(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = _acme(tmp_path)
    (inbox / "acme" / "trip_plan.csv").unlink()
    _edit_lines(inbox, {"B2": None, "B3": None, "B4": None})

    night1 = run_flow(inbox, ws, AS_OF)
    assert [(p["invoice_no"], p["reason"]) for p in night1.pending] == [
        ("ACME-INV-7001", "no trip plan lists this invoice yet")]
    night2 = run_flow(inbox, ws, "2026-11-27T20:00:00+08:00")      # 48 hours later: still waiting
    assert [p["invoice_no"] for p in night2.pending] == ["ACME-INV-7001"]
    night3 = run_flow(inbox, ws, "2026-11-28T21:00:00+08:00")      # 73 hours after it was first seen
    lines = {f.path: f for f in night3.files}["acme/goods_lines_20261125.xlsx"]
    assert (lines.rows_pending, lines.rows_quarantined) == (0, 3)
    assert night3.pending == []
    night4 = run_flow(inbox, ws, "2026-11-29T21:00:00+08:00")      # the file is still there: no new clock
    assert night4.pending == []
    assert {f.path: f for f in night4.files}["acme/goods_lines_20261125.xlsx"].rows_quarantined == 3


#: (plan column, value, the one reason the trip is held with): each names the trader's own header
_UNUSABLE_PLAN_CELLS = {
    # the mode comes from the plan (海运 = Rec 19 mode 1); the scheme files trucks only (V02)
    "sea trip": ("运输方式", "海运",
                 "acme/trip_plan.csv row 2, column 运输方式: transport mode '1' is not road (3, UN/ECE Rec 19): the "
                 "scheme files truck trips only; correct the trip plan's transport_mode or trader.yaml's "
                 "carrier.transport_mode."),
    # a conveyance cell ssdd cannot use is named by the plan's header, not ssdd's key transport_mode
    "unknown mode": ("运输方式", "hovercraft",
                     "acme/trip_plan.csv row 2, column 运输方式: trip 'AC-T101' has transport mode 'hovercraft', which "
                     "is not a UN/ECE Rec 19 mode of transport; write its code or name (3 or road for a truck, 1 or "
                     "sea, 2 or rail, 4 or air), or leave the cell empty for trader.yaml's carrier.transport_mode "
                     "(road when not set)."),
    # found by the fuzz: both reached the writers, which held the trip quoting 'None is not a timestamp';
    # a blank one is held by the checks (V04), an unreadable one by the finding that quotes the cell
    "blank crossing time": ("expected_crossing", "",
                            "acme/trip_plan.csv row 2, column expected_crossing: expected_crossing_at is empty "
                            "(ROCARS and the Mainland road manifest need the time the truck is expected at the "
                            "control point)."),
    "unreadable crossing time": ("expected_crossing", "0",
                                 "acme/trip_plan.csv row 2, column expected_crossing: '0' is not a date and time "
                                 "such as 2026-11-03 14:30 (a number is read as a date only when the profile's "
                                 "date_formats name serial or roc)."),
}


@pytest.mark.parametrize(("column", "value", "reason"), list(_UNUSABLE_PLAN_CELLS.values()),
                         ids=list(_UNUSABLE_PLAN_CELLS))
def test_an_unusable_plan_cell_holds_its_trip_with_one_sentence(tmp_path: Path, run_flow: Any, column: str,
                                                                 value: str, reason: str) -> None:
    inbox, ws = _acme(tmp_path)
    rows = _plan(inbox)
    rows[0][column] = value
    _write_plan(inbox, rows)

    summary = run_flow(inbox, ws, AS_OF)
    [trip] = summary.submissions
    assert (trip.trip_ref, trip.status, trip.reasons) == ("AC-T101", "held", [reason])
    assert not any((ws / "outbox").rglob("*.xml"))
