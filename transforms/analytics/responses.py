"""The run summary's ``responses`` entry: what the customs response files of one run became."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from transforms.filing.ledger import EventOutcome
from transforms.filing.responses import RESPONSES_DIR, RowReject


def responses_summary(inbox: Path, outcome: EventOutcome, rejects: Sequence[RowReject],
                      appended: int) -> dict[str, Any]:
    """Counts and refused rows for ``summary.json``; ``inbox`` lets ``ssdd simulate-responses`` find it.
    Rows the ledger refused (a release before the arrival) count with the rows the reader refused."""
    rejects = [*rejects, *outcome.refused]
    return {
        "inbox": str(inbox.resolve()),
        "folder": RESPONSES_DIR,
        "rows_read": outcome.received,
        "events_new": outcome.inserted,
        "duplicates": outcome.duplicates,
        "unmatched": outcome.unmatched,
        "rematched": outcome.rematched,
        "status_changed": len(outcome.status_changed),
        "analytics_events_appended": appended,
        "rows_rejected": sum(1 for r in rejects if r.row is not None),
        "files_rejected": sum(1 for r in rejects if r.row is None),
        "rejected": [{"file": r.file, "row": r.row, "column": r.column, "value": r.value, "reason": r.reason}
                     for r in rejects],
    }
