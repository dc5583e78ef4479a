"""The GX suites hold every declared rule, and the committed snapshots match the code."""

from __future__ import annotations

from pathlib import Path

import great_expectations as gx
import pytest

from expectations.context import SUITE_TABLES
from expectations.rules import RULES, rules_for
from expectations.snapshots import SNAPSHOT_DIR, UPDATE_COMMAND, stale, write
from expectations.suites import build_suite, build_suites


def _keys(suite: gx.ExpectationSuite) -> list[str]:
    return [str((e.meta or {}).get("rule_key")) for e in suite.expectations]


@pytest.mark.parametrize("table", SUITE_TABLES)
def test_suite_contains_every_declared_rule(table: str) -> None:
    suite = build_suite(table)
    rules = rules_for(table)
    assert sorted(_keys(suite)) == sorted(r.key for r in rules)
    by_key = {str((e.meta or {}).get("rule_key")): e for e in suite.expectations}
    for rule in rules:
        assert by_key[rule.key].configuration == rule.expectation().configuration, rule.key


def test_all_rules_are_in_some_suite_and_ids_are_v01_to_v22() -> None:
    in_suites = {k for s in build_suites().values() for k in _keys(s)}
    assert in_suites == {r.key for r in RULES}
    ids = {r.id for r in RULES}
    assert {f"V{i:02d}" for i in range(1, 23)} <= ids
    assert ids - {f"V{i:02d}" for i in range(1, 23)} == {"REQ"}


def test_gx_drops_a_configuration_it_cannot_parse_and_the_check_catches_it() -> None:
    # Why the test above matters: GX logs and skips an expectation type it does not know (e.g. a custom
    # one whose module was not imported) instead of failing, so a suite can silently lose a rule.
    good = RULES[0].expectation().configuration
    unknown = {"type": "expect_column_values_to_be_a_valid_ssdd_thing", "kwargs": {"column": "hs_hk"},
               "meta": {"rule_key": "V99.lost"}}
    suite = gx.ExpectationSuite(name="probe", expectations=[good, unknown])
    assert _keys(suite) == [RULES[0].key]


def test_snapshots_match_the_code() -> None:
    bad = stale()
    assert not bad, f"suite snapshots differ from the code: {', '.join(bad)}. Regenerate with: {UPDATE_COMMAND}"


def test_a_changed_rule_makes_its_snapshot_stale(tmp_path: Path) -> None:
    write(tmp_path)
    assert stale(tmp_path) == []
    path = tmp_path / "goods_items.json"
    path.write_text(path.read_text(encoding="utf-8").replace("^[0-9]{10}$", "^[0-9]{8}$"), encoding="utf-8")
    assert stale(tmp_path) == ["goods_items"]
    assert sorted(p.stem for p in SNAPSHOT_DIR.glob("*.json")) == sorted(SUITE_TABLES)
