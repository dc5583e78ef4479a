"""The fault boundary of a night: an unexpected exception in one trader's or one trip's work holds only
what it touches, with one sentence a person can act on, and the night goes on.

The stages that run over a whole batch of traders at once (assemble, check, the analytics append)
keep their fast path: they run once for the batch, and only when that raises are they re-run per
trader (:func:`isolate`) to find the culprit(s), which are held while the rest go on. The sentences
(English for the summary and the log, Chinese for the trader's workbook) and what a hold does to a
file's counts are decided here, without Prefect, so they are tested as plain functions.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from typing import Final, TypeVar

import pandas as pd

from transforms.model.inputs import Assembly, FileReport
from transforms.plumbing.redact import redact

K = TypeVar("K")
R = TypeVar("R")

log = logging.getLogger("ssdd.faults")

#: what the night was doing, as the sentence says it (English, Chinese)
STAGES: Final = {
    "ingest": ("reading", "读取"),
    "read": ("reading", "读取"),
    "assemble": ("assembling", "组装"),
    "check": ("checking", "检查"),
    "file": ("filing", "申报"),
    "quarantine": ("writing the error workbook of", "生成错误工作簿"),
    "lifecycle": ("recording the quarantine items of", "记录隔离项目"),
    "store": ("keeping the pending lines of", "保存待处理行"),
    "analytics": ("appending the analytics of", "追加分析数据"),
    "responses": ("reading the customs responses", "读取海关回执"),
    "data_docs": ("building the Data Docs", "生成数据文档"),
    "flag": ("comparing the re-sent trip plans with the filed trips", "对比重发的车次计划与已申报车次"),
}
#: what became of the work the error touched, by stage: said after "reported as a defect; "
_OUTCOME: Final = {
    "ingest": "its files wait for the next run and the other traders were filed",
    "read": "the file is refused tonight and the trader's other files were read",
    "assemble": "its rows are held and the other traders were filed",
    "check": "the trip is held and the other traders were filed",
    "file": "the trip is held and the other trips were filed",
    "quarantine": "its held rows are listed in summary.json and the other workbooks were written",
    "lifecycle": "its filings and holds stand; `ssdd quarantine list` misses these items until it is fixed",
    "store": "its pending lines are counted tonight and read again from the inbox on the next run",
    "analytics": "its filings stand and the next run appends the missing analytics rows",
    "responses": "the response files stay in _responses and are read again on the next run",
    "data_docs": "the filings stand; only this run's Data Docs are missing",
    "flag": "the filings stand; filed trips a re-sent plan no longer lists are flagged on the next run",
}
_MAX_DETAIL: Final = 300


@dataclass(frozen=True)
class InternalError:
    """One unexpected exception the night survived: where it happened, what it held, and why."""

    stage: str
    reason: str
    trader: str | None = None
    trip_ref: str | None = None
    submission_id: str | None = None
    file: str | None = None
    #: the Python traceback, for the log only (never in the summary or in front of a user)
    detail: str = ""

    def to_json(self) -> dict[str, str | None]:
        return {"stage": self.stage, "trader": self.trader, "trip_ref": self.trip_ref,
                "submission_id": self.submission_id, "file": self.file, "reason": self.reason}


def describe(exc: BaseException) -> str:
    """``ExceptionType: first line of its message``: personal data redacted, control characters
    escaped, cut at a readable length (the whole story is in the log)."""
    lines = str(exc).strip().splitlines()
    text = (lines[0] if lines else "").rstrip(" .;")   # the sentence goes on after it
    text = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)
    if len(text) > _MAX_DETAIL:
        text = text[:_MAX_DETAIL] + "…"
    name = type(exc).__name__
    return redact(f"{name}: {text}" if text else name)


def _subject(stage: str, trader: str | None, trip_ref: str | None, file: str | None) -> tuple[str, str]:
    verb_en, verb_zh = STAGES[stage]
    if trip_ref is not None:
        return (f"{verb_en} trip {trip_ref} of trader {trader}", f"{verb_zh}贸易商 {trader} 的车次 {trip_ref}")
    if file is not None:
        return f"{verb_en} {file}", f"{verb_zh} {file}"
    if trader is not None:
        return f"{verb_en} trader {trader}", f"{verb_zh}贸易商 {trader} 的数据"
    return verb_en, verb_zh


def sentences(stage: str, detail: str, *, trader: str | None = None, trip_ref: str | None = None,
              file: str | None = None) -> tuple[str, str]:
    """The English and Chinese sentence for an internal error, e.g. "internal error while checking trip
    AC-T101 of trader acme: KeyError: 'invoice_no'; reported as a defect; the trip is held and the other
    traders were filed." """
    en, zh = _subject(stage, trader, trip_ref, file)
    return (f"internal error while {en}: {detail}; reported as a defect; {_OUTCOME[stage]}.",
            f"{zh}时发生内部错误（{detail}）；已作为软件缺陷上报，其他数据照常处理。")


