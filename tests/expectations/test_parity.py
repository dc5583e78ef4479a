"""The vectorised runner and real GX agree row for row on every rule.

10k generated goods lines (and the tables around them) with at least 50 failing rows per rule;
each suite is run by a real GX validator (ephemeral context, pandas datasource, the suite built
from the same Rule list, source row ids as the DataFrame index) and compared with ``validate``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import great_expectations as gx
import numpy as np
import pytest

from expectations import ValidationOutcome, validate
from expectations.context import SUITE_TABLES, RunContext, ValidationFrames, build_frames
from expectations.results import RESULT_FORMAT
from expectations.rules import RULES
from expectations.suites import build_suite
from expectations.synthetic import Frames, clean_frames
from expectations.synthetic_defects import break_rule
from transforms.model.reference import Reference

BROKEN_PER_RULE = 80
MIN_FAILING = 50


@pytest.fixture(scope="module")
def broken_run(reference: Reference, as_of: datetime) -> Iterator[tuple[Frames, ValidationOutcome]]:
    frames = clean_frames(reference, as_of, 10_000, seed=5)
    rng = np.random.default_rng(2026)
    for rule in RULES:
        n = len(frames[rule.table])
        break_rule(frames, rule, np.sort(rng.choice(n, size=min(BROKEN_PER_RULE, n), replace=False)), as_of)
    yield frames, validate(frames, reference=reference, as_of=as_of)


def test_every_rule_fails_on_at_least_50_rows(broken_run: tuple[Frames, ValidationOutcome]) -> None:
    _, outcome = broken_run
    counts = {(table, r.meta["rule_key"]): r.result["unexpected_count"]
              for table, res in outcome.results.items() for r in res.results}
    assert len(counts) == len(RULES)
    assert {k: v for k, v in counts.items() if v < MIN_FAILING} == {}


def test_real_gx_finds_the_same_failing_rows(broken_run: tuple[Frames, ValidationOutcome], reference: Reference,
                                             as_of: datetime) -> None:
    frames, outcome = broken_run
    vf: ValidationFrames = build_frames(frames, reference, RunContext(as_of=as_of))
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas("parity")
    compared = 0
    for table in SUITE_TABLES:
        frame = vf.frames[table].copy()
        frame.index = vf.row_ids(table)
        assert frame.index.is_unique, table
        batch = (source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("all")
                 .get_batch(batch_parameters={"dataframe": frame}))
        real = batch.validate(build_suite(table), result_format=dict(RESULT_FORMAT),
                              expectation_parameters=vf.parameters)
        ours = {r.meta["rule_key"]: r for r in outcome.results[table].results}
        assert len(real.results) == len(ours)
        for got in real.results:
            key = got.expectation_config.meta["rule_key"]
            assert not got.exception_info.get("raised_exception"), (key, got.exception_info)
            mine = ours[key].result
            theirs = got.result
            assert set(theirs["unexpected_index_list"]) == set(mine["unexpected_index_list"]), key
            for field in ("element_count", "unexpected_count", "unexpected_percent", "missing_count"):
                assert theirs.get(field) == mine.get(field), (key, field)
            assert got.success == ours[key].success, key
            compared += 1
    assert compared == len(RULES)


def test_a_night_checked_in_batches_gives_the_results_of_one_check(
        broken_run: tuple[Frames, ValidationOutcome], reference: Reference, as_of: datetime) -> None:
    """The flow checks a big night trader batch by trader batch (transforms.assembly.batches); Data Docs must
    still show one result per suite equal to checking the whole night at once."""
    import json

    import pandas as pd

    from expectations.results import merge_batches

    frames, _ = broken_run
    sids = list(dict.fromkeys(frames["submissions"]["submission_id"]))
    halves = [set(sids[: len(sids) // 3]), set(sids[len(sids) // 3:])]
    batches = [{t: f[f["submission_id"].isin(h)].reset_index(drop=True) for t, f in frames.items()} for h in halves]
    whole = {t: pd.concat([b[t] for b in batches], ignore_index=True) for t in frames}
    one = validate(whole, reference=reference, as_of=as_of).results
    merged = merge_batches([validate(b, reference=reference, as_of=as_of).results for b in batches])
    assert list(merged) == list(one)
    compared = failing = 0
    for table, suite in one.items():
        assert merged[table].success == suite.success, table
        assert merged[table].statistics == suite.statistics, table
        for mine, want in zip(merged[table].results, suite.results, strict=True):
            key = want.meta["rule_key"]
            assert mine.meta == want.meta, key
            assert mine.success == want.success, key
            # as JSON: failing values include NaN, which never equals itself in a dict comparison
            assert json.dumps(mine.result, sort_keys=True, default=str) == json.dumps(
                want.result, sort_keys=True, default=str), key
            compared += 1
            failing += want.result["unexpected_count"] > 0
    assert compared == len(RULES) and failing == len(RULES)
