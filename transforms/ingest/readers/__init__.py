"""File readers: spreadsheets and delimited text in, raw tables of display text out.

One module per container (:mod:`~transforms.ingest.readers.sniff` decides which applies); every reader
returns :class:`RawSheet` tables or raises :class:`ReadRefused` with a one-sentence reason.
"""

from transforms.ingest.readers.base import RawSheet, RawWorkbook, ReadLimits, ReadRefused, read_file

__all__ = ["RawSheet", "RawWorkbook", "ReadLimits", "ReadRefused", "read_file"]
