"""The writer contract: what the filing step asks of every writer, what a writer declares about
itself, and the one-document writer's shape.

A writer declares, as data at the top of its class (:class:`Declared`), the trips it files for
(:class:`Trips`: transport modes, directions, function codes), the settings it needs
(``settings_type``) and the China Single Window form its files go to. The filing step asks it one
question, ``applies_to(bundle)``, and gives it a :class:`~transforms.filing.writers.context.WriterContext`
that carries only the settings it declared.

Value formatting and preflight problems are in :mod:`transforms.filing.writers.values`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

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


#: our function codes (EDIFACT 1225), for ``Trips.function_codes``: the ledger stamps 9, 5 or 1
#: (cancellation) on the version being filed
ORIGINAL: Final = "9"
AMENDMENT: Final = "5"


@dataclass(frozen=True)
class Trips:
    """The trips a writer files for, declared as data: the UN/ECE Rec 19 transport modes (``3`` road,
    ``1`` sea), the directions (``HK_IMPORT``, ``HK_EXPORT``) and the function codes it takes. A field
    left None takes every value, so ``Trips()`` is every trip."""

    modes: tuple[str, ...] | None = None
    directions: tuple[str, ...] | None = None
    function_codes: tuple[str, ...] | None = None

    def match(self, bundle: FilingBundle) -> bool:
        sub = bundle.submission
        return ((self.modes is None or str(sub.get("mode")) in self.modes)
                and (self.directions is None or str(sub.get("direction")) in self.directions)
                and (self.function_codes is None or str(sub.get("function_code")) in self.function_codes))


#: the single submission and the Hong Kong filing: every trip gets them
EVERY_TRIP: Final = Trips()


class Filer(Protocol):
    """What the filing step asks of every writer (see :mod:`transforms.filing.writers.registry`): whether it
    applies to a trip, why it cannot write it (preflight), and its validated files."""

    @property
    def id(self) -> str: ...

    #: the China Single Window client form the files go to with ``cn_delivery = single_window``
    #: (``dec`` or ``manifest``, named by the settings), or None for files no client takes
    @property
    def single_window_form(self) -> str | None: ...

    #: the settings the writer needs: a dataclass whose field names are fields of the run's
    #: :class:`~transforms.plumbing.settings.Settings` (the filing step fills it from them and gives it
    #: to this writer only, as ``ctx.settings``), or None for a writer that needs none
    @property
    def settings_type(self) -> type[Any] | None: ...

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


class Declared:
    """A writer's declaration, as class attributes a reader finds at the top of the class, with the
    defaults of a writer that files every trip, needs no setting and goes to no Single Window form.
    ``applies_to`` answers the filing step's one question from ``trips``."""

    trips: Trips = EVERY_TRIP
    settings_type: type[Any] | None = None
    single_window_form: str | None = None

    def applies_to(self, bundle: FilingBundle) -> bool:
        return self.trips.match(bundle)


class BaseWriter(Declared, ABC):
    """Shared behaviour of the one-document writers (the single submission and the Hong Kong filing,
    which declare the defaults: every trip, no setting, no Single Window form): file naming and the
    preflight-then-render guard."""

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

    def outputs(self, bundle: FilingBundle, ctx: WriterContext) -> list[Output]:
        """The one document, validated against the writer's XSD (the tree, before serialising it)."""
        tree = self.render_tree(bundle, ctx)
        errors = validate_with(self.schema, tree)
        if errors:
            raise SchemaFailure(self.id, errors)
        return [Output(self.id, self.folder, self.filename(bundle), serialise(tree))]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self.id!r} schema={self.schema!r}>"
