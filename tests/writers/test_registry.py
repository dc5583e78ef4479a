"""The writer registry and the conformance every writer gets for free."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.writers.conftest import make_bundle
from transforms.reference import Reference
from transforms.writers.context import DEFAULT_SENDER_ID, WriterContext
from transforms.writers.registry import ALL_WRITERS, writer
from transforms.writers.schemas import SCHEMA_DIR, validate


def test_registry_is_explicit_and_ordered() -> None:
    assert [w.id for w in ALL_WRITERS] == ["single", "hk", "cn"]
    assert [w.folder for w in ALL_WRITERS] == ["single", "hk", "cn"]
    assert writer("cn") is ALL_WRITERS[2]


def test_unknown_writer_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="single, hk, cn"):
        writer("sea")


@pytest.mark.parametrize("w", ALL_WRITERS, ids=lambda w: w.id)
@pytest.mark.parametrize("direction", ["HK_IMPORT", "HK_EXPORT"])
@pytest.mark.parametrize("control_point", ["LMC", "MKT", "STK"])
def test_every_writer_renders_a_valid_file(w, direction: str, control_point: str,  # type: ignore[no-untyped-def]
                                           ctx: WriterContext) -> None:
    b = make_bundle(direction=direction, control_point=control_point)
    assert w.preflight(b, ctx) == []
    assert (SCHEMA_DIR / w.schema).is_file()
    assert w.filename(b) == f"{b.submission_id}_v1.xml"
    assert validate(w.id, w.render(b, ctx)) == []


def test_context_requires_an_aware_as_of(reference: Reference) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        WriterContext(reference=reference, as_of=datetime(2026, 11, 25, 8, 0))
    with pytest.raises(ValueError, match="max_items"):
        WriterContext(reference=reference, as_of=datetime.fromisoformat("2026-11-25T08:00+08:00"), max_items=0)


def test_context_defaults_match_the_filing_step(reference: Reference) -> None:
    # transforms/filing.py builds WriterContext(reference=, as_of=, max_items=) only
    ctx = WriterContext(reference=reference, as_of=datetime.fromisoformat("2026-11-25T08:00+08:00"), max_items=7)
    assert (ctx.max_items, ctx.sender_id, ctx.crossing_date) == (7, DEFAULT_SENDER_ID, None)


def test_code_lists_follow_the_crossing_date(reference: Reference) -> None:
    """HYW's crosswalk row is valid from 2020-08-26 (cargo opening): before it, no office code."""
    b = make_bundle(control_point="HYW")
    as_of = datetime.fromisoformat("2026-11-25T08:00+08:00")
    early = WriterContext(reference=reference, as_of=as_of, crossing_date=datetime(2020, 8, 1).date())
    late = WriterContext(reference=reference, as_of=as_of)
    assert any("customs office" in p.message_en for p in writer("cn").preflight(b, early))
    assert not any("customs office" in p.message_en for p in writer("cn").preflight(b, late))
