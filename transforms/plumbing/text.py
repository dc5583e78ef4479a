"""Values as a person reads them in a message: never ``nan``, ``None``, ``<NA>`` or a Python repr."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

_MISSING_TEXTS = frozenset({"nan", "none", "<na>", "nat"})


def shown(value: Any, empty: str = "") -> str:
    """``value`` as text for a sentence to a trader: a missing value (None, NaN, NA, NaT) is ``empty``,
    a whole float loses its ``.0``, text is stripped. A string is kept as the trader wrote it, even
    when it reads 'None'."""
    if value is None or value is pd.NA or value is pd.NaT:
        return empty
    if isinstance(value, float):
        if math.isnan(value):
            return empty
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
    text = str(value).strip()
    return empty if not isinstance(value, str) and text.lower() in _MISSING_TEXTS else text
