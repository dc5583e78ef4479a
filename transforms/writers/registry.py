"""The explicit list of writers. Add an output format here (and its XSD, tests and golden file)."""

from __future__ import annotations

from typing import Final

from transforms.writers.base import Writer
from transforms.writers.cn import CnWriter
from transforms.writers.hk import HkWriter
from transforms.writers.single import SingleWriter

ALL_WRITERS: Final[tuple[Writer, ...]] = (SingleWriter(), HkWriter(), CnWriter())

_BY_ID: Final[dict[str, Writer]] = {w.id: w for w in ALL_WRITERS}


def writer(writer_id: str) -> Writer:
    """The writer with this id; unknown ids fail with the list of known ones."""
    try:
        return _BY_ID[writer_id]
    except KeyError:
        raise KeyError(f"unknown writer {writer_id!r}; known: {', '.join(_BY_ID)}") from None
