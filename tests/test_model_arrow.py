"""to_arrow: the fast conversions give exactly what the per-value route gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from transforms.model.arrow import _decimal_array, _list_array, _plain_array
from transforms.model.canonical import MASS, MONEY, QTY


def _by_strings(values: pd.Series, typ: pa.Decimal128Type) -> pa.Array:
    """The reference: round, print with the scale's digits, parse as decimal."""
    rounded = pd.to_numeric(values).astype("float64").round(typ.scale)
    return pa.array([None if pd.isna(v) else f"{v:.{typ.scale}f}" for v in rounded]).cast(typ)


@pytest.mark.parametrize("typ", [MASS, QTY, MONEY])
def test_decimals_equal_the_printed_rounded_value(typ: pa.Decimal128Type) -> None:
    rng = np.random.default_rng(11)
    tricky = [0.285, 1.005, 2.675, -0.5, -1.2345, 0.0, -0.0, 1e-9, 123456.789, 0.1 + 0.2, None, float("nan"),
              "12.50", 999999.9949, -999999.9951]
    values = pd.Series(tricky + list(rng.normal(0, 1e4, 2000)) + list(rng.integers(-10**6, 10**6, 500) / 1000),
                       dtype=object)
    got = _decimal_array(values, typ, typ.scale)
    want = _by_strings(values, typ)
    assert got.equals(want)
    assert got.null_count == 2
    assert got[0].as_py() == want[0].as_py()


def test_a_mass_beyond_its_precision_is_refused_as_before() -> None:
    with pytest.raises(pa.ArrowInvalid):
        _decimal_array(pd.Series([1.0, 3e12]), MASS, MASS.scale)   # 14 digits, 3 of them decimals


def test_strings_lists_and_nulls() -> None:
    text = pd.Series(["a", None, float("nan"), pd.NA, "嘉里"], dtype=object)
    assert _plain_array(text, pa.string()).to_pylist() == ["a", None, None, None, "嘉里"]
    arrow_backed = pd.Series(["x", None, "y"], dtype="string[pyarrow]")
    assert _plain_array(arrow_backed, pa.string()).to_pylist() == ["x", None, "y"]
    lists = pd.Series([["型号", "品牌"], None, float("nan"), ("a",), np.array(["b", "c"], dtype=object)])
    assert _list_array(lists, pa.list_(pa.string())).to_pylist() == [["型号", "品牌"], None, None, ["a"], ["b", "c"]]
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
        _plain_array(pd.Series(["a", 3]), pa.string())