def fault(stage: str, exc: BaseException, *, trader: str | None = None, trip_ref: str | None = None,
          submission_id: str | None = None, file: str | None = None, detail: str | None = None) -> InternalError:
    """The record of ``exc`` met in ``stage``; ``detail`` is the traceback when it was caught elsewhere
    (a worker process), else it is taken from ``exc``."""
    en, _ = sentences(stage, describe(exc), trader=trader, trip_ref=trip_ref, file=file)
    tb = detail if detail is not None else "".join(traceback.format_exception(exc))
    return InternalError(stage, en, trader, trip_ref, submission_id, file, tb)


def report(error: InternalError, logger: logging.Logger | logging.LoggerAdapter[logging.Logger] = log) -> None:
    """Log the sentence with its traceback (the log record carries the run id; flows.logs redacts it)."""
    logger.error("%s\n%s", error.reason, error.detail)


def isolate(keys: Sequence[K], run_all: Callable[[Sequence[K]], R],
            probe: Callable[[K], object]) -> tuple[R, dict[K, BaseException]]:
    """``run_all(keys)``; when it raises, ``probe`` each key alone to find the culprit(s), then
    ``run_all`` the rest. Returns the result and the culprits with their exceptions.

    The fast path costs nothing per key. A failure no single key reproduces (keys that only fail
    together) holds them all; so does a rest that still fails."""
    try:
        return run_all(keys), {}
    except Exception as first:  # the boundary: anything unexpected, never BaseException (Ctrl-C, exit)
        culprits: dict[K, BaseException] = {}
        for key in keys:
            try:
                probe(key)
            except Exception as exc:
                culprits[key] = exc
        if not culprits:
            culprits = {key: first for key in keys}
    rest = [k for k in keys if k not in culprits]
    try:
        return run_all(rest), culprits
    except Exception as again:
        return run_all([]), {**culprits, **{k: again for k in rest}}


def each(keys: Sequence[K], run_all: Callable[[Sequence[K]], R],
         run_one: Callable[[K], R]) -> tuple[list[R], dict[K, BaseException]]:
    """``run_all(keys)`` (one result); when it raises, ``run_one`` per key (a result each) so only the
    keys that fail alone are lost. For stages whose work is the side effect (writing files)."""
    try:
        return [run_all(keys)], {}
    except Exception:
        results: list[R] = []
        failed: dict[K, BaseException] = {}
        for key in keys:
            try:
                results.append(run_one(key))
            except Exception as exc:
                failed[key] = exc
        return results, failed


def trader_sids(asm: Assembly, traders: Collection[str]) -> set[str]:
    """Submission ids carrying a consignment of any of ``traders`` (a shared truck counts for each)."""
    cons = asm.frames["consignments"]
    if cons.empty:
        return set()
    return set(cons.loc[cons["trader"].astype(str).isin(list(traders)), "submission_id"].astype(str))


