"""Custom GX expectations for rules the core gallery cannot state.

Each expectation is a plain GX 1.x class (registered by GX's metaclass on import), so suites
that use it serialise, render in Data Docs and run under a real GX validator. Their metric
functions are deliberately written row by row, in plain Python, *independently* of the
vectorised checks in :mod:`expectations.checks`: the parity test runs both over the same frames
and proves they agree, so neither implementation can drift alone.

Pure helpers (:func:`iso6346_ok`, :func:`uscc_ok`) are public because tests and messages use them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal, TypeVar, cast

import pandas as pd
from great_expectations.execution_engine.pandas_execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    ColumnPairMapExpectation,
    MulticolumnMapExpectation,
    _format_map_output,
)
from great_expectations.expectations.expectation_configuration import parse_result_format
from great_expectations.expectations.metrics.map_metric_provider.column_condition_partial import (
    column_condition_partial,
)
from great_expectations.expectations.metrics.map_metric_provider.column_map_metric_provider import (
    ColumnMapMetricProvider,
)
from great_expectations.expectations.metrics.map_metric_provider.column_pair_condition_partial import (
    column_pair_condition_partial,
)
from great_expectations.expectations.metrics.map_metric_provider.column_pair_map_metric_provider import (
    ColumnPairMapMetricProvider,
)
from great_expectations.expectations.metrics.map_metric_provider.multicolumn_condition_partial import (
    multicolumn_condition_partial,
)
from great_expectations.expectations.metrics.map_metric_provider.multicolumn_map_metric_provider import (
    MulticolumnMapMetricProvider,
)

__all__ = [
    "ExpectColumnPairValuesAToBePresentWhenBIsSet",
    "ExpectColumnPairValuesToBeWithinRelativeTolerance",
    "ExpectColumnValuesToBeInCodeListOnDate",
    "ExpectColumnValuesToHaveValidIso6346CheckDigit",
    "ExpectColumnValuesToHaveValidUsccCheckCharacter",
    "ExpectColumnValuesToNotBeBlank",
    "ExpectMulticolumnValuesPriceTimesQuantityToMatchAmount",
    "is_blank",
    "iso6346_ok",
    "uscc_ok",
]

_F = TypeVar("_F", bound=Callable[..., Any])


def _pandas_column(fn: _F) -> _F:
    return column_condition_partial(engine=PandasExecutionEngine)(fn)


def _pandas_pair(fn: _F) -> _F:
    return cast(_F, column_pair_condition_partial(engine=PandasExecutionEngine)(fn))


def _pandas_multicolumn(fn: _F) -> _F:
    return cast(_F, multicolumn_condition_partial(engine=PandasExecutionEngine)(fn))


_PAIR_DOMAIN_KEYS = ("batch_id", "table", "column_A", "column_B", "row_condition", "condition_parser",
                     "ignore_row_if")
_MULTI_DOMAIN_KEYS = ("batch_id", "table", "column_list", "row_condition", "condition_parser", "ignore_row_if")


# -- plain, row-wise definitions ----------------------------------------------------------------

def is_blank(value: Any) -> bool:
    """Missing for a filing: null, NaN, or text that is empty after trimming."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return value.strip() == ""
    return False


def _iso6346_letter_values() -> dict[str, int]:
    # A=10 and up, skipping multiples of 11 (ISO 6346 Annex A).
    values: dict[str, int] = {}
    n = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if n % 11 == 0:
            n += 1
        values[letter] = n
        n += 1
    return values


_ISO6346_VALUES: dict[str, int] = {**_iso6346_letter_values(), **{str(d): d for d in range(10)}}
_ISO6346_SHAPE = re.compile(r"[A-Z]{3}[UJZ][0-9]{7}")


def iso6346_ok(value: str) -> bool:
    """ISO 6346: owner code (3 letters), category U/J/Z, 6-digit serial, check digit."""
    if not _ISO6346_SHAPE.fullmatch(value):
        return False
    total = sum(_ISO6346_VALUES[ch] * 2**i for i, ch in enumerate(value[:10]))
    return bool(total % 11 % 10 == int(value[10]))


