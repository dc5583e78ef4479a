"""`ssdd watch`'s folder logic: a file uploaded in pieces is read once, whole; litter never triggers a
run; CJK and case-differing names survive; what arrives during a run waits for the next one.

These drive :func:`flows.watch.watch` (real file events and scans, real settle timing) with a recording
run instead of the flow; the flow's own behaviour is covered by the run tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from flows.watch import InboxWatcher, watch

SETTLE = 1.0
POLL = 0.1
LINE = "invoice_no,sku,qty\n"


class Recorder:
    """A stand-in for the flow: remembers every snapshot's files and their bytes."""

    def __init__(self, during: Callable[[int], None] | None = None) -> None:
        self.runs: list[dict[str, bytes]] = []
        self.during = during

    def __call__(self, snapshot: Path) -> None:
        self.runs.append({p.relative_to(snapshot).as_posix(): p.read_bytes()
                          for p in sorted(snapshot.rglob("*")) if p.is_file()})
        if self.during is not None:
            self.during(len(self.runs))


def _watching(inbox: Path, workspace: Path, recorder: Recorder) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(inbox, workspace), daemon=True,
                              kwargs={"settle_seconds": SETTLE, "poll_seconds": POLL, "run": recorder, "stop": stop})
    thread.start()
    return thread, stop


def _until(predicate: Callable[[], bool], timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_a_file_dropped_in_pieces_is_read_once_whole(tmp_path: Path) -> None:
    inbox, workspace = tmp_path / "inbox", tmp_path / "ws"
    (inbox / "acme").mkdir(parents=True)
    (inbox / "acme" / "trader.yaml").write_text("trader: acme\n", encoding="utf-8")
    whole = (LINE + "".join(f"INV-{i},SKU-{i},{i}\n" for i in range(400))).encode()
    pieces = [whole[i:i + len(whole) // 4 + 1] for i in range(0, len(whole), len(whole) // 4 + 1)]
    recorder = Recorder()
    thread, stop = _watching(inbox, workspace, recorder)
    try:
        target = inbox / "acme" / "goods_lines.csv"
        with target.open("wb") as fh:
            for piece in pieces:                      # each pause is shorter than the settle time
                fh.write(piece)
                fh.flush()
                time.sleep(SETTLE / 4)
        assert _until(lambda: len(recorder.runs) >= 1)
        time.sleep(SETTLE * 3)                        # no second run for the same, unchanged file
    finally:
        stop.set()
        thread.join(timeout=10)
    assert len(recorder.runs) == 1, [sorted(r) for r in recorder.runs]
    assert recorder.runs[0]["acme/goods_lines.csv"] == whole
    assert recorder.runs[0]["acme/trader.yaml"] == b"trader: acme\n"
    assert not (workspace / "watch").exists() or not any((workspace / "watch").iterdir())   # snapshot removed


def test_litter_is_ignored_and_cjk_and_case_names_are_kept(tmp_path: Path) -> None:
    inbox, workspace = tmp_path / "inbox", tmp_path / "ws"
    folder = inbox / "明辉贸易"
    folder.mkdir(parents=True)
    names = ["销售出库单_20261125.csv", "Invoice.csv", "invoice.csv"]
    for i, name in enumerate(names):
        (folder / name).write_text(LINE + f"X-{i},S,1\n", encoding="utf-8")
    recorder = Recorder()
    thread, stop = _watching(inbox, workspace, recorder)
    try:
        assert _until(lambda: len(recorder.runs) == 1)
        for litter in ("~$goods.xlsx", "upload.tmp", "big.csv.part", "Thumbs.db", ".DS_Store", "a.errors.xlsx"):
            (folder / litter).write_bytes(b"noise")
        (inbox / "_responses").mkdir()
        (inbox / "_responses" / "hk.csv").write_text("x\n", encoding="utf-8")
        time.sleep(SETTLE * 3)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert len(recorder.runs) == 1
    assert sorted(recorder.runs[0]) == sorted(f"明辉贸易/{n}" for n in names)
    assert recorder.runs[0]["明辉贸易/Invoice.csv"] != recorder.runs[0]["明辉贸易/invoice.csv"]


def test_files_arriving_during_a_run_wait_for_the_next(tmp_path: Path) -> None:
    inbox, workspace = tmp_path / "inbox", tmp_path / "ws"
    (inbox / "acme").mkdir(parents=True)
    (inbox / "acme" / "a.csv").write_text(LINE, encoding="utf-8")

    def arrive(run_number: int) -> None:
        if run_number == 1:
            (inbox / "acme" / "b.csv").write_text(LINE + "B,1,1\n", encoding="utf-8")

    recorder = Recorder(during=arrive)
    thread, stop = _watching(inbox, workspace, recorder)
    try:
        assert _until(lambda: len(recorder.runs) == 2)
        time.sleep(SETTLE * 2)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert [sorted(r) for r in recorder.runs] == [["acme/a.csv"], ["acme/a.csv", "acme/b.csv"]]


def test_a_folder_is_ready_only_after_the_settle_time(tmp_path: Path) -> None:
    now = [0.0]
    inbox = tmp_path / "inbox"
    (inbox / "acme").mkdir(parents=True)
    (inbox / "acme" / "a.csv").write_text(LINE, encoding="utf-8")
    w = InboxWatcher(inbox, settle_seconds=30, clock=lambda: now[0])
    w.scan()
    assert w.ready() == []
    now[0] = 29.9
    w.scan()
    assert w.ready() == [] and w.seconds_to_next() is not None
    now[0] = 30.0
    w.scan()
    assert w.ready() == ["acme"]
    copied = w.snapshot(tmp_path / "snap")
    w.mark_read(copied)
    assert w.ready() == [] and w.seconds_to_next() is None
