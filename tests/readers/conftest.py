"""Fixtures for the reader tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.readers.readers_corpus import corpus_or_fail


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The real-world corpus folder; the test fails (never skips) when it is missing."""
    return corpus_or_fail()
