"""The explicit list of writers. Add an output format here (and its XSD, tests and golden file).

Each writer declares the trips it applies to (``applies_to``) and where its files are delivered
(``single_window_form``); filing asks :func:`applicable` which writers to run for a trip.
"""

from __future__ import annotations

from typing import Final

from transforms.bundle import FilingBundle
from transforms.writers.base import Filer, Writer
from transforms.writers.hk import HkWriter
from transforms.writers.mainland import CnConveyanceWriter, CnDecWriter, CnManifestWriter
from transforms.writers.single import SingleWriter

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


def single_window_form(output_key: str) -> str | None:
    """The client form (``dec`` / ``manifest``) an output goes to, from the writer that made it
    (output keys are the writer id, or the writer id and a suffix: ``cn_dec_2``, ``cn_conveyance_delete``)."""
    for wid, w in _BY_ID.items():
        if output_key == wid or output_key.startswith(f"{wid}_"):
            return w.single_window_form
    return None
