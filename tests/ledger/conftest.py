from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from transforms.filing.ledger import EventOutcome, Ledger
from transforms.filing.responses import events_frame


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(f"sqlite:///{tmp_path}/ledger.sqlite") as led:
        yield led


@pytest.fixture
def apply(ledger: Ledger) -> Callable[..., EventOutcome]:
    """Apply event rows (dicts with EVENTS keys) to the ledger."""
    def _apply(*rows: dict[str, Any]) -> EventOutcome:
        return ledger.apply_events(events_frame(rows))
    return _apply
