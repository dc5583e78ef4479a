"""The explicit list of writers. Add an output format here (and its XSD, tests and golden file).

Each writer declares the trips it applies to (``trips``, answered by ``applies_to``), the settings it
needs (``settings_type``) and where its files are delivered (``single_window_form``). Filing reads
each writer's settings from the run's settings once (:func:`declared_settings`), then per trip asks
:func:`applicable` which writers to run and gives each a context with only its own settings
(:func:`for_trip`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from lxml import etree

from transforms.filing.writers.base import Filer, Writer
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.hk import HkWriter
from transforms.filing.writers.mainland import CnConveyanceWriter, CnDecWriter, CnManifestWriter
from transforms.filing.writers.schemas import SCHEMA_DIR, compiled_entry, validate_with, xml_parser
from transforms.filing.writers.single import SingleWriter
from transforms.model.bundle import FilingBundle

if TYPE_CHECKING:   # read by field name only: the writers need not import the settings machinery
    from transforms.plumbing.settings import Settings

#: The writers of one document per trip, validated against ssdd's own XSDs (``data/schemas``).
DOCUMENT_WRITERS: Final[tuple[Writer, ...]] = (SingleWriter(), HkWriter())

#: Every writer filing runs, in filing order: the single submission, the Hong Kong filing, then the
#: Mainland messages (declarations, road manifest, conveyance confirmation).
ALL_WRITERS: Final[tuple[Filer, ...]] = (*DOCUMENT_WRITERS, CnDecWriter(), CnManifestWriter(), CnConveyanceWriter())

_DOCUMENTS: Final[dict[str, Writer]] = {w.id: w for w in DOCUMENT_WRITERS}
_BY_ID: Final[dict[str, Filer]] = {w.id: w for w in ALL_WRITERS}


def writer(writer_id: str) -> Writer:
    """The document writer with this id; unknown ids fail with the list of known ones."""
    try:
        return _DOCUMENTS[writer_id]
    except KeyError:
        raise KeyError(f"unknown writer {writer_id!r}; known: {', '.join(_DOCUMENTS)}") from None


def applicable(bundle: FilingBundle, writers: tuple[Filer, ...] = ALL_WRITERS) -> list[Filer]:
    """The writers that apply to this trip, in filing order."""
    return [w for w in writers if w.applies_to(bundle)]


def declared_settings(settings: Settings, writers: tuple[Filer, ...] = ALL_WRITERS) -> dict[str, object]:
    """Each writer's own settings by writer id: its ``settings_type`` filled from the run's settings
    field by field (None for a writer that declares none). Read once per run; a declared field the
    settings model lacks fails here, before any trip is filed."""
    return {w.id: None if w.settings_type is None else _read(w, w.settings_type, settings) for w in writers}


def _read(w: Filer, kind: type[Any], settings: Settings) -> object:
    values: dict[str, object] = {}
    for f in fields(kind):
        if f.name not in type(settings).model_fields:
            raise TypeError(f"writer {w.id!r} declares the setting {f.name!r}, which the settings model does not have")
        values[f.name] = getattr(settings, f.name)
    return kind(**values)


def for_trip(bundle: FilingBundle, run: WriterContext, declared: Mapping[str, object],
             writers: tuple[Filer, ...] = ALL_WRITERS) -> list[tuple[Filer, WriterContext]]:
    """The writers that apply to this trip (:func:`applicable`), each with the run's context carrying
    only the settings it declared (``declared``, from :func:`declared_settings`)."""
    return [(w, run.given(declared[w.id])) for w in applicable(bundle, writers)]


def single_window_form(output_key: str) -> str | None:
    """The client form (``dec`` / ``manifest``) an output goes to, from the writer that made it
    (output keys are the writer id, or the writer id and a suffix: ``cn_dec_2``, ``cn_conveyance_delete``)."""
    for wid, w in _BY_ID.items():
        if output_key == wid or output_key.startswith(f"{wid}_"):
            return w.single_window_form
    return None


# --- the schema of each registered writer ------------------------------------------------------

def schema_path(writer_id: str) -> Path:
    return SCHEMA_DIR / writer(writer_id).schema


def load(writer_id: str) -> etree.XMLSchema:
    """The compiled schema of a writer (compiled on first use, then cached)."""
    return compiled_entry(schema_path(writer_id).name)[0]


def validate(writer_id: str, xml_bytes: bytes) -> list[str]:
    """Error lines (``line N: message``) of the document against the writer's XSD; [] when valid."""
    try:
        doc = etree.fromstring(xml_bytes, xml_parser())
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    return validate_tree(writer_id, doc)


def validate_tree(writer_id: str, doc: etree._Element) -> list[str]:
    """:func:`validate` for a tree built in memory: what lxml serialises is exactly this tree, so the
    filing step validates it before serialising instead of parsing its own output again (measured:
    half the validation cost, about 7 % of rendering)."""
    return validate_with(schema_path(writer_id).name, doc)
