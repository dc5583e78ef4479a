"""Trip-plan rows, trader.yaml keys and message helpers, without the flow."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from tests.families import fixtures
from transforms.ingest import trip_plan
from transforms.ingest.mapping import map_sheet, with_invoice_column
from transforms.ingest.profiles.match import HeaderMatch, detect, header_hint
from transforms.ingest.profiles.registry import load_profiles
from transforms.ingest.readers import read_file
from transforms.model.inputs import MappedTable
from transforms.model.reference import Reference
from transforms.model.trader import TraderSettings
from transforms.plumbing.text import shown

PLAN_HEADER = ["trip_ref", "control_point", "expected_crossing", "direction", "hk_plate", "invoice_nos"]


def _settings(carrier: dict[str, str] | None) -> TraderSettings:
    return TraderSettings.model_validate({
        "trader": "acme", "self": {"name_en": "Acme", "address": "1 Road", "country": "CN"},
        **({"carrier": carrier} if carrier else {})})


def _match(path: Path) -> HeaderMatch:
    profiles = load_profiles(None)
    found = detect(profiles, read_file(path, header_hint=header_hint(profiles)),  # type: ignore[arg-type]
                   file_label=path.name)
    assert found.match is not None, found.reason
    return found.match


def _plan(tmp_path: Path, rows: list[list[str]]) -> MappedTable:
    path = fixtures.write_csv(tmp_path / "plan.csv", [PLAN_HEADER, *rows], "utf-8")
    return map_sheet(_match(path), src_file="acme/plan.csv", reference=Reference.load())


def test_a_plan_without_carrier_column_is_read_and_takes_the_mainland_customs_code(tmp_path: Path) -> None:
    t = _plan(tmp_path, [["T1", "LMC", "2026-11-26 08:00", "南下", "AB1234", "INV-1"]])
    trip_plan.settle_trip_plan(t, _settings({"name_en": "Harbour Trucking", "cn_customs_code": "4403961234"}))
    assert t.frame["carrier_code"].tolist() == ["4403961234"]
    assert trip_plan.counts(t) == (1, 0) and t.problems == []


def test_without_any_carrier_the_row_is_set_aside_naming_the_trader_yaml_keys(tmp_path: Path) -> None:
    t = _plan(tmp_path, [["T1", "LMC", "2026-11-26 08:00", "南下", "AB1234", "INV-1"]])
    trip_plan.settle_trip_plan(t, _settings(None))
    assert trip_plan.counts(t) == (0, 1)
    assert [p.message_en for p in t.problems] == [
        "acme/plan.csv row 2, column carrier_code: the cell is empty, so this trip-plan row names no trip and was set "
        "aside; fill it, or name the carrier in trader.yaml (carrier.code or carrier.cn_customs_code in "
        "trader.yaml)."]
    assert trip_plan.set_aside_invoices([("acme", "acme/plan.csv", t.frame)]) == {
        ("acme", "INV-1"): "the trip plan row that lists it (acme/plan.csv row 2) has no carrier_code and was set "
                           "aside"}


def test_refusal_advice_only_proposes_fixes_that_work(tmp_path: Path) -> None:
    path = fixtures.write_csv(tmp_path / "plan.csv", [PLAN_HEADER[:5], ["T1", "LMC", "2026-11-26 08:00", "南下",
                                                                         "AB1"]], "utf-8")
    found = detect(load_profiles(None), read_file(path), file_label="acme/plan.csv")
    assert found.reason is not None
    assert "trip_plan lacks invoice_nos" in found.reason
    assert "name a profile in trader.yaml" not in found.reason   # a named profile never forces an incomplete match
    assert found.reason.endswith("add the missing columns to the export, or describe this export in a profile of its "
                                 "own (ssdd profiles new --from FILE).")


def test_invoice_no_column_in_trader_yaml_is_used(tmp_path: Path) -> None:
    header = [*fixtures.KINGDEE_HEADER, "发票号码"]
    row = ["XSCK-001", "2026/11/3", "明辉", "SKU-1", "笔记本电脑", "X1", "台", "1", "1", "1", "美元", "中国",
           "8471300000", "1", "1", "1", "纸箱", "", "INV-88"]
    match = _match(fixtures.write_csv(tmp_path / "k.csv", [header, row], "gb18030"))
    rebound = with_invoice_column(match, "发票号码", "mingfai/k.csv")
    assert isinstance(rebound, HeaderMatch)
    t = map_sheet(rebound, src_file="mingfai/k.csv", reference=Reference.load())
    assert t.frame["invoice_no"].tolist() == ["INV-88"]
    assert with_invoice_column(match, "Invoice", "mingfai/k.csv") == (
        "mingfai/k.csv: trader.yaml names invoice_no_column 'Invoice', but the header row (row 1) has no such "
        "column; correct invoice_no_column or the export.")


@pytest.mark.parametrize(("value", "text"), [(None, ""), (math.nan, ""), (pd.NA, ""), (pd.NaT, ""), (12.0, "12"),
                                             (" SKU-1 ", "SKU-1"), ("None", "None"), (2.5, "2.5")])
def test_shown_never_prints_nan_or_none_for_a_missing_value(value: object, text: str) -> None:
    assert shown(value) == text


def test_one_per_cell_keeps_the_unreadable_value_over_is_empty() -> None:
    from expectations.findings import one_per_cell

    cell = {"src_file": "a.xlsx", "src_row": 3, "src_column": "原产国"}
    findings = pd.DataFrame([
        {**cell, "rule_id": "I-country", "value": "China-TW", "message_en": "'China-TW' is not an ISO 3166 country"},
        {**cell, "rule_id": "REQ", "value": "", "message_en": "country_of_origin is empty."},
        {**cell, "src_row": 4, "rule_id": "REQ", "value": "", "message_en": "country_of_origin is empty."}])
    assert one_per_cell(findings)["message_en"].tolist() == ["'China-TW' is not an ISO 3166 country",
                                                             "country_of_origin is empty."]
