"""Small helpers shared by the writer tests: parse output, read values by XPath, fake a crash leftover."""

from __future__ import annotations

import io
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree

from transforms.filing.writers.registry import schema_path
from transforms.plumbing.atomic import _started_ms

NS = {
    "s": "urn:ssdd:single-submission:1",
    "h": "urn:ssdd:hk-filing:1",
    "x": "urn:example:extension",
}


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def xp(doc: etree._Element, path: str) -> list[Any]:
    result = doc.xpath(path, namespaces=NS)
    assert isinstance(result, list)
    return result


def one(doc: etree._Element, path: str) -> str:
    """The text of the single node at ``path`` (fails when there is not exactly one)."""
    found = xp(doc, path)
    assert len(found) == 1, f"{path}: {len(found)} matches"
    node = found[0]
    return node if isinstance(node, str) else (node.text or "")


@cache
def xmlschema_for(writer_id: str) -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(str(schema_path(writer_id)))


def xmlschema_errors(writer_id: str, data: bytes) -> list[str]:
    """Errors from the independent validator (xmlschema, pure Python)."""
    schema = xmlschema_for(writer_id)
    return [str(e.reason) for e in schema.iter_errors(io.BytesIO(data))]


def dead_writer_temp(folder: Path, name: str) -> Path:
    """The temp file a killed process left: its pid has exited (and cannot be this process's)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    started = _started_ms(child.pid)
    child.wait()
    path = folder / f".{name}.{child.pid}-{started}.tmp"
    path.write_bytes(b"half a docu")
    return path
