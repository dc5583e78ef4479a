"""``ssdd watch``: file a trader folder once its files have stopped changing, never a partial upload.

The watcher compares (size, modification time) of every data file under ``inbox/<trader>/`` scan by
scan. A folder is *quiet* when none of its files changed for ``watch_settle_seconds``, and *ready*
when it is quiet and holds a file that is new or changed since the last run read it. File events
(watchdog: inotify, FSEvents, ReadDirectoryChangesW) only wake the scan early; a scan also runs every
``watch_poll_seconds``, because network shares send no events.

A run reads a *snapshot*: the quiet folders are copied into ``<workspace>/watch/<stamp>/`` (each copy
checked against the signature it was chosen by) and the flow reads the copy. So a file that starts
arriving while the run works is not in it and waits for the next run, and a file that changes while
it is copied is not read until it settles again. Every quiet folder goes into the snapshot, not only
the ready one: a shared truck's trip needs every trader's invoices to be assembled whole.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from transforms.ingest.folders import RESPONSES_DIR, is_ignored
from transforms.ingest.inbox import trader_folders, walk_folder

log = logging.getLogger("ssdd.watch")
Signature = tuple[int, int]          # (size, mtime_ns)
SNAPSHOTS_DIR = "watch"


@dataclass
class _Seen:
    signature: Signature
    since: float                      # clock time this signature was first seen


def trader_dirs(inbox: Path) -> list[Path]:
    """Trader folders, as the flow sees them (``_responses`` and hidden folders are not traders)."""
    return trader_folders(inbox)


def data_files(folder: Path) -> list[Path]:
    """The files of a trader folder a run reads (``trader.yaml`` included; litter and ssdd's own files not)."""
    out = []
    for p in walk_folder(folder, folder.parent).files:
        rel = p.relative_to(folder).parts
        if RESPONSES_DIR in rel or is_ignored(p.name) or not p.is_file():
            continue
        out.append(p)
    return sorted(out)


class InboxWatcher:
    """Decides which trader folders are ready, and copies quiet folders into a snapshot."""

    def __init__(self, inbox: Path, settle_seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.inbox = inbox
        self.settle = settle_seconds
        self.clock = clock
        self._seen: dict[str, _Seen] = {}        # path relative to the inbox -> signature, since when
        self._read: dict[str, Signature] = {}    # path -> signature the last run read
        self._retry_at = 0.0

    def scan(self) -> None:
        now = self.clock()
        current: dict[str, Signature] = {}
        for folder in trader_dirs(self.inbox) if self.inbox.is_dir() else []:
            for p in data_files(folder):
                try:
                    st = p.stat()
                except OSError:          # removed between listing and stat
                    continue
                current[p.relative_to(self.inbox).as_posix()] = (st.st_size, st.st_mtime_ns)
        for rel, sig in current.items():
            seen = self._seen.get(rel)
            if seen is None or seen.signature != sig:
                self._seen[rel] = _Seen(sig, now)
        for rel in set(self._seen) - set(current):
            del self._seen[rel]
        for rel in set(self._read) - set(current):   # archived or removed: a file of that name is new again
            del self._read[rel]

    def _by_trader(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for rel in self._seen:
            out.setdefault(rel.split("/", 1)[0], []).append(rel)
        return out

    def quiet(self) -> list[str]:
        now = self.clock()
        return sorted(t for t, rels in self._by_trader().items()
                      if all(now - self._seen[r].since >= self.settle for r in rels))

    def ready(self) -> list[str]:
        """Quiet trader folders with a file the last run did not read (as it is now)."""
        if self.clock() < self._retry_at:
            return []
        groups = self._by_trader()
        return [t for t in self.quiet() if any(self._read.get(r) != self._seen[r].signature for r in groups[t])]

    def seconds_to_next(self) -> float | None:
        """Seconds until a folder that is still changing could become quiet (None: nothing pending)."""
        now = self.clock()
        waits = [self._seen[r].since + self.settle - now for rels in self._by_trader().values() for r in rels
                 if self._read.get(r) != self._seen[r].signature]
        waits += [self._retry_at - now] if self._retry_at > now else []
        return max(0.0, min(waits)) if waits else None

    def snapshot(self, dest: Path) -> dict[str, Signature]:
        """Copy every quiet folder into ``dest``; returns what was copied (path -> signature).

        A file whose signature changed before or during its copy is left out, and its folder is no
        longer quiet: the next scan sees the change and the settle time starts again.
        """
        copied: dict[str, Signature] = {}
        groups = self._by_trader()
        for trader in self.quiet():
            taken: dict[str, Signature] = {}
            for rel in groups[trader]:
                sig = self._seen[rel].signature
                src, target = self.inbox / rel, dest / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    shutil.copy2(src, target)       # keeps mtime: the flow orders exports by it
                    st = src.stat()
                except OSError:
                    st = None
                if st is None or (st.st_size, st.st_mtime_ns) != sig:
                    shutil.rmtree(dest / trader, ignore_errors=True)
                    taken = {}
                    self._seen[rel] = _Seen((-1, -1), self.clock())   # changed: settle again
                    break
                taken[rel] = sig
            copied.update(taken)
        return copied

    def mark_read(self, copied: dict[str, Signature]) -> None:
        self._read.update(copied)

    def back_off(self, seconds: float) -> None:
        """After a failed run: no new run for ``seconds`` (the nightly run files what is left)."""
        self._retry_at = self.clock() + seconds


def _observer(inbox: Path, wake: threading.Event) -> Any:
    """A watchdog observer that wakes the scan on any file event; None when events are unavailable."""
    try:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer
    except ImportError:
        return None

    class _Wake(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            wake.set()

    observer = Observer()
    try:
        observer.schedule(_Wake(), str(inbox), recursive=True)
        observer.start()
    except OSError as exc:           # inotify watch limit, unsupported file system: polling only
        log.warning("file events unavailable (%s); scanning every watch_poll_seconds only", exc)
        return None
    return observer


def watch(inbox: Path, workspace: Path, *, settle_seconds: float, poll_seconds: float,
          run: Callable[[Path], None], stop: threading.Event, wake: threading.Event | None = None,
          clock: Callable[[], float] = time.monotonic) -> None:
    """Scan, and run ``run(snapshot_inbox)`` for ready folders, until ``stop`` is set.

    Runs are sequential: what arrives during a run is seen by the scan after it. ``wake`` (set by
    file events, or by whoever sets ``stop``) ends a wait early.
    """
    watcher = InboxWatcher(inbox, settle_seconds, clock=clock)
    snapshots = workspace / SNAPSHOTS_DIR
    shutil.rmtree(snapshots, ignore_errors=True)     # left by a watcher that was killed mid-run
    wake = wake or threading.Event()
    observer = _observer(inbox, wake)
    try:
        while not stop.is_set():
            wake.clear()
            watcher.scan()
            ready = watcher.ready()
            if ready:
                dest = snapshots / datetime.now().strftime("%Y%m%dT%H%M%S%f")
                copied = watcher.snapshot(dest)
                if any(rel.split("/", 1)[0] in ready for rel in copied):
                    log.info("trader folder(s) %s settled; filing %d file(s)", ", ".join(ready), len(copied))
                    try:
                        run(dest)
                        watcher.mark_read(copied)
                    except Exception as exc:
                        log.error("watch-triggered run failed: %s", str(exc).splitlines()[0] if str(exc) else exc)
                        watcher.back_off(max(settle_seconds, poll_seconds) * 4)
                shutil.rmtree(dest, ignore_errors=True)
                continue
            due = watcher.seconds_to_next()
            timeout = poll_seconds if due is None else min(poll_seconds, due + 0.05)
            if wake.wait(timeout) and not stop.is_set():
                time.sleep(min(0.2, settle_seconds))    # let a burst of events finish before scanning
    finally:
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)
