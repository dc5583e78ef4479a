"""One writer at a time: a per-trader lock file ``<workspace>/locks/<trader>.lock``.

``run``, ``watch``, ``serve`` and the commands that change a trader's filings or analytics take the
locks of the traders they touch, so a nightly run and a watch-triggered run never file the same
trader at once. ``fcntl.flock`` locks belong to the open file, so the kernel releases them when the
holding process dies for any reason (``kill -9`` included): there is never a stale lock to clear.
The holder writes its pid into the file so that a process that gives up can say whom it waited for.

Several locks are always taken in sorted order (no two processes can wait for each other), and the
locks are re-entrant within one process (a run inside ``watch`` does not wait for itself).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Final

LOCKS_DIR: Final = "locks"
_POLL_SECONDS: Final = 0.1

_held: dict[Path, int] = {}      # lock path -> nesting depth, in this process
_held_guard = threading.Lock()


class LockTimeout(Exception):
    """Another process held a trader's lock for longer than we were willing to wait."""

    def __init__(self, trader: str, path: Path, holder: int | None, waited: float) -> None:
        who = f"pid {holder}" if holder else "another ssdd process"
        super().__init__(f"trader {trader} is busy: {who} holds {path} and did not release it within "
                         f"{waited:.0f} s; try again when it has finished (or raise lock_timeout_seconds).")
        self.trader, self.path, self.holder = trader, path, holder


def lock_path(workspace: Path, trader: str) -> Path:
    """The lock file of one trader (the trader id is its inbox folder name)."""
    if not trader or trader in (".", "..") or "/" in trader or "\x00" in trader or os.sep in trader:
        raise ValueError(f"{trader!r} is not a trader folder name.")
    return workspace / LOCKS_DIR / f"{trader}.lock"


def holder_pid(path: Path) -> int | None:
    """The pid written by the process that holds (or last held) the lock, if any."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def known_traders(workspace: Path) -> list[str]:
    """Every trader that ever took a lock in this workspace (for workspace-wide jobs such as compaction)."""
    folder = workspace / LOCKS_DIR
    return sorted(p.stem for p in folder.glob("*.lock")) if folder.is_dir() else []


@contextmanager
def trader_lock(workspace: Path, trader: str, timeout: float) -> Iterator[Path]:
    """Hold one trader's lock; raises :class:`LockTimeout` after ``timeout`` seconds of waiting."""
    path = lock_path(workspace, trader)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = path.parent.resolve() / path.name
    with _held_guard:
        if key in _held:
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield path
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, trader, path, timeout)
        with _held_guard:
            _held[key] = 1
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
            yield path
        finally:
            with _held_guard:
                _held.pop(key, None)
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, trader: str, path: Path, timeout: float) -> None:
    start = time.monotonic()
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            waited = time.monotonic() - start
            if waited >= timeout:
                raise LockTimeout(trader, path, holder_pid(path), waited) from None
            time.sleep(min(_POLL_SECONDS, max(0.0, timeout - waited)))


@contextmanager
def trader_locks(workspace: Path, traders: Iterable[str], timeout: float) -> Iterator[list[str]]:
    """Hold the locks of several traders, taken in sorted order within one overall ``timeout``."""
    names = sorted(set(traders))
    deadline = time.monotonic() + timeout
    with ExitStack() as stack:
        for name in names:
            stack.enter_context(trader_lock(workspace, name, max(0.0, deadline - time.monotonic())))
        yield names
