"""Value formatting shared by the writers: fixed decimal scales, Hong Kong time, XML 1.0 text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
import pytest

from tests.writers.conftest import make_bundle
from transforms.filing.writers.registry import DOCUMENT_WRITERS
from transforms.filing.writers.values import XmlTextError, fmt_decimal, fmt_iso_hk, text, to_decimal


@pytest.mark.parametrize(("value", "scale", "expected"), [
    (12.300000000001, 3, "12.300"),
    (0.1 + 0.2, 2, "0.30"),
    (2.675, 2, "2.67"),          # the float is 2.67499…: same digits as the Parquet writer (model.to_arrow)
    (2.5, 0, "2"),               # Python round() on floats: half to even, as pandas' round
    (Decimal("2.5"), 0, "3"),    # exact decimals round half up
    (1e-9, 3, "0.000"),
    (-0.0001, 3, "0.000"),       # never "-0.000"
    (5, 5, "5.00000"),
    (Decimal("1.23456"), 4, "1.2346"),
    ("7.5", 2, "7.50"),
])
def test_decimals_have_fixed_scale_without_float_noise(value: object, scale: int, expected: str) -> None:
    assert fmt_decimal(value, scale, "x") == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "abc", True])
def test_non_numbers_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        to_decimal(bad, 2, "goods_items.line_amount_value")


@pytest.mark.parametrize("value", [
    datetime(2026, 11, 25, 2, 30, tzinfo=UTC),
    pd.Timestamp("2026-11-25T02:30:00Z"),
    datetime(2026, 11, 25, 3, 30, tzinfo=timezone(timedelta(hours=1))),
    "2026-11-25T10:30:00+08:00",
])
def test_timestamps_are_written_in_hong_kong_time(value: object) -> None:
    assert fmt_iso_hk(value, "t") == "2026-11-25T10:30:00+08:00"


def test_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        fmt_iso_hk(datetime(2026, 11, 25, 10, 30), "submissions.expected_crossing_at")


@pytest.mark.parametrize("bad", ["bell\x07", "nul\x00", "esc\x1b[0m", "\ufffe", "lone \ud800 surrogate"])
def test_text_xml_forbids_raises_with_the_field_named(bad: str) -> None:
    with pytest.raises(XmlTextError, match=r"goods_items\.description_en"):
        text(bad, "goods_items.description_en")


def test_allowed_text_passes_untouched() -> None:
    assert text("  粤Z·A123港 <&> \"'\t ", "x") == "粤Z·A123港 <&> \"'"


@pytest.mark.parametrize("writer", DOCUMENT_WRITERS, ids=lambda w: w.id)
def test_forbidden_character_never_reaches_any_document(writer, ctx) -> None:  # type: ignore[no-untyped-def]
    b = make_bundle()
    b.goods_items[0]["description_en"] = "copper\x0bwire"
    b.goods_items[0]["description_zh"] = "精炼\x0b铜丝"
    with pytest.raises(XmlTextError, match="U\\+000B"):
        writer.render(b, ctx)


def test_fast_float_path_gives_the_same_digits_as_the_decimal_path() -> None:
    import random

    rnd = random.Random(20261125)
    for _ in range(20000):
        v = rnd.choice([rnd.uniform(0, 1e6), rnd.uniform(0, 10), round(rnd.uniform(0, 1e4), rnd.randint(0, 6))])
        for scale in (2, 3, 4, 5):
            assert fmt_decimal(v, scale, "x") == f"{to_decimal(v, scale, 'x'):f}", (v, scale)
