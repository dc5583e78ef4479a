"""The writer contract: what the filing step asks of every writer, and the one-document writer's shape.

Value formatting and preflight problems are in :mod:`transforms.filing.writers.values`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from lxml import etree

from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.schemas import validate_with
from transforms.filing.writers.values import MappingProblem, WriterId, serialise
from transforms.model.bundle import FilingBundle


@dataclass(frozen=True)
class Output:
    """One file a writer produces for a trip: rendered, validated, ready to place.

    ``key`` names it in the ledger's ``outputs`` (``single``, ``hk``, ``cn_dec_1``, ``cn_manifest``…),
    ``folder`` is its outbox folder, ``name`` its file name there."""

    key: str
    folder: str
    name: str
    data: bytes

    @property
    def relative(self) -> str:
        """The path relative to the workspace, as the ledger records it."""
        return f"outbox/{self.folder}/{self.name}"


class SchemaFailure(ValueError):
    """A rendered document failed its own schema: a product defect, so the trip is held, never published."""

    def __init__(self, writer: str, errors: Sequence[str]) -> None:
        self.writer = writer
        self.errors = list(errors)
        super().__init__(f"{writer} filing failed its XSD: {self.errors[0]}")


class Filer(Protocol):
    """What the filing step asks of every writer (see :mod:`transforms.filing.writers.registry`): whether it
    applies to a trip, why it cannot write it (preflight), and its validated files."""

    @property
    def id(self) -> str: ...

    #: the China Single Window client form the files go to with ``cn_delivery = single_window``
    #: (``dec`` or ``manifest``, named by the settings), or None for files no client takes
    @property
    def single_window_form(self) -> str | None: ...

    def applies_to(self, bundle: FilingBundle) -> bool: ...

    def preflight(self, bundle: FilingBundle, ctx: WriterContext) -> list[MappingProblem]: ...

    def outputs(self, bundle: FilingBundle, ctx: WriterContext) -> list[Output]: ...


class Writer(Filer, Protocol):
    """A writer of one document per trip (the single submission and the Hong Kong filing)."""

    @property
    def id(self) -> WriterId: ...

    @property
    def folder(self) -> str: ...

    @property
    def schema(self) -> str: ...

    def filename(self, bundle: FilingBundle) -> str: ...

    def preflight(self, bundle: FilingBundle, ctx: WriterContext) -> list[MappingProblem]: ...

    def render(self, bundle: FilingBundle, ctx: WriterContext) -> bytes: ...

    def render_tree(self, bundle: FilingBundle, ctx: WriterContext) -> etree._Element: ...


class BaseWriter(ABC):
    """Shared behaviour: file naming and the preflight-then-render guard."""

    id: WriterId
    folder: str
    schema: str

    def filename(self, bundle: FilingBundle) -> str:
        return f"{bundle.submission_id}_v{bundle.version}.xml"

    @abstractmethod
    def preflight(self, bundle: FilingBundle, ctx: WriterContext) -> list[MappingProblem]: ...

    @abstractmethod
    def render_tree(self, bundle: FilingBundle, ctx: WriterContext) -> etree._Element:
        """The document as an lxml tree (the filing step validates the tree, then serialises it)."""

    def render(self, bundle: FilingBundle, ctx: WriterContext) -> bytes:
        return serialise(self.render_tree(bundle, ctx))

    single_window_form: str | None = None

    def applies_to(self, bundle: FilingBundle) -> bool:
        """Every trip gets its single submission and its Hong Kong filing."""
        return True

    def outputs(self, bundle: FilingBundle, ctx: WriterContext) -> list[Output]:
        """The one document, validated against the writer's XSD (the tree, before serialising it)."""
        tree = self.render_tree(bundle, ctx)
        errors = validate_with(self.schema, tree)
        if errors:
            raise SchemaFailure(self.id, errors)
        return [Output(self.id, self.folder, self.filename(bundle), serialise(tree))]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self.id!r} schema={self.schema!r}>"
