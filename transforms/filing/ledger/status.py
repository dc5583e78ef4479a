"""A submission's status: ``held`` (never filed), ``filed``, then from customs events ``accepted``,
``rejected``, ``arrived``, ``released``; ``cancelled`` only through :meth:`Ledger.cancel`.

Which events move it is :data:`transforms.filing.responses.EVENT_STATUS`; how they fold into one
status when sides disagree or rows arrive out of order is :func:`fold_status`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Final, Literal

from transforms.filing.responses import EVENT_STATUS, STATUS_PRECEDENCE

Status = Literal["held", "filed", "accepted", "rejected", "arrived", "released", "cancelled"]
#: The truck was seen at the border: no filing response undoes it, and no cancellation follows it.
PHYSICAL: Final = frozenset({"arrived", "released"})
ACTIVE: Final = ("filed", "accepted", "rejected")  # filed, the truck not yet seen at the border
RELEASES: Final = frozenset(t for t, s in EVENT_STATUS.items() if s == "released")


def physical_types() -> tuple[str, ...]:
    """The event types that say the truck arrived or was released, in a stable order for SQL ``IN``."""
    return tuple(sorted(t for t, s in EVENT_STATUS.items() if s in PHYSICAL))


def refresh_status(cur: sqlite3.Cursor, submission_id: str) -> str | None:
    """Recompute a filed submission's status from its events; returns it when it changed."""
    sub = cur.execute("SELECT status, current_version FROM submissions WHERE submission_id = ?",
                      (submission_id,)).fetchone()
    if sub["status"] in ("held", "cancelled"):
        return None
    rows = cur.execute("SELECT event_type, occurred_at, version FROM events WHERE submission_id = ?",
                       (submission_id,)).fetchall()
    new = fold_status([(r["occurred_at"], r["event_type"], r["version"]) for r in rows],
                      int(sub["current_version"]))
    if new == sub["status"]:
        return None
    cur.execute("UPDATE submissions SET status = ? WHERE submission_id = ?", (new, submission_id))
    return new


def fold_status(events: Sequence[tuple[str, str, int | None]], current_version: int) -> Status:
    """A filed submission's status from its events ``(occurred_at ISO UTC, event_type, version)``.

    Latest by occurred_at wins, ties broken RELEASED > ARRIVED > REJECTED > ACCEPTED. Two rules keep
    the status honest when sides disagree: an acceptance does not clear a rejection of the same
    version (the other side still refuses it), and filing responses never undo the truck's progress
    (arrived/released). Acceptances and rejections of an older version are ignored.
    """
    state: Status = "filed"
    keyed = []
    for occurred_at, event_type, version in events:
        new = EVENT_STATUS.get(event_type)
        if new is None:
            continue
        if new not in PHYSICAL and version is not None and version < current_version:
            continue
        keyed.append((occurred_at, STATUS_PRECEDENCE[new], new))
    for _, _, new in sorted(keyed):
        if new in PHYSICAL:
            state = "arrived" if new == "arrived" else "released"
        elif state in PHYSICAL or (state == "rejected" and new == "accepted"):
            continue
        else:
            state = "rejected" if new == "rejected" else "accepted"
    return state
