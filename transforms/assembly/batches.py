"""Which traders are assembled, checked and filed together: the night in batches of bounded size.

A night of a million goods lines held as pandas frames at once needs several GiB (measured: 2.4 GB
for the assembled frames alone), while the work per trip never looks beyond its own truck. So after
ingest the traders are grouped into batches of about ``max_lines`` goods lines and each batch goes
through assemble -> check -> file -> analytics before the next one starts; memory then follows the
batch size, not the night's.

A trip must be whole in one batch: a shared truck carries consignments of several traders, each
listing the trip (carrier + trip_ref + direction) in its own trip plan. Traders linked by a shared
trip form one component, which is never split, even when it is bigger than ``max_lines``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from transforms.model.identity import TRIP_KEY, trip_ids
from transforms.model.inputs import TraderInput


@dataclass(frozen=True)
class TraderLoad:
    """What the planner needs to know of one trader folder after ingest."""

    trader: str
    lines: int                    # goods lines mapped tonight, plus pending lines carried from the store
    trips: frozenset[str]         # submission ids of the trips its trip plans list


def plan_batches(loads: Iterable[TraderLoad], max_lines: int) -> list[list[str]]:
    """Traders per batch, in a deterministic order.

    Components of traders sharing a trip are packed, largest first, into the first batch with room
    (first-fit decreasing); a component bigger than ``max_lines`` is a batch of its own. Traders are
    sorted by name within a batch, and batches by their first trader, so a re-run plans the same.
    """
    loads = sorted(loads, key=lambda t: t.trader)
    parent = {t.trader: t.trader for t in loads}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    owner: dict[str, str] = {}
    for t in loads:
        for trip in sorted(t.trips):
            other = owner.setdefault(trip, t.trader)
            a, b = root(other), root(t.trader)
            if a != b:
                parent[max(a, b)] = min(a, b)
    components: dict[str, list[TraderLoad]] = {}
    for t in loads:
        components.setdefault(root(t.trader), []).append(t)
    sized = sorted(components.values(), key=lambda c: (-sum(t.lines for t in c), c[0].trader))
    bins: list[tuple[int, list[str]]] = []
    for comp in sized:
        size = sum(t.lines for t in comp)
        for i, (used, members) in enumerate(bins):
            if used + size <= max_lines:
                bins[i] = (used + size, members + [t.trader for t in comp])
                break
        else:
            bins.append((size, [t.trader for t in comp]))
    return sorted((sorted(members) for _, members in bins), key=lambda b: b[0])


def trader_load(trader: str, tin: TraderInput | None) -> TraderLoad:
    """The planner's view of one ingested trader folder (a folder refused whole weighs nothing)."""
    if tin is None:
        return TraderLoad(trader, 0, frozenset())
    lines = sum(len(s.table.frame) for s in tin.lines)
    trips = frozenset(sid for s in tin.trips if not s.table.frame.empty and set(TRIP_KEY) <= set(s.table.frame.columns)
                      for sid in trip_ids(s.table.frame))
    return TraderLoad(trader, lines, trips)
