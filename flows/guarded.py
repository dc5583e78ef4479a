"""The night's stages behind the fault boundary (:mod:`transforms.model.faults`): each runs its task once for
the batch, and only when that raises finds the trader(s) or trip(s) at fault, holds them with a
sentence, and lets the rest go on. The flow (:mod:`flows.run`) passes its tasks in; what is held and
why is decided in ``transforms.model.faults``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from transforms.filing.submissions import FilingResult
from transforms.ingest import folders, store
from transforms.ingest.folders import TraderIngest
from transforms.model import faults
from transforms.model.faults import InternalError
from transforms.model.inputs import Assembly, FileReport
from transforms.plumbing.runtime import Handoff
from transforms.plumbing.settings import Settings

T = TypeVar("T")
Fail = Callable[..., None]
Hand = Callable[[Any], Handoff[Any]]


def ingested(future: Future[TraderIngest] | Any, folder: Path, inbox: Path, fail: Fail) -> TraderIngest:
    """One trader folder's ingest; a folder whose reading raised has each of its files refused."""
    try:
        ingest: TraderIngest = future.result()
    except Exception as exc:
        reports, error = faults.refused_folder(folder.name, folders.folder_files(folder, inbox), exc)
        fail(error)
        return TraderIngest(folder.name, None, reports)
    fail(*ingest.internal_errors)   # files refused one by one, the folder's others read
    return ingest


def assembled(task: Any, part: list[TraderIngest], ingests: Handoff[list[TraderIngest]], files: list[FileReport],
              settings: Settings, as_of: datetime, fail: Fail, hand: Hand) -> tuple[Handoff[Assembly], set[str]]:
    """The batch assembled; a trader whose data makes assembly raise is held (its rows quarantined with
    the sentence). Returns the assembly and the traders held."""
    everyone = [i.trader for i in part]
    hours = settings.pending_max_age_hours

    def run_all(traders: Sequence[str]) -> Handoff[Assembly]:
        box = ingests if len(traders) == len(everyone) else hand([i for i in part if i.trader in traders])
        result: Handoff[Assembly] = task(box, as_of, hours)
        return result

    def probe(trader: str) -> None:
        task.fn(Handoff([i for i in part if i.trader == trader]), as_of, hours)

    box, culprits = faults.isolate(everyone, run_all, probe)
    for trader, exc in culprits.items():
        error = faults.fault("assemble", exc, trader=trader)
        faults.hold_files(files, trader, error.reason)
        fail(error)
    return box, set(culprits)


def kept(asm: Assembly, part: list[TraderIngest], held: set[str], store_root: Path, fail: Fail) -> None:
    """Each trader's input and pending lines kept in the store for later nights (not a held trader's:
    its files are read again next night), then its mapped tables released."""
    states = asm.line_states
    pending = states[states["state"] == "pending"]
    for i in part:
        if i.input is not None and i.trader not in held:
            try:
                shas = {f.path: f.sha256 for f in i.files if f.sha256}
                store.save(store_root, i.input, pending[pending["trader"] == i.trader], shas)
            except Exception as exc:
                fail(faults.fault("store", exc, trader=i.trader))
        i.release_tables()   # the batch's mapped tables now live on in the assembly and the store


def checked(task: Any, asm_box: Handoff[Assembly], ingests: Handoff[list[TraderIngest]], part: list[TraderIngest],
            settings: Settings, as_of: datetime, fail: Fail, hand: Hand) -> Handoff[Any]:
    """The batch checked; a trader whose data makes the checks raise has every trip held."""
    asm = asm_box.value
    everyone = [i.trader for i in part]
    args = (as_of, settings.ledger_location, settings.cn_manifest_lead_minutes)

    def run_all(traders: Sequence[str]) -> Handoff[Any]:
        if len(traders) == len(everyone):
            return task(asm_box, ingests, *args)  # type: ignore[no-any-return]
        sub, subpart = _subset(asm, part, traders)
        return task(hand(sub), hand(subpart), *args)  # type: ignore[no-any-return]

    def probe(trader: str) -> None:
        sub, subpart = _subset(asm, part, [trader])
        task.fn(Handoff(sub), Handoff(subpart), *args)

    box, culprits = faults.isolate(everyone, run_all, probe)
    for trader, exc in culprits.items():
        held, errors = faults.held_trips("check", asm, trader, exc)
        box.value.held.update(held)
        fail(*errors)
    return box


