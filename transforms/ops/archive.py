"""Inbox hygiene: move finished inbox files to ``<workspace>/archive/<run-id>/<trader>/``, never delete.

A file is finished when every one of its rows is filed, ignored or superseded. A file with pending
or quarantined rows stays where it is, so the trip plan that completes it or the corrected export
that fixes it meets it again on the next run; reference files (``trader.yaml``, item masters, trip
plans) stay because later exports need them. A file that changed since the run read it (its sha256
differs from the run summary's) stays too: the next run reads the new content.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

from transforms.model.inputs import FileReport

ARCHIVE_DIR: Final = "archive"
MANIFEST: Final = "manifest.json"


@dataclass(frozen=True)
class Archived:
    path: str            # relative to the inbox (<trader>/...)
    sha256: str
    archived_to: str     # relative to the workspace


def finished(report: FileReport) -> bool:
    return (report.status == "read" and report.sha256 is not None and report.rows_pending == 0
            and report.rows_quarantined == 0 and report.rows_reference == 0)


def sha256_of(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def archive_files(reports: Sequence[FileReport], *, inbox: Path, workspace: Path, run_id: str) -> list[Archived]:
    """Move every finished file of this run into the archive; writes ``manifest.json`` beside them."""
    root = workspace / ARCHIVE_DIR / run_id
    moved: list[Archived] = []
    for report in reports:
        if not finished(report):
            continue
        src = inbox / report.path
        try:
            if not src.is_file() or sha256_of(src) != report.sha256:
                continue
        except OSError:
            continue
        dest = root / report.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(src, dest)       # a rename on one file system, else copy then remove
        assert report.sha256 is not None
        moved.append(Archived(report.path, report.sha256, dest.relative_to(workspace).as_posix()))
    if moved:
        (root / MANIFEST).write_text(json.dumps({"run_id": run_id, "files": [asdict(a) for a in moved]},
                                                ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return moved
