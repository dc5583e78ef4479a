"""Shared fixtures: the shipped reference data, a fixed as-of time and small clean runs."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from expectations.synthetic import Frames, clean_frames
from transforms.model.reference import Reference

AS_OF = datetime(2026, 11, 25, 8, 0, tzinfo=ZoneInfo("Asia/Hong_Kong"))


@pytest.fixture(scope="session")
def reference() -> Reference:
    return Reference.load()


@pytest.fixture(scope="session")
def as_of() -> datetime:
    return AS_OF


@pytest.fixture(scope="session")
def _clean_small(reference: Reference) -> Frames:
    return clean_frames(reference, AS_OF, 40, seed=3)


@pytest.fixture
def frames(_clean_small: Frames) -> Frames:
    """A fresh copy of a small clean run: 40 goods lines, 4 consignments, 2 submissions."""
    return {name: frame.copy(deep=True) for name, frame in _clean_small.items()}


@pytest.fixture
def set_cell() -> Callable[[Frames, str, int, str, object], None]:
    def apply(fr: Frames, table: str, row: int, column: str, value: object) -> None:
        frame = fr[table].copy()
        values = frame[column].astype(object).to_numpy(copy=True)
        values[row] = value
        frame[column] = values
        fr[table] = frame
    return apply


def rows_of(frame: pd.DataFrame, **match: object) -> list[int]:
    mask = pd.Series(True, index=frame.index)
    for column, value in match.items():
        mask &= frame[column] == value
    return list(frame.index[mask])