def _subset(asm: Assembly, part: list[TraderIngest], traders: Sequence[str]) -> tuple[Assembly, list[TraderIngest]]:
    """``traders``' share of the batch, less the trucks they share with the traders left out."""
    mine = [i for i in part if i.trader in traders]
    others = faults.trader_sids(asm, {i.trader for i in part} - set(traders))
    files = [f.path for i in mine for f in i.files]
    return faults.restrict(asm, traders, files, without=others), mine


def filed(task: Any, frames: Handoff[dict[str, pd.DataFrame]], checked_box: Handoff[Any],
          traders: Handoff[dict[str, str]], seqs: Handoff[dict[str, int]], asm: Assembly, part: list[TraderIngest],
          settings: Settings, run_id: str, as_of: datetime, fail: Fail) -> list[FilingResult]:
    """The batch filed. A trip that fails is held by the filing itself (transforms.filing.submissions); when the
    batch fails outside any trip, each trader is filed alone and a trader that still fails is held."""
    everyone = [i.trader for i in part]

    def run_all(_: Sequence[str]) -> list[FilingResult]:
        out: list[FilingResult] = task(frames, checked_box, settings, run_id, as_of, traders, seqs).value
        return out

    def run_one(trader: str) -> list[FilingResult]:
        sub = faults.restrict(asm, [trader], [f.path for i in part if i.trader == trader for f in i.files])
        out: list[FilingResult] = task.fn(Handoff(sub.frames), checked_box, settings, run_id, as_of, traders,
                                                seqs).value
        return out

    outs, failed = faults.each(everyone, run_all, run_one)
    results = list({r.submission_id: r for chunk in reversed(outs) for r in chunk}.values())
    done = {r.submission_id for r in results}
    for trader, exc in failed.items():
        held, errors = faults.held_trips("file", asm, trader, exc)
        results += [FilingResult(sid, "held", 0, reasons=en, reasons_zh=zh) for sid, (en, zh) in held.items()
                    if sid not in done]
        fail(*errors)
    refs = faults.trip_refs(asm, [r.submission_id for r in results if r.fault])
    for r in results:
        if r.fault:
            fail(InternalError("file", r.reasons[0], traders.value.get(r.submission_id), refs.get(r.submission_id),
                               r.submission_id, None, r.fault))
    return results


def per_trader(stage: str, run_all: Callable[[], T], run_share: Callable[[Assembly, set[str], set[str]], T],
               part: list[TraderIngest], asm: Assembly, fail: Fail) -> list[T]:
    """``run_all()`` for the batch, else ``run_share(share, its trip ids, its files)`` once per trader;
    a trader whose share still fails is reported (``stage``) and the others' work stands."""
    files_of = {i.trader: {f.path for f in i.files} for i in part}

    def run_one(trader: str) -> T:
        return run_share(faults.restrict(asm, [trader], files_of[trader]), faults.trader_sids(asm, [trader]),
                         files_of[trader])

    outs, failed = faults.each(list(files_of), lambda _: run_all(), run_one)
    for trader, exc in failed.items():
        fail(faults.fault(stage, exc, trader=trader))
    return outs


def run_wide(stage: str, call: Callable[[], T], fallback: T, fail: Fail) -> T:
    """A stage that runs once for the whole night (responses, Data Docs, flags): its failure is
    reported and ``fallback`` stands in for its result."""
    try:
        return call()
    except Exception as exc:
        fail(faults.fault(stage, exc))
        return fallback


def workbooks(future: Any, fail: Fail) -> list[str]:
    """The error workbooks written by a quarantine task; its internal errors are reported."""
    try:
        paths, errors = future.result() if hasattr(future, "result") else future
    except Exception as exc:
        fail(faults.fault("quarantine", exc))
        return []
    fail(*errors)
    return list(paths)
