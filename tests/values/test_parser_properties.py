"""The cell parsers, cell by cell: what each one makes of a cell is a plain rule a trader could check,
and no cell (hostile text, NaN, a date object) makes one raise.

The parsers work on a column's Python strings in one pass (fast on the short sheets most files are);
these properties pin their meaning to per-cell rules, so a faster rewrite cannot drift from them."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.hostile import HOSTILE_TEXT, HOSTILE_TYPED
from transforms.ingest import parsing

#: cells as readers hand them over (text or None), plus the typed values a defect upstream could leak
CELL = st.one_of(st.none(), st.sampled_from(HOSTILE_TEXT), st.sampled_from(HOSTILE_TYPED), st.text(max_size=30))
COLUMN = st.lists(CELL, max_size=12).map(lambda cells: pd.Series(cells, dtype=object))
FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%Y%m%d", parsing.SERIAL_FORMAT, parsing.ROC_FORMAT]
ALIASES = {"KG": "KGM", "千克": "KGM", "PCS": "PCE", "USD": "USD", "美元": "USD"}


def _text(cell: Any) -> str | None:
    """A cell's trimmed text, or None when the cell is missing: the rule every parser starts from."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return None
    return str(cell).strip()


@settings(max_examples=300, deadline=None)
@given(COLUMN)
def test_text_cells_are_trimmed_and_blanks_are_empty(raw: pd.Series) -> None:
    texts = [_text(c) for c in raw]
    assert parsing.present(raw).tolist() == [bool(t) for t in texts]
    cleaned, bad = parsing.clean_text(raw)
    assert cleaned.tolist() == [t or None for t in texts]
    assert not bad.any()


@settings(max_examples=300, deadline=None)
@given(COLUMN, st.sampled_from([(".", ","), (",", "."), (".", "")]), st.sampled_from(FORMATS))
def test_no_cell_makes_a_parser_raise_and_only_present_cells_are_bad(raw: pd.Series, number_format: tuple[str, str],
                                                                     date_format: str) -> None:
    present = parsing.present(raw)
    # (parsed, bad, whether a cell is bad exactly when it is present and nothing came of it)
    results = [(*parsing.parse_number(raw, *number_format), True),
               (*parsing.parse_integer(raw, *number_format), True),
               (*parsing.parse_date(raw, [date_format]), True),
               (*parsing.parse_local_datetime(raw, [date_format]), True),
               (*parsing.map_codes(raw, ALIASES), True), (*parsing.parse_direction(raw), True),
               (*parsing.clean_code(raw, 10), False), (*parsing.to_kg(parsing.parse_number(raw)[0], raw), False)]
    for values, bad, exact in results:
        assert list(values.index) == list(raw.index) == list(bad.index)
        assert not (bad & ~present).any()   # a missing or blank cell is never a problem
        if exact:
            assert bad.tolist() == (present & values.isna()).tolist(), (raw.tolist(), values.tolist())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.decimals(min_value=-10**12, max_value=10**12, places=2, allow_nan=False), min_size=1, max_size=8),
       st.sampled_from([(".", ","), (",", "."), (",", " "), (".", "")]))
def test_numbers_come_back_as_they_were_written(amounts: list[Any], number_format: tuple[str, str]) -> None:
    decimal, thousands = number_format

    def written(amount: Any) -> str:
        whole, frac = f"{abs(amount):,.2f}".split(".")
        text = whole.replace(",", thousands) + decimal + frac
        return f"({text})" if amount < 0 else text   # accounting negatives

    raw = pd.Series([written(a) for a in amounts], dtype=object)
    values, bad = parsing.parse_number(raw, decimal, thousands)
    assert not bad.any(), raw.tolist()
    assert values.tolist() == [float(a) for a in amounts]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.from_regex(r"\A[0-9]{1,12}\Z"), st.from_regex(r"\A[0-9]{4}\.[0-9]{2}\.[0-9]{2}\Z"),
                          st.text(max_size=12)), max_size=8))
def test_fixed_length_codes_get_their_zeros_back_and_too_long_ones_are_bad(cells: list[str]) -> None:
    codes, bad = parsing.clean_code(pd.Series(cells, dtype=object), 8)
    for cell, code, too_long in zip(cells, codes, bad, strict=True):
        if not cell.strip():
            assert code is None and not too_long
        elif cell.replace(".", "").isascii() and cell.replace(".", "").isdecimal():   # 851713 or 8517.13.00
            digits = cell.replace(".", "")
            assert code == digits.zfill(8) and too_long == (len(digits) > 8), (cell, code)
        else:   # only a code that is all digits once its separators are gone can be too long
            assert not too_long or code.isdecimal(), (cell, code)
