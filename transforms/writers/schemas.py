"""The shipped XSDs (``data/schemas``), each compiled once per process, and document validation.

Parsers never resolve entities and never touch the network: schemas import each other by relative
``schemaLocation`` and load offline; documents are ours, but a validator is no place for XXE.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Final

from lxml import etree

SCHEMA_DIR: Final = Path(__file__).resolve().parents[2] / "data" / "schemas"

_lock = threading.Lock()
_compiled: dict[str, tuple[etree.XMLSchema, threading.Lock]] = {}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def schema_path(writer_id: str) -> Path:
    from transforms.writers.registry import writer  # the registry's writers validate through this module

    return SCHEMA_DIR / writer(writer_id).schema


def load(writer_id: str) -> etree.XMLSchema:
    """The compiled schema of a writer (compiled on first use, then cached)."""
    return _entry(schema_path(writer_id).name)[0]


def _entry(schema: str) -> tuple[etree.XMLSchema, threading.Lock]:
    with _lock:
        entry = _compiled.get(schema)
        if entry is None:
            doc = etree.parse(str(SCHEMA_DIR / schema), _parser())  # a file path, so relative imports resolve
            entry = _compiled[schema] = (etree.XMLSchema(doc), threading.Lock())
        return entry


def validate(writer_id: str, xml_bytes: bytes) -> list[str]:
    """Error lines (``line N: message``) of the document against the writer's XSD; [] when valid."""
    try:
        doc = etree.fromstring(xml_bytes, _parser())
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    return validate_tree(writer_id, doc)


def validate_tree(writer_id: str, doc: etree._Element) -> list[str]:
    """:func:`validate` for a tree built in memory: what lxml serialises is exactly this tree, so the
    filing step validates it before serialising instead of parsing its own output again (measured:
    half the validation cost, about 7 % of rendering)."""
    return validate_with(schema_path(writer_id).name, doc)


def validate_with(schema: str, doc: etree._Element) -> list[str]:
    """Error lines of a tree against one of the shipped XSDs (``data/schemas/<schema>``); [] when valid."""
    compiled, lock = _entry(schema)
    with lock:  # an XMLSchema keeps its error log on the instance
        if compiled.validate(doc):
            return []
        log: Any = compiled.error_log  # iterable of _LogEntry (lxml-stubs miss __iter__)
        return [f"line {e.line}: {e.message}" for e in log]
