"""Place a file so that it is visible only when complete (architecture.md, invariant 3).

The bytes go to ``.<name>.<owner>.tmp`` in the target folder (same file system, hidden by its dot),
are flushed and fsynced, optionally validated as read back from disk, then renamed over the target
with ``os.replace`` (atomic on POSIX and Windows) and the folder entry is fsynced. A crash at any
point leaves either the old file or the new one, never a partial one.

``<owner>`` is the writing process's id and start time. A temp file whose owner is no longer running
is the leftover of a crash (``kill -9``, power loss); :func:`sweep_orphan_temps` removes those at the
start of every run and never touches the temp file of a run still in progress (runs of other
traders may share the workspace). The pid alone would not do: pids are reused.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import psutil

from transforms.plumbing.crashpoints import kill_point


class OutputInvalid(Exception):
    """The document failed validation; nothing was published."""

    def __init__(self, reason: str, path: Path | None = None) -> None:
        self.reason = reason
        self.path = path
        super().__init__(reason if path is None else f"{path.name}: {reason}")


_OWNER: tuple[int, str] | None = None
_TEMP = re.compile(r"^\..+\.(?P<pid>\d+)-(?P<started>\d+)\.tmp$")
# A hidden temp file without an owner tag (written by something else) is left alone this long.
UNTAGGED_TEMP_MAX_AGE_S = 24 * 3600


def _owner() -> str:
    """``<pid>-<start time in ms>`` of this process (recomputed after a fork: the pid changes). On
    Linux the start time counts from boot (the kernel's own record of the process, which no clock
    adjustment moves); elsewhere it is psutil's creation time."""
    global _OWNER
    pid = os.getpid()
    if _OWNER is None or _OWNER[0] != pid:
        _OWNER = (pid, f"{pid}-{_started_ms(pid)}")
    return _OWNER[1]


def _started_ms(pid: int) -> int:
    # psutil's creation time is the start in clock ticks since boot *plus* the boot time, which the
    # kernel derives from the wall clock: when the clock is stepped (NTP, a VM resumed) it moves by
    # whole seconds, and a live writer's temp file would look orphaned to the next run's sweep
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
        ticks = int(stat[stat.rindex(b")") + 2:].split()[19])   # field 22, starttime (proc(5))
    except (OSError, ValueError, IndexError):
        return int(psutil.Process(pid).create_time() * 1000)
    return ticks * 1000 // os.sysconf("SC_CLK_TCK")


def temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{_owner()}.tmp")


def _owner_alive(pid: int, started_ms: int) -> bool:
    try:
        return abs(_started_ms(pid) - started_ms) <= 10  # create_time is rounded differently across calls
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def sweep_orphan_temps(folders: Iterable[Path], *, now: float | None = None) -> list[Path]:
    """Remove the temp files, under ``folders``, of writers that are no longer running.

    Returns what was removed (for the run log). A temp file of a live process is kept whatever its
    age; a hidden ``.tmp`` without an owner tag is removed only after a day."""
    now = time.time() if now is None else now
    removed: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for dirpath, _dirs, names in os.walk(folder):
            for name in names:
                if not (name.startswith(".") and name.endswith(".tmp")):
                    continue
                path = Path(dirpath, name)
                m = _TEMP.match(name)
                try:
                    if m is not None:
                        orphan = not _owner_alive(int(m["pid"]), int(m["started"]))
                    else:
                        orphan = now - path.stat().st_mtime > UNTAGGED_TEMP_MAX_AGE_S
                    if orphan:
                        path.unlink()
                        removed.append(path)
                except FileNotFoundError:  # renamed into place by its writer meanwhile
                    continue
    return removed


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open a directory; the rename is still atomic there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path | str, data: bytes, validate: Callable[[bytes], list[str]] | None) -> None:
    """Write ``data`` to ``path`` atomically; with ``validate``, publish only a document it accepts.

    Raises :class:`OutputInvalid` (temp file removed, target untouched) when ``validate`` returns errors."""
    path = Path(path)
    tmp = temp_path(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if validate is not None:
            errors = validate(tmp.read_bytes())
            if errors:
                more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
                raise OutputInvalid("; ".join(errors[:5]) + more, path)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def write_many_atomic(items: list[tuple[Path, bytes]]) -> None:
    """Publish a batch of already-validated files with one data sync instead of one per file.

    Every temp file is written first, then one ``os.sync`` makes all their bytes durable, then each
    is renamed into place and each folder entry is fsynced once. Same guarantee as
    :func:`write_atomic` (a crash leaves old or new files, never partial ones) at a fraction of the
    fsync cost when a run publishes thousands of files."""
    # plain str paths and os calls: a night publishes some 170,000 files through here, and pathlib
    # plus buffered file objects cost more than the writes
    owner = _owner()
    temps: list[tuple[str, str]] = []
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        for path, data in items:
            target = os.fspath(path)
            folder, name = os.path.split(target)
            tmp = os.path.join(folder, f".{name}.{owner}.tmp")
            fd = os.open(tmp, flags, 0o644)
            temps.append((tmp, target))
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        os.sync()
        kill_point("rename")
        for n, (tmp, target) in enumerate(temps):
            os.replace(tmp, target)
            if n == 0:
                kill_point("rename-partial")
    except BaseException:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    for folder in sorted({os.path.dirname(target) for _, target in temps}):
        _fsync_dir(Path(folder))
