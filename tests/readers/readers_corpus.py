"""Where the real-world corpus lives and how its README labels files (shared by the reader tests)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

#: The corpus sits beside the repository (../shared/corpus); it is not copied into the repo.
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
WALKED_FOLDERS = ("spreadsheets", "csv", "customs")

_ROW = re.compile(r"^\| `(?P<path>[^`]+)` \|(?P<rest>.*)$")


def corpus_or_fail() -> Path:
    if not (CORPUS / "README.md").is_file():
        pytest.fail(
            f"the real-world corpus is missing: expected {CORPUS}/README.md beside the repository "
            "(../shared/corpus); the reader tests cannot run without it"
        )
    return CORPUS


def must_fail_cleanly(readme: Path) -> set[str]:
    """Corpus paths whose README row says 'must fail cleanly'."""
    marked: set[str] = set()
    for line in readme.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match and "must fail cleanly" in match.group("rest"):
            marked.add(match.group("path"))
    return marked
