"""Check-digit helpers and their vectorised twins agree, including on awkward input."""

from __future__ import annotations

import pandas as pd
import pytest

from expectations import checks
from expectations.custom import (
    ExpectColumnValuesToHaveValidIso6346CheckDigit,
    ExpectColumnValuesToHaveValidUsccCheckCharacter,
    iso6346_ok,
    uscc_ok,
)
from expectations.synthetic import iso6346_number

CONTAINERS = ["CSQU3054383", "CSQU3054384", "csqu3054383", "CSQX3054383", "CSQU305438", "CSQU30543833",
              "ＣSQU3054383", " CSQU3054383", "MSKU0000000", iso6346_number("ABC", 123456)]
USCCS = ["91350100M000100Y43", "91350100M000100Y44", "91350100M000100Y4", "91350100M000100I43",
         "91350100m000100Y43", "９1350100M000100Y43", "911101080628146720", "00000000000000000X"]


@pytest.mark.parametrize(("value", "ok"), [("CSQU3054383", True), ("CSQU3054384", False),
                                           ("MSKU0000000", False), (iso6346_number("TGH", 9), True)])
def test_iso6346(value: str, ok: bool) -> None:
    assert iso6346_ok(value) is ok


@pytest.mark.parametrize(("value", "ok"), [("91350100M000100Y43", True), ("91350100M000100Y44", False),
                                           ("91350100M000100I43", False)])
def test_uscc(value: str, ok: bool) -> None:
    assert uscc_ok(value) is ok


def test_vectorised_check_digits_match_the_row_wise_definitions() -> None:
    containers = pd.DataFrame({"c": [*CONTAINERS, None, 42]})
    failed = checks.failed_mask(ExpectColumnValuesToHaveValidIso6346CheckDigit(column="c"), containers, {})
    expected = [not (isinstance(v, str) and iso6346_ok(v)) for v in containers["c"][:-2]] + [False, True]
    assert failed.tolist() == expected
    usccs = pd.DataFrame({"u": [*USCCS, None]})
    failed = checks.failed_mask(ExpectColumnValuesToHaveValidUsccCheckCharacter(column="u"), usccs, {})
    assert failed.tolist() == [not uscc_ok(v) for v in USCCS] + [False]
