"""Decide, render, validate and place the files of each clean submission.

Order per submission (invariant 3 of architecture.md): the ledger decides the version; the writers
that apply to the trip (:func:`transforms.filing.writers.registry.applicable`), each given the run's
context and only the settings it declared, must all pass their preflight
(an unmapped national code holds the trip, never a blank in the XML); their files (single submission,
Hong Kong filing, the Mainland messages) are rendered and validated in memory; each is written to a temporary name,
fsynced, validated and renamed; only then is the ledger committed. A crash before the commit
re-renders byte-identical files on the next run, and ``record_filed`` is idempotent.
"""

from __future__ import annotations

import sqlite3
import traceback
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, TypeVar

from transforms.filing.ledger import Decision, Ledger
from transforms.filing.writers.base import Output, SchemaFailure
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.registry import declared_settings, for_trip
from transforms.model.bundle import FilingBundle, content_hash, dump_bundle, load_bundle
from transforms.model.faults import describe, sentences
from transforms.model.reference import Reference
from transforms.plumbing.atomic import write_many_atomic
from transforms.plumbing.crashpoints import kill_point
from transforms.plumbing.runtime import Workers, rendering
from transforms.plumbing.settings import Settings

T = TypeVar("T")


@dataclass
class FilingResult:
    submission_id: str
    status: str                      # filed | amended | unchanged | held | cancelled
    version: int
    outputs: dict[str, str] = field(default_factory=dict)   # writer id -> path relative to workspace
    reasons: list[str] = field(default_factory=list)
    reasons_zh: list[str] = field(default_factory=list)
    function_code: str = ""          # of the version on record (9 original, 5 amendment, 1 cancellation)
    #: the traceback of an unexpected exception that held this trip (for the log; the reason says it)
    fault: str = ""


@dataclass(frozen=True)
class RenderJob:
    bundle: FilingBundle
    as_of: datetime
    #: each writer's own settings by writer id (:func:`~transforms.filing.writers.registry.declared_settings`)
    settings: Mapping[str, object]
    #: the trip's slot among the run's trips: its road messages' SendTime (and so file names) follow it
    message_seq: int = 0


class Rendered(NamedTuple):
    """What a worker hands back for one trip: its files, or why it is held (``en``/``zh``), or the
    traceback of a defect (``fault``)."""

    submission_id: str
    outputs: list[Output]
    filed_bundle: bytes
    en: list[str]
    zh: list[str]
    fault: str = ""


def _render(job: RenderJob) -> Rendered:
    """Worker: preflight + render + validate every applicable writer's files for one bundle.

    A value the checks let through but a writer cannot express holds this one trip with the
    writer's sentence; it never stops the other trips."""
    try:
        return _render_checked(job)
    except SchemaFailure as exc:
        # a document that fails its own schema is a product defect; hold, never publish it
        return Rendered(job.bundle.submission_id, [], b"", [str(exc)],
                        [f"{exc.writer} 文件未通过 XSD 校验：{exc.errors[0]}"])
    except ValueError as exc:
        first = str(exc).splitlines()[0]
        return Rendered(job.bundle.submission_id, [], b"", [f"The filing could not be written: {first}."],
                        [f"无法生成申报文件：{first}。"])
    except Exception as exc:  # the fault boundary: a defect holds this trip only (transforms.model.faults)
        # the traceback travels back with the result: a worker process has no log of its own
        return Rendered(job.bundle.submission_id, [], b"", [describe(exc)], [],
                        "".join(traceback.format_exception(exc)))


def _render_checked(job: RenderJob) -> Rendered:
    run = WriterContext(reference=Reference.load(), as_of=job.as_of, message_seq=job.message_seq)
    writers = for_trip(job.bundle, run, job.settings)
    problems: dict[str, str] = {}   # en -> zh; the road messages share their trip-level sentences
    for w, ctx in writers:
        for p in w.preflight(job.bundle, ctx):
            problems.setdefault(p.message_en, p.message_zh)
    if problems:
        return Rendered(job.bundle.submission_id, [], b"", list(problems), list(problems.values()))
    outputs = [out for w, ctx in writers for out in w.outputs(job.bundle, ctx)]
    # serialised here, off the publishing process
    return Rendered(job.bundle.submission_id, outputs, dump_bundle(job.bundle), [], [])


