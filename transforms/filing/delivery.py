"""Deliver Mainland messages into the China Single Window import client's exchange folders.

As observed in client integrations (docs/responses.md lists the sources), the client watches one
folder per form under its root, each with four boxes: it takes files from ``OutBox``, moves what it
sent to ``SentBox``, drops receipts into ``InBox`` and puts back what it could not send in
``FailBox``. Declarations (报关单) go to the declaration form (``Deccus001`` by default), road
manifests and conveyance confirmations to the manifest form (``Rmft``); both names are settings.
ssdd writes only into ``OutBox`` (atomically: a hidden temp name, then a rename, so the client never
picks up half a file) and only reads ``InBox`` and ``FailBox`` (:mod:`transforms.filing.receipts`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

from transforms.plumbing.atomic import write_many_atomic
from transforms.plumbing.settings import Settings

BOXES: Final = ("OutBox", "SentBox", "InBox", "FailBox")
#: Outputs keys (the ledger's ``outputs`` of a filed version) that go to the declaration form ...
_DEC_KEY: Final = re.compile(r"^cn_dec_\d+$")
#: ... and those that go to the manifest form, in the order they must be sent (a conveyance
#: confirmation's deletion before its new application).
ROAD_KEYS: Final = ("cn_manifest", "cn_conveyance_delete", "cn_conveyance")


def ensure_boxes(root: Path, form: str) -> Path:
    """``<root>/<form>`` with its four boxes (created when missing); refuses a form that is not one folder name."""
    if not form or form in (".", "..") or "/" in form or "\\" in form:
        raise ValueError(f"{form!r} is not a folder name; expected the client's form folder, e.g. Deccus001 or Rmft")
    folder = root / form
    for box in BOXES:
        (folder / box).mkdir(parents=True, exist_ok=True)
    return folder


def single_window_files(outputs: Mapping[str, str], workspace: Path, *, dec_form: str,
                        manifest_form: str) -> list[tuple[str, str, bytes]]:
    """The ``(form, file name, bytes)`` triples of one filed version's Mainland messages, read from the
    workspace: each declaration to ``dec_form``, the road messages to ``manifest_form``. The single
    submission and the Hong Kong filing never go to the client."""
    decs = sorted((k for k in outputs if _DEC_KEY.match(k)), key=lambda k: int(k.rsplit("_", 1)[1]))
    chosen = [(dec_form, k) for k in decs] + [(manifest_form, k) for k in ROAD_KEYS if k in outputs]
    return [(form, Path(outputs[k]).name, (workspace / outputs[k]).read_bytes()) for form, k in chosen]


def deliver_versions(settings: Settings, outputs: Iterable[Mapping[str, str]]) -> list[Path]:
    """With ``cn_delivery = single_window``, copy the Mainland messages of the versions a run has just
    written (filed, amended or cancelling; never an unchanged trip's old files) into the client's
    OutBoxes; otherwise nothing."""
    if settings.cn_delivery != "single_window" or settings.single_window_dir is None:
        return []
    return deliver(settings.single_window_dir, [
        f for out in outputs for f in single_window_files(out, settings.workspace,
                                                          dec_form=settings.single_window_dec_form,
                                                          manifest_form=settings.single_window_manifest_form)])


def deliver(root: Path, files: Iterable[tuple[str, str, bytes]]) -> list[Path]:
    """Place each ``(form, file name, bytes)`` in ``<root>/<form>/OutBox``, all published together;
    returns the paths in the order given."""
    batch: list[tuple[Path, bytes]] = []
    for form, name, data in files:
        if not name or name != Path(name).name or name.startswith("."):
            raise ValueError(f"{name!r} is not a plain file name; the client reads only files in OutBox itself")
        batch.append((ensure_boxes(root, form) / "OutBox" / name, data))
    if batch:
        write_many_atomic(batch)
    return [p for p, _ in batch]
