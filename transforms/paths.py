"""Where the shipped data lives (reference tables, schemas, profiles, samples)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
DATA_DIR: Final = REPO_ROOT / "data"
