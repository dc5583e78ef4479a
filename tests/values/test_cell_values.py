"""Hostile values in one cell are cell problems with a sentence, never the end of the run."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from transforms.ingest import parsing
from transforms.ingest.mapping import map_sheet
from transforms.ingest.profiles.match import detect, find_header, header_hint
from transforms.ingest.profiles.registry import load_profiles
from transforms.ingest.profiles.schema import Profile
from transforms.ingest.readers import read_file
from transforms.model.inputs import MappedTable
from transforms.model.reference import Reference

HEADER = ["invoice_no", "invoice_date", "consignee", "sku", "description_en", "quantity_value", "quantity_unit",
          "unit_price", "line_amount_value", "line_amount_currency", "country_of_origin", "packages_qty"]


def _line(**cells: str) -> list[str]:
    base = {"invoice_no": "INV-1", "invoice_date": "2026-11-03", "consignee": "Acme HK", "sku": "S-1",
            "description_en": "Shirt", "quantity_value": "10", "quantity_unit": "PCS", "unit_price": "2",
            "line_amount_value": "20", "line_amount_currency": "USD", "country_of_origin": "CN",
            "packages_qty": "1"}
    base.update(cells)
    return [base[h] for h in HEADER]


def _map(tmp_path: Path, rows: list[list[str]], profile: Profile | None = None) -> MappedTable:
    path = tmp_path / "lines.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    profiles = load_profiles(None)
    wb = read_file(path, header_hint=header_hint(profiles))  # type: ignore[arg-type]
    if profile is not None:
        match = find_header(profile, wb.sheets[0])
    else:
        match = detect(profiles, wb, file_label=path.name).match
    assert match is not None
    return map_sheet(match, src_file="acme/lines.csv", reference=Reference.load())


def _canonical(**changes: object) -> Profile:
    return load_profiles(None).get("ssdd_canonical").model_copy(update=changes)


def test_minguo_date_under_a_gregorian_format_is_a_cell_problem(tmp_path: Path) -> None:
    t = _map(tmp_path, [_line(invoice_date="0850925")], _canonical(date_formats=["%Y%m%d"]))
    assert [p.message_en for p in t.problems] == [
        "acme/lines.csv row 2, column invoice_date: '0850925' is not a date such as 2026-11-03 (a number is read "
        "as a date only when the profile's date_formats name serial or roc)."]
    assert t.frame["invoice_date"].isna().all()


def test_roc_is_a_date_format_a_profile_can_name(tmp_path: Path) -> None:
    t = _map(tmp_path, [_line(invoice_date="0850925"), _line(invoice_date="114/09/25"),
                        _line(invoice_date="民國114年9月25日")], _canonical(date_formats=["roc"]))
    assert t.problems == []
    assert [d.date().isoformat() for d in t.frame["invoice_date"]] == ["1996-09-25", "2025-09-25", "2025-09-25"]


def test_five_digit_number_in_a_date_column_is_a_finding_unless_the_profile_says_serial(tmp_path: Path) -> None:
    t = _map(tmp_path, [_line(invoice_date="10407")])
    assert [(p.column, p.value, p.rule_id) for p in t.problems] == [("invoice_date", "10407", "I-date")]
    served = _map(tmp_path, [_line(invoice_date="46329")], _canonical(date_formats=["%Y-%m-%d", "serial"]))
    assert served.problems == []
    assert served.frame["invoice_date"].iloc[0].date().isoformat() == "2026-11-03"


@pytest.mark.parametrize("value", ["0", "2958466", "99991231", "0001-01-01"])
def test_impossible_serials_and_dates_are_cell_problems(value: str) -> None:
    ts, bad = parsing.parse_date(pd.Series([value], dtype=object), ["%Y-%m-%d", "%Y%m%d", "serial"])
    assert bad.tolist() == [True] and ts.isna().all()


@pytest.mark.parametrize(("column", "value"), [("quantity_value", "1e308"), ("unit_price", "Infinity"),
                                               ("line_amount_value", "-1e308"), ("packages_qty", "Infinity"),
                                               ("packages_qty", "1e308")])
def test_numbers_no_declaration_can_carry_are_out_of_range(tmp_path: Path, column: str, value: str) -> None:
    t = _map(tmp_path, [_line(**{column: value})])
    assert [(p.column, p.rule_id, p.message_en) for p in t.problems] == [(
        column, "I-range", f"acme/lines.csv row 2, column {column}: '{value}' is not a number below "
        "1,000,000,000,000,000 (this one is out of range).")]
    assert t.frame[column].isna().all()


def test_footer_notes_and_template_rows_are_ignored_not_left_pending(tmp_path: Path) -> None:
    blank = [""] * len(HEADER)
    t = _map(tmp_path, [
        _line(),
        _line(invoice_no="INV-2", quantity_value="", line_amount_value=""),   # a damaged goods line: kept
        ["合计", *[""] * 7, "20", *[""] * 3],
        ["备注：请于到货后七日内付款", *blank[1:]],
        ["制表：张三", "", "审核：李四", *blank[3:]],
        [*blank[:6], "PCS", "", "0", "USD", "", ""],                       # a template row, no invoice
        ["Notebook", *blank[1:5], "1", "PCS", "", "5", "USD", "", ""],      # after the totals but with numbers
    ])
    assert t.frame["invoice_no"].tolist() == ["INV-1", "INV-2", "Notebook"]
    assert (t.rows_in, t.rows_ignored) == (7, 4)
