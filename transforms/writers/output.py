"""Place a file so that it is visible only when complete (architecture.md, invariant 3).

The bytes go to ``.<name>.tmp`` in the target folder (same file system, hidden by its dot), are
flushed and fsynced, optionally validated as read back from disk, then renamed over the target with
``os.replace`` (atomic on POSIX and Windows) and the folder entry is fsynced. A crash at any point
leaves either the old file or the new one, never a partial one; a stale temp file from a crash is
simply overwritten by the next attempt.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from transforms.crashpoints import kill_point


class OutputInvalid(Exception):
    """The document failed validation; nothing was published."""

    def __init__(self, reason: str, path: Path | None = None) -> None:
        self.reason = reason
        self.path = path
        super().__init__(reason if path is None else f"{path.name}: {reason}")


def temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


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
    temps: list[tuple[Path, Path]] = []
    try:
        for path, data in items:
            tmp = temp_path(path)
            with open(tmp, "wb") as fh:
                fh.write(data)
            temps.append((tmp, path))
        os.sync()
        kill_point("rename")
        for n, (tmp, path) in enumerate(temps):
            os.replace(tmp, path)
            if n == 0:
                kill_point("rename-partial")
    except BaseException:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    for folder in sorted({path.parent for _, path in temps}):
        _fsync_dir(folder)
