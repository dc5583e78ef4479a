"""Vectorised pandas implementations of the GX expectation types our rules use.

A rule is stated once, as a GX expectation (:mod:`expectations.rules`). For speed the runner does
not ask GX to evaluate it: :func:`failed_mask` evaluates the same expectation with whole-column
pandas/numpy operations, and :func:`considered_mask` reproduces which rows GX would judge at all
(nulls are skipped by map expectations, pairs and multicolumns follow ``ignore_row_if``). The
parity test runs real GX over the same frames and asserts identical failing rows per rule.

Implementations of GX core types mirror the installed GX pandas metric (named in the comment above
each), quirks included, e.g. regexes are applied with ``astype(str).str.contains``. Our custom
types (:mod:`expectations.custom`) are implemented twice on purpose: row by row there, vectorised here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from great_expectations.core.suite_parameters import get_suite_parameter_key, is_suite_parameter
from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    ColumnPairMapExpectation,
    Expectation,
    MulticolumnMapExpectation,
)

from expectations import custom
from expectations import gx_core as core

Mask = npt.NDArray[np.bool_]
Params = Mapping[str, Any]
_Impl = Callable[[Any, pd.DataFrame, Params], Mask]

__all__ = ["Mask", "Params", "considered_mask", "counts_nulls", "failed_mask", "raw_failures", "resolve",
           "supported"]


def resolve(value: Any, params: Params) -> Any:
    """A kwarg with any ``{"$PARAMETER": name}`` replaced by its run-time value."""
    if is_suite_parameter(value):
        return params[get_suite_parameter_key(value)]
    return value


def _bool(values: Any) -> Mask:
    return np.asarray(values, dtype=bool)


def _notnull(frame: pd.DataFrame, column: str) -> Mask:
    return _bool(frame[column].notna().to_numpy())


def _text(series: pd.Series) -> pd.Series:
    # The exact call GX's pandas regex metrics make (column.astype(str).str.contains).
    return series.astype(str)


# -- column map ---------------------------------------------------------------------------------

# GX ColumnValuesMatchRegex: column.astype(str).str.contains(regex)
def _match_regex(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    return ~_bool(_text(f[e.column]).str.contains(resolve(e.regex, p), na=False))


# GX ColumnValuesNotMatchRegex: ~column.astype(str).str.contains(regex)
def _not_match_regex(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    return _bool(_text(f[e.column]).str.contains(resolve(e.regex, p), na=False))


# GX ColumnValuesInSet: column.isin(value_set)
def _in_set(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    return ~_bool(f[e.column].isin(list(resolve(e.value_set, p))))


def _between_values(values: pd.Series, lo: Any, hi: Any, strict_lo: bool, strict_hi: bool) -> Mask:
    ok = np.ones(len(values), dtype=bool)
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        if lo is not None:
            ok &= (arr > lo) if strict_lo else (arr >= lo)
        if hi is not None:
            ok &= (arr < hi) if strict_hi else (arr <= hi)
    return ~ok


# GX ColumnValuesBetween (numeric dtypes): min <= column <= max, strict_* switch to < / >
def _between(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    return _between_values(f[e.column], resolve(e.min_value, p), resolve(e.max_value, p),
                           bool(e.strict_min), bool(e.strict_max))


# GX ColumnValuesValueLength: column.astype(str).str.len() compared like _between
def _lengths_between(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    lengths = _text(f[e.column]).str.len()
    return _between_values(lengths, resolve(e.min_value, p), resolve(e.max_value, p),
                           bool(e.strict_min), bool(e.strict_max))


# GX ColumnValuesNonNull: ~column.isnull(), over every row
def _not_null(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    return ~_notnull(f, e.column)


def _blank(values: pd.Series) -> Mask:
    """Null, NaN, or text that is empty after trimming (numbers and other objects are not blank)."""
    blank = values.isna().to_numpy().astype(bool, copy=True)
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        is_text = (_bool(values.map(lambda v: isinstance(v, str)).to_numpy()) if values.dtype == object
                   else np.ones(len(values), dtype=bool))
        empty = _text(values).str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        blank |= is_text & empty
    return blank


def _not_blank(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    return _blank(f[e.column])


# ISO 6346 letter values as a lookup table over bytes (A=10.., skipping multiples of 11).
_ISO_LUT = np.full(256, -1, dtype=np.int64)
for _ch, _v in custom._ISO6346_VALUES.items():
    _ISO_LUT[ord(_ch)] = _v
_ISO_WEIGHTS = 2 ** np.arange(10, dtype=np.int64)


def _fixed_width_codes(values: pd.Series, width: int) -> tuple[npt.NDArray[np.int64], Mask]:
    """Byte matrix (n x width) of ASCII values of the right length, and which rows qualified."""
    arr = values.to_numpy(dtype=object)
    ok_len = np.fromiter((isinstance(v, str) and len(v) == width and v.isascii() for v in arr),
                         dtype=bool, count=len(arr))
    good = arr[ok_len]
    if len(good) == 0:
        return np.zeros((0, width), dtype=np.int64), ok_len
    raw = np.frombuffer("".join(good).encode("ascii"), dtype=np.uint8).reshape(len(good), width)
    return raw.astype(np.int64), ok_len


def _iso6346(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    s = f[e.column]
    codes, ok_len = _fixed_width_codes(s, 11)
    ok = np.zeros(len(s), dtype=bool)
    if len(codes):
        owner = codes[:, :3]
        letters_ok = ((owner >= 65) & (owner <= 90)).all(axis=1)
        cat_ok = np.isin(codes[:, 3], [ord("U"), ord("J"), ord("Z")])
        digits_ok = ((codes[:, 4:] >= 48) & (codes[:, 4:] <= 57)).all(axis=1)
        values = _ISO_LUT[codes[:, :10]]
        check = (values * _ISO_WEIGHTS).sum(axis=1) % 11 % 10
        ok[ok_len] = letters_ok & cat_ok & digits_ok & (check == codes[:, 10] - 48)
    return ~ok


_USCC_LUT = np.full(256, -1, dtype=np.int64)
for _i, _ch in enumerate(custom._USCC_ALPHABET):
    _USCC_LUT[ord(_ch)] = _i
_USCC_W = np.array(custom._USCC_WEIGHTS, dtype=np.int64)
_USCC_CHARS = np.frombuffer(custom._USCC_ALPHABET.encode("ascii"), dtype=np.uint8).astype(np.int64)


def _uscc(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    s = f[e.column]
    codes, ok_len = _fixed_width_codes(s, 18)
    ok = np.zeros(len(s), dtype=bool)
    if len(codes):
        values = _USCC_LUT[codes]
        alphabet_ok = (values >= 0).all(axis=1)
        expected = _USCC_CHARS[(31 - (values[:, :17] * _USCC_W).sum(axis=1) % 31) % 31]
        ok[ok_len] = alphabet_ok & (expected == codes[:, 17])
    return ~ok


# -- column pair --------------------------------------------------------------------------------

# GX ColumnPairValuesEqual: column_A == column_B
def _pair_equal(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    return ~_bool((f[e.column_A] == f[e.column_B]).to_numpy())


# GX ColumnPairValuesAGreaterThanB: A >= B (or_equal) / A > B
def _pair_a_greater(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    a = f[e.column_A].to_numpy(dtype="float64", na_value=np.nan)
    b = f[e.column_B].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return ~_bool((a >= b) if e.or_equal else (a > b))


def _code_list_on_date(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    codes_by_date: Mapping[str, list[str]] = resolve(e.codes_by_date, p)
    values = f[e.column_A]
    if e.only_if_matches:
        in_scope = _bool(_text(values).str.contains(e.only_if_matches, na=False))
    else:
        in_scope = np.ones(len(values), dtype=bool)
    keys = _text(values).str.slice(0, e.prefix_length) if e.prefix_length else values
    days = f[e.column_B].astype(str)
    # Days sharing one code list (the usual case) are checked with a single isin.
    groups: dict[tuple[str, ...], list[str]] = {}
    for day, day_codes in codes_by_date.items():
        groups.setdefault(tuple(day_codes), []).append(day)
    extra = list(e.extra_codes or [])
    ok = ~in_scope
    for group_codes, group_days in groups.items():
        rows = in_scope & _bool(days.isin(group_days).to_numpy())
        if rows.any():
            member = _bool(keys.isin([*group_codes, *extra]).to_numpy())
            ok[rows] = member[rows]
    return ~ok


def _is_set(values: pd.Series) -> Mask:
    """True or non-blank text means "required"; False, ``""`` and null do not."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return _bool(values.to_numpy())
    out = ~_blank(values)
    if values.dtype == object:
        flags = values.map(lambda v: v if isinstance(v, bool) else None)
        is_flag = flags.notna().to_numpy()
        out[is_flag] = _bool(flags[is_flag].astype(bool).to_numpy())
    return out


