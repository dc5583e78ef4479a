"""A re-sent trip plan: filed trips it no longer lists are flagged for a person, never cancelled.

The scope of a re-sent plan is its trader, the trips it lists, its carriers and its first and last
crossing date (Hong Kong): a filed trip outside that scope is not "missing", the plan just does
not cover it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

import pandas as pd

from transforms.model.inputs import SourceTable

if TYPE_CHECKING:
    from transforms.filing.ledger import Ledger

#: per trader: the trips its plan lists, its carriers, and its (first, last) crossing date or (None, None)
TripPlanScope = tuple[set[str], set[str], tuple[date | None, date | None]]

MISSING_REASON = ("filed, but the re-sent trip plan no longer lists it; cancel it with "
                  "`ssdd cancel` if the trip is off")


def trip_plan_scope(trips: Mapping[str, Sequence[SourceTable]]) -> dict[str, TripPlanScope]:
    """Per trader whose trip plan came in tonight (``trips``: each trader's trip-plan tables, earlier
    nights' ones from the store with a negative order): the scope within which a filed trip that is
    no longer listed gets flagged."""
    # the ledger module imports the database driver: only when a night has trip plans to scope
    from transforms.model.identity import TRIP_KEY, trip_ids
    from transforms.plumbing.timeutil import HK_TZ

    scope: dict[str, TripPlanScope] = {}
    for trader, tables in trips.items():
        tonight = [t.table.frame for t in tables if t.order >= 0 and not t.table.frame.empty]
        if not tonight:
            continue
        plan = pd.concat(tonight, ignore_index=True).dropna(subset=list(TRIP_KEY))
        if plan.empty:
            continue
        ids = set(trip_ids(plan))
        days = pd.to_datetime(plan["expected_crossing_at"], utc=True).dt.tz_convert(HK_TZ).dt.date.dropna()
        span = (days.min(), days.max()) if len(days) else (None, None)
        scope[trader] = (ids, {str(c) for c in plan["carrier_code"]}, span)
    return scope


def flag_missing_trips(scope: Mapping[str, TripPlanScope], ledger: Ledger, run_id: str,
                       as_of: datetime) -> list[dict[str, str]]:
    """Filed trips a re-sent trip plan no longer lists, flagged in the ledger (trader order) with the
    sentence a person reads."""
    flagged = []
    for trader, (ids, carriers, span) in sorted(scope.items()):
        first, last = span
        dates = (first, last) if first is not None and last is not None else None
        for sid in ledger.missing_from_resend(trader, ids, run_id=run_id, as_of=as_of, carrier_codes=carriers,
                                              crossing_dates=dates):
            flagged.append({"trader": trader, "submission_id": sid, "reason": MISSING_REASON})
    return flagged
