"""The gate copes with the shapes frames arrive in: empty, missing tables, object dtypes."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from expectations import validate
from expectations.rules import RULES
from expectations.synthetic import Frames, clean_frames
from expectations.synthetic_defects import break_rule
from transforms.model.reference import Reference


def test_no_frames_at_all_gives_vacuous_results(reference: Reference, as_of: datetime) -> None:
    out = validate({}, reference=reference, as_of=as_of)
    assert out.findings.empty and out.not_checkable.empty and out.held == frozenset()
    assert all(r.success for r in out.results.values())
    assert sum(len(r.results) for r in out.results.values()) == len(RULES)


def test_missing_optional_tables_and_columns(frames: Frames, reference: Reference, as_of: datetime) -> None:
    for table in ("trailers", "seals", "equipment"):
        del frames[table]
    frames["goods_items"] = frames["goods_items"].drop(columns=["hs_hk", "brand", "model", "sku"])
    out = validate(frames, reference=reference, as_of=as_of)
    # hs_hk missing everywhere: one warning per line, nothing held
    assert set(out.findings["rule_id"]) == {"V05"}
    assert set(out.findings["severity"]) == {"warning"} and out.held == frozenset()


def _as_objects(frames: Frames) -> Frames:
    return {name: f.astype({c: object for c in f.columns if pd.api.types.is_string_dtype(f[c].dtype)})
            for name, f in frames.items()}


def test_object_and_arrow_string_columns_give_the_same_outcome(reference: Reference, as_of: datetime) -> None:
    frames = clean_frames(reference, as_of, 2_000, seed=9)
    rng = np.random.default_rng(4)
    for rule in RULES:
        n = len(frames[rule.table])
        break_rule(frames, rule, rng.choice(n, size=min(3, n), replace=False), as_of)
    arrow = validate(frames, reference=reference, as_of=as_of)
    objects = validate(_as_objects(frames), reference=reference, as_of=as_of)
    assert len(arrow.findings) > len(RULES)
    pd.testing.assert_frame_equal(arrow.findings, objects.findings)
    assert arrow.held == objects.held
    pd.testing.assert_frame_equal(arrow.not_checkable, objects.not_checkable)