def _a_present_when_b(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    return _is_set(f[e.column_B]) & _blank(f[e.column_A])


def _rel_tol(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    a = f[e.column_A].to_numpy(dtype="float64", na_value=np.nan)
    b = f[e.column_B].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return ~_bool(np.abs(a - b) <= float(e.rel_tol) * np.abs(b) + 1e-9)


# -- multicolumn --------------------------------------------------------------------------------

def _price_times_qty(e: Any, f: pd.DataFrame, p: Params) -> Mask:
    price, qty, amount = (f[c].to_numpy(dtype="float64", na_value=np.nan) for c in e.column_list)
    tol = float(e.tolerance_per_unit)
    with np.errstate(invalid="ignore"):
        return ~_bool(np.abs(price * qty - amount) <= tol * np.abs(qty) + 1e-9)


_IMPLEMENTATIONS: Final[dict[type[Expectation], _Impl]] = {
    core.ExpectColumnValuesToMatchRegex: _match_regex,
    core.ExpectColumnValuesToNotMatchRegex: _not_match_regex,
    core.ExpectColumnValuesToBeInSet: _in_set,
    core.ExpectColumnValuesToBeBetween: _between,
    core.ExpectColumnValueLengthsToBeBetween: _lengths_between,
    core.ExpectColumnValuesToNotBeNull: _not_null,
    core.ExpectColumnPairValuesToBeEqual: _pair_equal,
    core.ExpectColumnPairValuesAToBeGreaterThanB: _pair_a_greater,
    custom.ExpectColumnValuesToNotBeBlank: _not_blank,
    custom.ExpectColumnValuesToHaveValidIso6346CheckDigit: _iso6346,
    custom.ExpectColumnValuesToHaveValidUsccCheckCharacter: _uscc,
    custom.ExpectColumnValuesToBeInCodeListOnDate: _code_list_on_date,
    custom.ExpectColumnPairValuesAToBePresentWhenBIsSet: _a_present_when_b,
    custom.ExpectColumnPairValuesToBeWithinRelativeTolerance: _rel_tol,
    custom.ExpectMulticolumnValuesPriceTimesQuantityToMatchAmount: _price_times_qty,
}

# Expectations whose metric looks at nulls (GX sets filter_column_isnull=False); GX then reports
# no missing_count and computes percentages over all rows.
_COUNTS_NULLS: Final = (core.ExpectColumnValuesToNotBeNull, custom.ExpectColumnValuesToNotBeBlank)


def supported(expectation: Expectation) -> bool:
    return type(expectation) in _IMPLEMENTATIONS


def counts_nulls(expectation: Expectation) -> bool:
    return isinstance(expectation, _COUNTS_NULLS)


def considered_mask(expectation: Expectation, frame: pd.DataFrame) -> Mask:
    """Rows GX evaluates for this expectation (the rest count as missing, never unexpected)."""
    n = len(frame)
    if counts_nulls(expectation):
        return np.ones(n, dtype=bool)
    if isinstance(expectation, ColumnMapExpectation):
        return _notnull(frame, expectation.column)
    if isinstance(expectation, ColumnPairMapExpectation):
        a, b = _notnull(frame, expectation.column_A), _notnull(frame, expectation.column_B)
        rule = getattr(expectation, "ignore_row_if", "both_values_are_missing")
        if rule == "both_values_are_missing":
            return a | b
        if rule == "either_value_is_missing":
            return a & b
        return np.ones(n, dtype=bool)
    if isinstance(expectation, MulticolumnMapExpectation):
        present = np.column_stack([_notnull(frame, c) for c in expectation.column_list])
        if expectation.ignore_row_if == "all_values_are_missing":
            return _bool(present.any(axis=1))
        if expectation.ignore_row_if == "any_value_is_missing":
            return _bool(present.all(axis=1))
        return np.ones(n, dtype=bool)
    raise TypeError(f"no row semantics for {type(expectation).__name__}")


def raw_failures(expectation: Expectation, frame: pd.DataFrame, params: Params) -> Mask:
    """The expectation's condition over every row (null-safe); combine with :func:`considered_mask`."""
    impl = _IMPLEMENTATIONS.get(type(expectation))
    if impl is None:
        raise TypeError(f"{type(expectation).__name__} has no vectorised implementation; add one to "
                        "expectations.checks before using it in a rule")
    return impl(expectation, frame, params)


def failed_mask(expectation: Expectation, frame: pd.DataFrame, params: Params) -> Mask:
    """Rows that fail the expectation, exactly as GX would count them (considered rows only)."""
    return considered_mask(expectation, frame) & raw_failures(expectation, frame, params)