def restrict(asm: Assembly, traders: Collection[str], files: Collection[str],
             without: Collection[str] = ()) -> Assembly:
    """The part of ``asm`` that belongs to ``traders`` (their trips, lines and problems), less the
    trips in ``without``: what one trader is checked on alone, or the rest once a culprit is held."""
    sids = trader_sids(asm, traders) - set(without)
    frames = {name: f[f["submission_id"].astype(str).isin(list(sids))] if "submission_id" in f else f
              for name, f in asm.frames.items()}
    states = asm.line_states
    states = states[states["trader"].astype(str).isin(list(traders))] if not states.empty else states
    wanted = set(files)
    # the provenance records are keyed by source cell, so the part keeps them whole: a finding checked
    # in the part points at the same item-master or trip-plan cell as in the whole
    return Assembly(frames, states, [p for p in asm.problems if p.src_file in wanted],
                    [(s, p) for s, p in asm.submission_problems if s in sids],
                    {s: v for s, v in asm.sources.items() if s in sids},
                    value_origins=asm.value_origins, stated_origins=asm.stated_origins)


def trip_refs(asm: Assembly, sids: Collection[str]) -> dict[str, str]:
    subs = asm.frames["submissions"]
    if subs.empty:
        return {}
    sel = subs[subs["submission_id"].astype(str).isin(list(sids))]
    return dict(zip(sel["submission_id"].astype(str), sel["trip_ref"].astype(str), strict=True))


def held_trips(stage: str, asm: Assembly, trader: str, exc: BaseException,
               detail: str | None = None) -> tuple[dict[str, tuple[list[str], list[str]]], list[InternalError]]:
    """Every trip of ``trader`` held for ``exc``: the hold reasons the filing takes (English,
    Chinese) and one internal error per trip (or one for the trader when it has no trip)."""
    refs = trip_refs(asm, trader_sids(asm, [trader]))
    held: dict[str, tuple[list[str], list[str]]] = {}
    errors: list[InternalError] = []
    text = describe(exc)
    for sid, ref in sorted(refs.items()):
        en, zh = sentences(stage, text, trader=trader, trip_ref=ref)
        held[sid] = ([en], [zh])
        errors.append(replace(fault(stage, exc, trader=trader, trip_ref=ref, submission_id=sid, detail=detail),
                              reason=en))
    if not refs:
        errors.append(fault(stage, exc, trader=trader, detail=detail))
    return held, errors


def hold_files(files: Sequence[FileReport], trader: str, reason: str) -> None:
    """Count every row of ``trader``'s read files that no bucket holds yet as quarantined, with
    ``reason``: the per-file counts still reconcile (rows_in = filed + quarantined + ignored + pending +
    superseded + reference)."""
    for f in files:
        if f.trader != trader or f.status != "read":
            continue
        placed = (f.rows_filed + f.rows_quarantined + f.rows_ignored + f.rows_pending + f.rows_superseded
                  + f.rows_reference)
        f.rows_quarantined += max(0, f.rows_in - placed)
        f.reason = reason


def refused_folder(trader: str, files: Sequence[str], exc: BaseException,
                   detail: str | None = None) -> tuple[list[FileReport], InternalError]:
    """A trader folder whose reading failed: each of its files refused with the sentence (no row was
    read, so each reconciles at zero), and the error."""
    error = fault("ingest", exc, trader=trader, detail=detail)
    return [FileReport(path, trader, status="refused", reason=error.reason) for path in files], error


def rows_of(findings: pd.DataFrame, sids: Collection[str], files: Collection[str]) -> pd.DataFrame:
    """The findings on ``sids`` or in ``files``: one trader's share of the batch's findings."""
    if findings.empty:
        return findings
    mine = pd.Series(False, index=findings.index)
    if "submission_id" in findings:
        mine |= findings["submission_id"].isin(list(sids))
    if "src_file" in findings:
        mine |= findings["src_file"].isin(list(files))
    return findings[mine]
