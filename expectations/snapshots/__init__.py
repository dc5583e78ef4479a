"""Committed JSON snapshots of every GX suite, generated from :mod:`expectations.rules`.

A suite change then shows in review as a JSON diff. Regenerate after changing a rule with::

    python -m expectations.snapshots --update

``--check`` (the default) exits non-zero when a snapshot differs from the code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from expectations.suites import build_suites

__all__ = ["SNAPSHOT_DIR", "UPDATE_COMMAND", "render", "stale", "write"]

SNAPSHOT_DIR: Final = Path(__file__).resolve().parent
UPDATE_COMMAND: Final = "python -m expectations.snapshots --update"


def _stable(suite_json: dict[str, Any]) -> dict[str, Any]:
    # The GX version stamp would turn every dependency bump into a snapshot diff; the rules would not change.
    meta = {k: v for k, v in (suite_json.get("meta") or {}).items() if k != "great_expectations_version"}
    return {**suite_json, "meta": meta, "id": None}


def _dumps(doc: dict[str, Any]) -> str:
    text = json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True)
    # Readable CJK, but invisible non-characters (the V21 class) stay escaped: JSON allows either.
    return text.replace("\ufffe", "\\ufffe").replace("\uffff", "\\uffff") + "\n"


def render() -> dict[str, str]:
    """Suite name -> snapshot text, exactly as committed."""
    return {name: _dumps(_stable(suite.to_json_dict())) for name, suite in build_suites().items()}


def stale(directory: Path = SNAPSHOT_DIR) -> list[str]:
    """Names of suites whose snapshot is missing or differs from the code (or that no suite has)."""
    expected = render()
    out = [name for name, text in expected.items()
           if not (directory / f"{name}.json").is_file()
           or (directory / f"{name}.json").read_text(encoding="utf-8") != text]
    out += [p.stem for p in directory.glob("*.json") if p.stem not in expected]
    return sorted(out)


def write(directory: Path = SNAPSHOT_DIR) -> list[Path]:
    expected = render()
    for p in directory.glob("*.json"):
        if p.stem not in expected:
            p.unlink()
    paths = []
    for name, text in expected.items():
        path = directory / f"{name}.json"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
