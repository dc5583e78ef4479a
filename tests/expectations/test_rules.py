"""Every rule: clean rows pass, and breaking one row makes exactly that row fail."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from expectations import validate
from expectations.rule import Rule
from expectations.rules import RULES
from expectations.synthetic import Frames
from expectations.synthetic_defects import break_rule
from transforms.model.reference import Reference


def _evr(outcome: object, rule: Rule) -> object:
    results = outcome.results[rule.table].results  # type: ignore[attr-defined]
    return next(r for r in results if r.meta["rule_key"] == rule.key)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.table}:{r.key}")
def test_rule_passes_clean_rows_and_fails_a_broken_one(rule: Rule, frames: Frames, reference: Reference,
                                                       as_of: datetime) -> None:
    clean = validate(frames, reference=reference, as_of=as_of, rules=(rule,))
    passed = _evr(clean, rule)
    assert passed.result["element_count"] > 0
    assert passed.result["unexpected_count"] == 0
    assert clean.findings.empty

    break_rule(frames, rule, np.array([1]), as_of)
    broken = validate(frames, reference=reference, as_of=as_of, rules=(rule,))
    failed = _evr(broken, rule)
    assert failed.success is False
    assert failed.result["unexpected_count"] == 1
    (row_id,) = failed.result["unexpected_index_list"]

    (finding,) = broken.findings.itertuples()
    rule = rule.on_reference(reference.is_official)  # tariff rules warn while the tariff is illustrative
    assert (finding.rule_id, finding.severity) == (rule.id, rule.severity)
    assert finding.src_column == rule.columns[0]
    assert finding.message_en and finding.message_zh and "{" not in finding.message_en + finding.message_zh
    if row_id.startswith(f"{rule.table}:"):
        # a row without provenance of its own (trailer, container, seal) points to its trip plan row
        trip = frames["submissions"].set_index("submission_id").loc[finding.submission_id]
        assert (finding.src_file, finding.src_row) == (trip["src_file"], trip["src_row"])
    elif isinstance(finding.src_file, str):
        assert row_id == f"{finding.src_file}:{finding.src_sheet}:{finding.src_row}"
    if rule.severity == "error":
        assert broken.held == {finding.submission_id}
    else:
        assert broken.held == frozenset()
