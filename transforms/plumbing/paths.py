"""Where the shipped data lives (reference tables, schemas, profiles, samples), and where a setting
that names a folder may point."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
DATA_DIR: Final = REPO_ROOT / "data"


class OutsideWorkspace(ValueError):
    """A setting names a folder outside the workspace; the message is one sentence naming the setting."""


def relative_folder(value: str | None) -> str | None:
    """A folder setting a trader supplies (``feedback_dir``): a relative path that stays below where it
    is resolved, so a ``trader.yaml`` can never direct writes elsewhere (no absolute path, no ``..``)."""
    if value is None:
        return None
    parts = PurePosixPath(value.replace("\\", "/")).parts
    if not value.strip() or PureWindowsPath(value).drive or value.startswith(("/", "\\")) or ".." in parts:
        shown = " ".join(value.split())[:80]
        raise OutsideWorkspace(f"'{shown}' is not a folder inside the workspace; expected a relative path such as "
                               "feedback/acme, without .. or a leading /")
    return value


def inside_workspace(workspace: Path, value: str, setting: str) -> Path:
    """``workspace / value`` once it is known to stay inside the workspace after links are resolved."""
    relative_folder(value)
    root = workspace.resolve()
    target = (root / value).resolve()
    if not target.is_relative_to(root):
        raise OutsideWorkspace(f"{setting} '{value}' leads outside the workspace ({target}) through a link; "
                               "expected a folder inside the workspace")
    return target


def feedback_folder(workspace: Path, trader: str, value: str | None, warn: Callable[[str], None]) -> Path | None:
    """The trader's feedback folder (``feedback_dir`` of its trader.yaml), only when it stays inside the
    workspace (links resolved); else ``warn`` hears why and the error workbooks stay in quarantine/."""
    if not value:
        return None
    try:
        return inside_workspace(workspace, value, f"{trader}/trader.yaml feedback_dir")
    except OutsideWorkspace as exc:
        warn(f"{exc}; the error workbooks stay in quarantine/ only.")
        return None
