"""The Mainland filing as the channel takes it: one message per file, each validated before filing.

Three writers, each declaring the trips it applies to, the settings it needs (the Mainland ones:
:class:`~transforms.filing.writers.cn_settings.MainlandSettings`) and the China Single Window client form
its files go to (``cn_delivery = single_window``):

- ``cn_dec``: one 报关单 ``DecMessage`` per declaration (:mod:`transforms.filing.writers.cn_dec`), to the
  client's declaration form. A cancellation sends none: the declaration was stored (暂存, OperType G)
  in the declarant's client, which deletes it there; the road manifest's deletion withdraws the cargo.
- ``cn_manifest``: the road manifest MT2401 / MT1401 (:mod:`transforms.filing.writers.cn_manifest`).
- ``cn_conveyance``: the conveyance confirmation MT4402 / MT4401 (:mod:`transforms.filing.writers.cn_conveyance`);
  an amendment is a deletion (``cn_conveyance_delete``) then a new application (``cn_conveyance``).

All three are road messages (公路舱单): they apply to road trips (UN/ECE Rec 19 mode 3) only.
"""

from __future__ import annotations

from typing import Final

from lxml import etree

from transforms.filing.writers import cn_conveyance, cn_dec, cn_manifest
from transforms.filing.writers.base import AMENDMENT, ORIGINAL, Declared, Output, SchemaFailure, Trips
from transforms.filing.writers.cn_road import serialise_message, validate_message
from transforms.filing.writers.cn_settings import MainlandSettings
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.values import MappingProblem, serialise
from transforms.model.bundle import FilingBundle

#: UN/ECE Rec 19 road transport: the road manifest and conveyance confirmation exist for it only.
ROAD: Final = "3"


class CnDecWriter(Declared):
    """报关单 DecMessage, one file per declaration (``cn_dec_1`` … ``cn_dec_<n>``)."""

    id: Final = "cn_dec"
    folder: Final = "cn/dec"
    #: no cancellation: the stored (暂存) declaration is deleted in the declarant's client
    trips = Trips(modes=(ROAD,), function_codes=(ORIGINAL, AMENDMENT))
    settings_type = MainlandSettings
    single_window_form = "dec"

    def preflight(self, bundle: FilingBundle, ctx: WriterContext) -> list[MappingProblem]:
        return cn_dec.preflight(bundle, ctx)

    def outputs(self, bundle: FilingBundle, ctx: WriterContext) -> list[Output]:
        out: list[Output] = []
        for k, (name, tree) in enumerate(cn_dec.documents(bundle, ctx), start=1):
            errors = cn_dec.validate(tree)
            if errors:
                raise SchemaFailure(self.id, errors)
            out.append(Output(f"{self.id}_{k}", self.folder, name, serialise(tree)))
        return out

    def __repr__(self) -> str:
        return "<CnDecWriter id='cn_dec'>"


class _RoadWriter(Declared):
    """What the two road message writers share: their declaration (every road trip, originals,
    amendments and cancellations alike), validation against the official (flattened) schema that the
    message's own Head names, and the channel's serialisation."""

    id: str
    folder: Final = "cn/rmft"
    trips = Trips(modes=(ROAD,))
    settings_type = MainlandSettings
    single_window_form = "manifest"

    def _validated(self, key: str, name: str, tree: etree._Element) -> Output:
        errors = validate_message(tree)
        if errors:
            raise SchemaFailure(self.id, errors)
        return Output(key, self.folder, name, serialise_message(tree))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self.id!r}>"


class CnManifestWriter(_RoadWriter):
    """The road manifest (MT2401 leaving the Mainland, MT1401 entering): ``cn_manifest``."""

    id = "cn_manifest"

    def preflight(self, bundle: FilingBundle, ctx: WriterContext) -> list[MappingProblem]:
        return cn_manifest.preflight(bundle, ctx)

    def outputs(self, bundle: FilingBundle, ctx: WriterContext) -> list[Output]:
        return [self._validated(self.id, name, tree) for name, tree in cn_manifest.documents(bundle, ctx)]


class CnConveyanceWriter(_RoadWriter):
    """The conveyance confirmation (MT4402 / MT4401): ``cn_conveyance``, and ``cn_conveyance_delete``
    for the deletion an amendment or a cancellation sends."""

    id = "cn_conveyance"

    def preflight(self, bundle: FilingBundle, ctx: WriterContext) -> list[MappingProblem]:
        return cn_conveyance.preflight(bundle, ctx)

    def outputs(self, bundle: FilingBundle, ctx: WriterContext) -> list[Output]:
        out: list[Output] = []
        for name, tree in cn_conveyance.documents(bundle, ctx):
            deletion = tree.findtext("{*}Head/{*}FunctionCode") == "3"
            out.append(self._validated(f"{self.id}_delete" if deletion else self.id, name, tree))
        return out
