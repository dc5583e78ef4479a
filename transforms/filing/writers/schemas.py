"""The shipped XSDs (``data/schemas``), each compiled once per process, and document validation.

Parsers never resolve entities and never touch the network: schemas import each other by relative
``schemaLocation`` and load offline; documents are ours, but a validator is no place for XXE.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Final

from lxml import etree

SCHEMA_DIR: Final = Path(__file__).resolve().parents[3] / "data" / "schemas"

_lock = threading.Lock()
_compiled: dict[str, tuple[etree.XMLSchema, threading.Lock]] = {}


def xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def compiled_entry(schema: str) -> tuple[etree.XMLSchema, threading.Lock]:
    with _lock:
        entry = _compiled.get(schema)
        if entry is None:
            doc = etree.parse(str(SCHEMA_DIR / schema), xml_parser())  # a file path, so relative imports resolve
            entry = _compiled[schema] = (etree.XMLSchema(doc), threading.Lock())
        return entry


def validate_with(schema: str, doc: etree._Element) -> list[str]:
    """Error lines of a tree against one of the shipped XSDs (``data/schemas/<schema>``); [] when valid."""
    compiled, lock = compiled_entry(schema)
    with lock:  # an XMLSchema keeps its error log on the instance
        if compiled.validate(doc):
            return []
        log: Any = compiled.error_log  # iterable of _LogEntry (lxml-stubs miss __iter__)
        return [f"line {e.line}: {e.message}" for e in log]