# GB 32100-2015: 31 characters (no I, O, S, V, Z) and weights 3^i mod 31.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_ok(value: str) -> bool:
    """统一社会信用代码: 18 characters of the GB 32100 alphabet, last one the mod-31 check."""
    if len(value) != 18 or any(ch not in _USCC_ALPHABET for ch in value):
        return False
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(value[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31] == value[17]


def _is_set(value: Any) -> bool:
    """A requirement flag is set when it is True or non-blank text (``""`` = known, not needed)."""
    if isinstance(value, bool):
        return value
    return not is_blank(value)


def _series(values: list[bool], like: pd.Series) -> pd.Series:
    return pd.Series(values, index=like.index, dtype=bool)


# -- metrics (row-wise, pandas engine) ----------------------------------------------------------

class ColumnValuesHaveValidIso6346CheckDigit(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_iso6346_check_digit"

    @_pandas_column
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return _series([isinstance(v, str) and iso6346_ok(v) for v in column], column)


class ColumnValuesHaveValidUsccCheckCharacter(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_uscc_check_character"

    @_pandas_column
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return _series([isinstance(v, str) and uscc_ok(v) for v in column], column)


class ColumnValuesNotBlank(ColumnMapMetricProvider):
    condition_metric_name = "column_values.not_blank"
    filter_column_isnull = False

    @_pandas_column
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return _series([not is_blank(v) for v in column], column)


class ColumnPairValuesInCodeListOnDate(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.in_code_list_on_date"
    condition_domain_keys = _PAIR_DOMAIN_KEYS
    condition_value_keys = ("codes_by_date", "prefix_length", "only_if_matches", "extra_codes")

    @_pandas_pair
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        codes_by_date: Mapping[str, list[str]] = kwargs["codes_by_date"]
        prefix: int | None = kwargs.get("prefix_length")
        only_if: str | None = kwargs.get("only_if_matches")
        extra = set(kwargs.get("extra_codes") or [])
        sets = {day: set(codes) | extra for day, codes in codes_by_date.items()}
        # The shape filter uses the same pandas regex call as ExpectColumnValuesToMatchRegex.
        shaped = (column_A.astype(str).str.contains(only_if, na=False).tolist() if only_if
                  else [True] * len(column_A))
        out = []
        for value, day, in_scope in zip(column_A, column_B, shaped, strict=True):
            if not in_scope:
                out.append(True)
                continue
            code = str(value)[:prefix] if prefix else value
            out.append(code in sets.get(str(day), set()))
        return _series(out, column_A)


class ColumnPairValuesAPresentWhenBSet(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.a_present_when_b_set"
    condition_domain_keys = _PAIR_DOMAIN_KEYS

    @_pandas_pair
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        return _series([not (_is_set(b) and is_blank(a)) for a, b in zip(column_A, column_B, strict=True)],
                       column_A)


class ColumnPairValuesWithinRelativeTolerance(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.within_relative_tolerance"
    condition_domain_keys = _PAIR_DOMAIN_KEYS
    condition_value_keys = ("rel_tol",)

    @_pandas_pair
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        rel_tol = float(kwargs["rel_tol"])
        return _series([abs(float(a) - float(b)) <= rel_tol * abs(float(b)) + 1e-9
                        for a, b in zip(column_A, column_B, strict=True)], column_A)


class MulticolumnPriceTimesQuantityMatchesAmount(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.price_times_quantity_matches_amount"
    condition_domain_keys = _MULTI_DOMAIN_KEYS
    condition_value_keys = ("tolerance_per_unit",)

    @_pandas_multicolumn
    def _pandas(cls, column_list: pd.DataFrame, **kwargs: Any) -> pd.Series:
        tol = float(kwargs["tolerance_per_unit"])
        price, qty, amount = (column_list.iloc[:, i].tolist() for i in range(3))
        out = [abs(float(p) * float(q) - float(a)) <= tol * abs(float(q)) + 1e-9
               for p, q, a in zip(price, qty, amount, strict=True)]
        return pd.Series(out, index=column_list.index, dtype=bool)


# -- expectations -------------------------------------------------------------------------------

class ExpectColumnValuesToHaveValidIso6346CheckDigit(ColumnMapExpectation):
    """Expect container numbers to carry a correct ISO 6346 check digit."""

    map_metric: ClassVar[str] = "column_values.valid_iso6346_check_digit"


class ExpectColumnValuesToHaveValidUsccCheckCharacter(ColumnMapExpectation):
    """Expect 统一社会信用代码 values to pass the GB 32100-2015 mod-31 check character."""

    map_metric: ClassVar[str] = "column_values.valid_uscc_check_character"


class ExpectColumnValuesToNotBeBlank(ColumnMapExpectation):
    """Expect every value to be present: null, NaN and whitespace-only text are unexpected.

    Like ``expect_column_values_to_not_be_null`` it counts over all rows (nulls are the point)."""

    map_metric: ClassVar[str] = "column_values.not_blank"

    def _validate(self, metrics: dict[str, Any], runtime_configuration: dict[str, Any] | None = None,
                  execution_engine: Any = None) -> dict[str, Any]:
        result_format = parse_result_format(self._get_result_format(runtime_configuration))
        total = metrics.get("table.row_count") or 0
        unexpected = metrics.get(f"{self.map_metric}.unexpected_count") or 0
        mostly = float(self._get_success_kwarg("mostly", 1.0))
        success = True if total == 0 else (total - unexpected) / total >= mostly
        result: dict[str, Any] = _format_map_output(
            result_format=result_format, success=success, element_count=total, nonnull_count=None,
            unexpected_count=unexpected,
            unexpected_list=metrics.get(f"{self.map_metric}.unexpected_values"),
            unexpected_index_list=metrics.get(f"{self.map_metric}.unexpected_index_list"),
        )
        return result


class ExpectColumnValuesToBeInCodeListOnDate(ColumnPairMapExpectation):
    """Expect each code (column_A) to be in a versioned code list on the row's date (column_B).

    ``codes_by_date`` maps an ISO date to the codes valid that day (usually a suite parameter,
    filled from ``data/reference`` at run time). ``prefix_length`` compares only the leading
    characters (HS-6 of an 8-digit HKHS); values not matching ``only_if_matches`` are left to the
    format rule and count as expected here; ``extra_codes`` are accepted besides the list (e.g.
    ``000``, "no second unit")."""

    code_list: str
    codes_by_date: dict[str, list[str]] | dict[str, str]
    prefix_length: int | None = None
    only_if_matches: str | None = None
    extra_codes: list[str] | None = None
    ignore_row_if: Literal["both_values_are_missing", "either_value_is_missing", "neither"] = (
        "either_value_is_missing"
    )

    map_metric: ClassVar[str] = "column_pair_values.in_code_list_on_date"
    success_keys: ClassVar[tuple[str, ...]] = ("codes_by_date", "prefix_length", "only_if_matches",
                                               "extra_codes", "code_list", "ignore_row_if", "mostly")


class ExpectColumnPairValuesAToBePresentWhenBIsSet(ColumnPairMapExpectation):
    """Expect column_A to be present (not blank) on every row where column_B is set.

    column_B holds the requirement: True or a code means "needed", False or ``""`` means
    "known not needed", null means "cannot tell" (the row is not judged)."""

    ignore_row_if: Literal["both_values_are_missing", "either_value_is_missing", "neither"] = "neither"

    map_metric: ClassVar[str] = "column_pair_values.a_present_when_b_set"
    success_keys: ClassVar[tuple[str, ...]] = ("ignore_row_if", "mostly")


class ExpectColumnPairValuesToBeWithinRelativeTolerance(ColumnPairMapExpectation):
    """Expect |A - B| <= rel_tol * |B| (B is the reference total)."""

    rel_tol: float
    ignore_row_if: Literal["both_values_are_missing", "either_value_is_missing", "neither"] = (
        "either_value_is_missing"
    )

    map_metric: ClassVar[str] = "column_pair_values.within_relative_tolerance"
    success_keys: ClassVar[tuple[str, ...]] = ("rel_tol", "ignore_row_if", "mostly")


class ExpectMulticolumnValuesPriceTimesQuantityToMatchAmount(MulticolumnMapExpectation):
    """Expect price * quantity = amount within ``tolerance_per_unit`` * |quantity|.

    ``column_list`` is ``[price, quantity, amount]`` in that order."""

    tolerance_per_unit: float = 0.01
    ignore_row_if: Literal["all_values_are_missing", "any_value_is_missing", "never"] = (
        "any_value_is_missing"
    )

    map_metric: ClassVar[str] = "multicolumn_values.price_times_quantity_matches_amount"
    success_keys: ClassVar[tuple[str, ...]] = ("tolerance_per_unit", "ignore_row_if", "mostly")