def _rendered(jobs: Sequence[RenderJob], workers: Workers) -> Iterator[Rendered]:
    """The chunk's jobs rendered, in job order: in this process, or on the batch's worker processes
    when the chunk is worth them (rendering is CPU-bound lxml work; transforms.plumbing.runtime).
    On the pool, every job is submitted before this returns, so the workers render while the caller
    publishes the previous chunk."""
    pool = workers.pool_for(rendering(len(jobs)))
    if pool is None:
        return (_render(j) for j in jobs)
    return pool.map(_render, jobs, chunksize=max(1, min(32, len(jobs) // (workers.workers * 4))))


def file_submissions(bundles: Iterable[FilingBundle], *, held: dict[str, tuple[list[str], list[str]]],
                     ledger: Ledger, workspace: Path, run_id: str, as_of: datetime, settings: Settings,
                     workers: int, traders: dict[str, str],
                     message_seqs: Mapping[str, int] | None = None) -> list[FilingResult]:
    """File every bundle not held by the checks, ``PUBLISH_CHUNK`` at a time: decide, render on the
    worker processes, publish with one data sync, then record in the ledger. Bundles are consumed
    as they come, so memory stays flat however many trips the run files. Each writer is given only
    the settings it declares, read from ``settings`` once.

    ``message_seqs`` gives each trip its message slot (the run numbers its trips across batches, in
    their deterministic order; without it, the bundles' order), so a re-run of the same night writes
    the same Mainland file names and two trips never share one."""
    done: list[list[FilingResult]] = []   # per chunk, in chunk order
    declared = declared_settings(settings)
    outbox = _Outbox(workspace)
    in_flight: deque[_Chunk] = deque()
    with Workers(workers) as renderers:
        numbered = ((message_seqs[b.submission_id] if message_seqs is not None else i, b)
                    for i, b in enumerate(bundles))
        for chunk in _chunks(numbered, PUBLISH_CHUNK):
            results: list[FilingResult] = []
            done.append(results)
            with ledger.batch():   # the chunk's held trips are recorded in one transaction
                jobs, decisions = _decide(chunk, held, ledger, run_id, as_of, declared, traders, results)
            # up to IN_FLIGHT chunks are queued on the workers while the oldest is published, so
            # they never wait for this process (chunks hold different trips: their ledger
            # decisions are independent)
            in_flight.append(_Chunk(_rendered(jobs, renderers), {j.bundle.submission_id: j.bundle for j in jobs},
                                    decisions, results))
            if len(in_flight) > IN_FLIGHT:
                _publish(in_flight.popleft(), ledger=ledger, outbox=outbox, run_id=run_id, as_of=as_of,
                         traders=traders)
        while in_flight:
            _publish(in_flight.popleft(), ledger=ledger, outbox=outbox, run_id=run_id, as_of=as_of, traders=traders)
    return [r for chunk_results in done for r in chunk_results]


class _Chunk(NamedTuple):
    rendered: Iterator[Rendered]   # in job order
    by_id: dict[str, FilingBundle]
    decisions: dict[str, Decision]
    results: list[FilingResult]


class _Outbox:
    """Where a run's files go, with each folder made once (not once per file)."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self._made: set[Path] = set()

    def target(self, relative: str) -> Path:
        path = self.workspace / relative
        if path.parent not in self._made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(path.parent)
        return path


def _decide(chunk: list[tuple[int, FilingBundle]], held: dict[str, tuple[list[str], list[str]]], ledger: Ledger,
            run_id: str, as_of: datetime, declared: Mapping[str, object], traders: dict[str, str],
            results: list[FilingResult]) -> tuple[list[RenderJob], dict[str, Decision]]:
    jobs: list[RenderJob] = []
    decisions: dict[str, Decision] = {}
    for seq, b in chunk:
        try:
            job = _decide_one(b, held, ledger, run_id, as_of, traders, results, decisions)
        except (OSError, sqlite3.OperationalError):
            raise   # the I/O edge: the file task retries (flows.policy)
        except Exception as exc:  # the fault boundary: this trip is held, the chunk goes on
            results.append(_faulted(b, traders, describe(exc), "".join(traceback.format_exception(exc))))
            continue
        if job is not None:
            jobs.append(RenderJob(job, as_of, declared, seq))
    return jobs, decisions


def _decide_one(b: FilingBundle, held: dict[str, tuple[list[str], list[str]]], ledger: Ledger, run_id: str,
                as_of: datetime, traders: dict[str, str], results: list[FilingResult],
                decisions: dict[str, Decision]) -> FilingBundle | None:
    """What the ledger decides for one trip: held, unchanged, held after arrival, or the bundle to
    render, stamped with its version and function code."""
    sid = b.submission_id
    # before hashing: a trip held by a defect in its checks may be what hashing trips on; a cancelled
    # trip is reported as such instead
    if sid in held and ledger.status(sid) != "cancelled":
        en, zh = held[sid]
        _hold(ledger, b, en, run_id, as_of, traders[sid])
        results.append(FilingResult(sid, "held", 0, reasons=list(en), reasons_zh=list(zh)))
        return None
    chash = b.submission.get("content_hash") or content_hash(b)
    b.submission["content_hash"] = chash
    decision = ledger.decide(sid, chash)
    if decision.action == "cancelled":
        note_en, note_zh = ledger.cancelled_note(sid, str(b.submission["trip_ref"]))
        outputs = dict((ledger.current(sid) or {}).get("outputs") or {})
        results.append(FilingResult(sid, "cancelled", decision.version, outputs, [note_en], [note_zh],
                                    decision.function_code))
        return None
    if decision.action == "unchanged":
        current = ledger.current(sid) or {}
        results.append(FilingResult(sid, "unchanged", decision.version, dict(current.get("outputs") or {}),
                                    function_code=str(current.get("function_code") or "9")))
        return None
    status = ledger.status(sid)
    if decision.action == "amend" and status in ("arrived", "released"):
        # the truck has crossed: customs takes corrections through its post-arrival procedure,
        # not a replacement manifest, so the change is held for a person to handle
        en = [f"Trip {b.submission['trip_ref']} changed after the truck {status}; a filed manifest cannot be "
              "replaced after arrival, so the change is held for a manual correction with customs."]
        zh = [f"车次 {b.submission['trip_ref']} 在车辆{'已抵达' if status == 'arrived' else '已放行'}后发生变更；"
              "抵达后不能替换已申报的舱单，变更已暂扣，请与海关办理人工更正。"]
        _hold(ledger, b, en, run_id, as_of, traders[sid])
        results.append(FilingResult(sid, "held", decision.version - 1, reasons=en, reasons_zh=zh))
        return None
    decisions[sid] = decision
    return b.stamp(decision.version, decision.function_code)


def _faulted(b: FilingBundle, traders: dict[str, str], detail: str, trace: str) -> FilingResult:
    """A trip held by a defect met while filing it: the sentence, and the traceback for the log. The
    ledger is not written for it (the failure may be the ledger's); the next run decides afresh."""
    trader = traders.get(b.submission_id, "")
    en, zh = sentences("file", detail, trader=trader, trip_ref=str(b.submission.get("trip_ref")))
    return FilingResult(b.submission_id, "held", 0, reasons=[en], reasons_zh=[zh], fault=trace)


def _publish(chunk: _Chunk, *, ledger: Ledger, outbox: _Outbox, run_id: str, as_of: datetime,
             traders: dict[str, str]) -> None:
    """One data sync for the chunk's files, then the ledger records each filing (after the rename)."""
    by_id, results = chunk.by_id, chunk.results
    ready: list[tuple[str, dict[str, str]]] = []
    batch: list[tuple[Path, bytes]] = []
    for r in chunk.rendered:
        sid, b = r.submission_id, by_id[r.submission_id]
        if r.fault:
            results.append(_faulted(b, traders, r.en[0], r.fault))
            continue
        if r.en:
            _hold(ledger, b, r.en, run_id, as_of, traders[sid])
            results.append(FilingResult(sid, "held", 0, reasons=r.en, reasons_zh=r.zh))
            continue
        outputs: dict[str, str] = {}
        for out in r.outputs:
            outputs[out.key] = out.relative
            batch.append((outbox.target(out.relative), out.data))   # validated in the worker; bytes unchanged since
        ready.append((sid, outputs))
        # what was filed, for a later cancellation or an audit: store/filed/<id>_v<version>.json.gz
        batch.append((outbox.target(filed_bundle_relative(sid, b.version)), r.filed_bundle))
    if batch:
        write_many_atomic(batch)
    kill_point("ledger")
    with ledger.batch():
        _record(ready, by_id, chunk.decisions, ledger=ledger, run_id=run_id, as_of=as_of, traders=traders,
                results=results)


def _record(ready: list[tuple[str, dict[str, str]]], by_id: dict[str, FilingBundle], decisions: dict[str, Decision],
            *, ledger: Ledger, run_id: str, as_of: datetime, traders: dict[str, str],
            results: list[FilingResult]) -> None:
    for sid, outputs in ready:
        b, d = by_id[sid], decisions[sid]
        try:
            _record_one(ledger, b, d, outputs, run_id, as_of, traders[sid])
        except (OSError, sqlite3.OperationalError):
            raise   # the I/O edge: the file task retries the chunk (flows.policy)
        except Exception as exc:  # the fault boundary: the files are in place, the next run records them
            results.append(_faulted(b, traders, describe(exc), "".join(traceback.format_exception(exc))))
            continue
        status = "filed" if d.action in ("new", "refile") else "amended"
        results.append(FilingResult(sid, status, d.version, outputs, function_code=d.function_code))


def _record_one(ledger: Ledger, b: FilingBundle, d: Decision, outputs: dict[str, str], run_id: str,
                as_of: datetime, traders: str) -> None:
    sub = b.submission
    ledger.record_filed(submission_id=b.submission_id, version=d.version, function_code=d.function_code,
                        content_hash=sub["content_hash"], run_id=run_id, as_of=as_of, trader=traders.split(","),
                        carrier_code=sub["carrier_code"], trip_ref=sub["trip_ref"], direction=sub["direction"],
                        control_point=sub["control_point"], expected_crossing_at=sub["expected_crossing_at"],
                        outputs=outputs, cn_trip_batch_no=sub.get("cn_trip_batch_no"))


# Trips per publish (one data sync each), and how many more chunks wait on the workers meanwhile:
# with one chunk queued the workers ran dry whenever a publish (its sync included) outlasted the
# rendering of the next chunk; smaller chunks also shorten the wait for the first and the last.
PUBLISH_CHUNK = 250
IN_FLIGHT = 3


def filed_bundle_relative(submission_id: str, version: int) -> str:
    return f"store/filed/{submission_id}_v{version}.json.gz"


def filed_bundle_path(workspace: Path, submission_id: str, version: int) -> Path:
    path = workspace / filed_bundle_relative(submission_id, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def cancel_submission(submission_id: str, *, ledger: Ledger, workspace: Path, run_id: str, as_of: datetime,
                      settings: Settings) -> FilingResult:
    """Render and publish the cancellation (function code 1) of a filed trip, then record it.

    The ledger refuses (LedgerError, one sentence) an unknown, held, already cancelled, arrived or
    released trip before anything is written."""
    decision = ledger.check_cancel(submission_id)
    current = ledger.current(submission_id) or {}
    source = filed_bundle_path(workspace, submission_id, int(current.get("current_version") or 0))
    if not source.is_file():
        raise FileNotFoundError(f"cannot cancel {submission_id}: the filed content {source.name} is missing from "
                                "store/filed, so the cancellation cannot be rendered.")
    bundle = load_bundle(source.read_bytes()).stamp(decision.version, decision.function_code)
    rendered = _render(RenderJob(bundle, as_of, declared_settings(settings)))
    if rendered.en:
        raise ValueError(f"cannot cancel {submission_id}: {rendered.en[0]}")
    outputs = {out.key: out.relative for out in rendered.outputs}
    write_many_atomic([(workspace / out.relative, out.data) for out in rendered.outputs])
    ledger.cancel(submission_id, run_id=run_id, as_of=as_of, outputs=outputs)
    return FilingResult(submission_id, "cancelled", decision.version, outputs)


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _hold(ledger: Ledger, b: FilingBundle, reasons: Sequence[str], run_id: str, as_of: datetime,
          traders: str) -> None:
    sub = b.submission
    ledger.record_held(submission_id=b.submission_id, run_id=run_id, as_of=as_of, reasons=reasons,
                       trader=traders.split(","), carrier_code=sub["carrier_code"], trip_ref=sub["trip_ref"],
                       direction=sub["direction"], control_point=sub["control_point"],
                       expected_crossing_at=sub["expected_crossing_at"])
