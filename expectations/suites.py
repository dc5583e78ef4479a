"""GX expectation suites built from the rule list (one suite per canonical table)."""

from __future__ import annotations

import great_expectations as gx

from expectations.context import SUITE_TABLES
from expectations.rule import Rule
from expectations.rules import RULES, rules_for

__all__ = ["build_suite", "build_suites"]


def build_suite(table: str, rules: tuple[Rule, ...] = RULES) -> gx.ExpectationSuite:
    """The suite for one table: every rule's expectation, stamped with its rule id and severity.

    Built from the expectations' *configurations*, i.e. through GX's own parser, exactly as a
    stored suite is loaded. GX logs and skips a configuration it cannot parse, and
    ``add_expectation`` drops one equal to an earlier one, both silently: a test asserts the suite
    holds exactly one expectation per declared rule."""
    table_rules = rules_for(table, rules)
    return gx.ExpectationSuite(name=table, expectations=[r.expectation().configuration for r in table_rules],
                               meta={"ssdd_rules": len(table_rules)})


def build_suites(rules: tuple[Rule, ...] = RULES) -> dict[str, gx.ExpectationSuite]:
    return {table: build_suite(table, rules) for table in SUITE_TABLES}
