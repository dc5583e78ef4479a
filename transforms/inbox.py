"""The inbox's layout: one folder per trader (standard library only, so the CLI can look at an inbox
before it imports the data libraries)."""

from __future__ import annotations

from pathlib import Path


def trader_folders(inbox: Path) -> list[Path]:
    """The trader folders of ``inbox``, by name; ``_responses`` and hidden folders are not traders."""
    return sorted(p for p in inbox.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
