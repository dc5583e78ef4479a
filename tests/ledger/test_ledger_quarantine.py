"""Quarantine items in the ledger: stable ids, first seen kept, resolve, dismiss, oldest first."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from tests.ledger.ledger_helpers import AS_OF, CROSSING
from transforms.filing.ledger import Ledger, LedgerError
from transforms.model.identity import quarantine_item_id


def _items(*rows: tuple[str, str, int, str]) -> pd.DataFrame:
    return pd.DataFrame([{"trader": "mingfai", "src_file": src_file, "src_sheet": "Sheet1", "src_row": row,
                          "rule_id": rule, "reason": reason, "crossing_at": CROSSING}
                         for src_file, rule, row, reason in rows])


def test_item_id_is_stable() -> None:
    a = quarantine_item_id("mingfai", "mingfai/k3.xlsx", "V07", "Sheet1!12")
    assert a == quarantine_item_id("mingfai", "mingfai/k3.xlsx", "V07", "Sheet1!12")
    assert a != quarantine_item_id("mingfai", "mingfai/k3.xlsx", "V08", "Sheet1!12")


def test_upsert_keeps_first_seen_and_updates_last_seen(ledger: Ledger) -> None:
    ledger.quarantine_upsert(_items(("mingfai/k3.xlsx", "V07", 12, "gross mass missing")), "run-1", as_of=AS_OF)
    ledger.quarantine_upsert(_items(("mingfai/k3.xlsx", "V07", 12, "gross mass missing (again)")), "run-2",
                             as_of=AS_OF + timedelta(days=1))
    items = ledger.quarantine_list()
    assert len(items) == 1
    row = items.iloc[0]
    assert (row["first_seen_run"], row["last_seen_run"]) == ("run-1", "run-2")
    assert row["first_seen_at"] == AS_OF and row["reason"] == "gross mass missing (again)"
    assert row["crossing_at"] == CROSSING
    assert row["item_id"] == quarantine_item_id("mingfai", "mingfai/k3.xlsx", "V07", "Sheet1!12")


def test_resolve_dismiss_and_list_oldest_first(ledger: Ledger) -> None:
    ledger.quarantine_upsert(_items(("b.xlsx", "V01", 3, "second")), "run-2", as_of=AS_OF + timedelta(hours=1))
    ledger.quarantine_upsert(_items(("a.xlsx", "V01", 2, "first")), "run-1", as_of=AS_OF)
    ledger.quarantine_upsert(_items(("c.xlsx", "V02", 9, "third")), "run-3", as_of=AS_OF + timedelta(hours=2))
    open_items = ledger.quarantine_list("open")
    assert list(open_items["reason"]) == ["first", "second", "third"]
    first, second, third = open_items["item_id"]
    ledger.quarantine_resolve([first], "run-4")
    ledger.quarantine_dismiss(second, by="ops@mingfai", reason="sample row, never shipped")
    assert list(ledger.quarantine_list("open")["item_id"]) == [third]
    resolved = ledger.quarantine_list("resolved").iloc[0]
    assert (resolved["item_id"], resolved["resolved_run"]) == (first, "run-4")
    dismissed = ledger.quarantine_list("dismissed").iloc[0]
    assert (dismissed["dismissed_by"], dismissed["dismissed_reason"]) == ("ops@mingfai", "sample row, never shipped")
    assert len(ledger.quarantine_list("all")) == 3


def test_a_resolved_item_that_fails_again_reopens_a_dismissed_one_stays_dismissed(ledger: Ledger) -> None:
    ledger.quarantine_upsert(_items(("a.xlsx", "V01", 2, "x"), ("b.xlsx", "V01", 2, "y")), "run-1", as_of=AS_OF)
    a, b = ledger.quarantine_list()["item_id"]
    ledger.quarantine_resolve([a], "run-2")
    ledger.quarantine_dismiss(b, by="ops", reason="known")
    ledger.quarantine_upsert(_items(("a.xlsx", "V01", 2, "x"), ("b.xlsx", "V01", 2, "y")), "run-3",
                             as_of=AS_OF + timedelta(days=1))
    reopened = ledger.quarantine_list().iloc[0]
    assert (reopened["item_id"], reopened["resolved_run"], reopened["first_seen_run"]) == (a, None, "run-1")
    assert list(ledger.quarantine_list("dismissed")["item_id"]) == [b]


def test_dismiss_needs_a_known_item_a_person_and_a_reason(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="who dismissed it and why"):
        ledger.quarantine_dismiss("abc", by="ops", reason=" ")
    with pytest.raises(LedgerError, match="no quarantine item with that id"):
        ledger.quarantine_dismiss("abc", by="ops", reason="noise")
