"""Customs events in the ledger: dedupe, out-of-order feeds, references, status, enrichment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from tests.ledger.ledger_helpers import AS_OF, CROSSING, event, file_it, trip_id
from transforms.filing.ledger import EventOutcome, Ledger, fold_status
from transforms.model.arrow import to_arrow

Apply = Callable[..., EventOutcome]
MIN = timedelta(minutes=1)


def test_same_event_twice_is_stored_once(ledger: Ledger, apply: Apply) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    ack = event("HK", "ACI_ACCEPTED", AS_OF + 2 * MIN, submission_id=sid)
    first = apply(ack, ack)  # duplicated inside one file
    assert (first.received, first.inserted, first.duplicates) == (2, 1, 1)
    again = apply(ack)  # and re-sent in a later file
    assert (again.inserted, again.duplicates) == (0, 1)
    assert len(ledger.events(sid)) == 1


def test_out_of_order_rows_take_the_status_of_the_latest_occurrence(ledger: Ledger, apply: Apply) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    outcome = apply(
        event("CN", "CN_RELEASED", CROSSING + 40 * MIN, submission_id=sid, raw="11"),  # written first
        event("CN", "ARRIVED", CROSSING, submission_id=sid),
        event("CN", "CN_MANIFEST_ACCEPTED", AS_OF + 3 * MIN, submission_id=sid, raw="01"),
    )
    assert ledger.status(sid) == "released"
    assert outcome.status_changed == {sid: "released"}


def test_equal_times_release_beats_arrival_beats_acceptance(ledger: Ledger, apply: Apply) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    apply(event("HK", "RELEASED", CROSSING, submission_id=sid),
          event("HK", "ARRIVED", CROSSING, submission_id=sid),
          event("HK", "ACI_ACCEPTED", CROSSING, submission_id=sid))
    assert ledger.status(sid) == "released"


def test_truck_arriving_in_hong_kong_after_mainland_release_is_arrived(ledger: Ledger, apply: Apply) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    apply(event("CN", "ARRIVED", CROSSING, submission_id=sid),
          event("CN", "CN_RELEASED", CROSSING + 30 * MIN, submission_id=sid, raw="11"))
    assert ledger.status(sid) == "released"
    apply(event("HK", "ARRIVED", CROSSING + 45 * MIN, submission_id=sid))
    assert ledger.status(sid) == "arrived"  # latest by time; Hong Kong may never send its release


def test_unknown_reference_is_kept_unmatched_and_matched_once_known(ledger: Ledger, apply: Apply) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    early = event("HK", "ARRIVED", CROSSING, reference="CCRN0001")
    outcome = apply(early, event("CN", "ARRIVED", CROSSING, reference="NOBODY-HAS-THIS"))
    assert (outcome.inserted, outcome.unmatched) == (2, 2)
    assert outcome.events["submission_id"].isna().all()
    assert set(ledger.events(unmatched=True)["reference"]) == {"CCRN0001", "NOBODY-HAS-THIS"}
    assert ledger.status(sid) == "filed"
    later = apply(event("HK", "CCRN_ISSUED", AS_OF + 3 * MIN, submission_id=sid, reference="CCRN0001"))
    assert later.rematched == 1
    assert list(ledger.events(unmatched=True)["reference"]) == ["NOBODY-HAS-THIS"]
    assert ledger.status(sid) == "arrived"


def test_ccrn_is_stored_and_later_events_quoting_it_match(ledger: Ledger, apply: Apply) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    # the arrival quoting the CCRN comes first in the file: CCRN issues are registered first
    outcome = apply(event("HK", "ARRIVED", CROSSING, reference="CCRN7788"),
                    event("HK", "CCRN_ISSUED", AS_OF + 4 * MIN, submission_id=sid, reference="CCRN7788"))
    assert outcome.unmatched == 0
    current = ledger.current(sid)
    assert current is not None and current["ccrn"] == "CCRN7788"
    assert ledger.filed().loc[0, "ccrn"] == "CCRN7788"
    assert ledger.status(sid) == "arrived"


def test_mainland_trip_batch_number_matches(ledger: Ledger, apply: Apply) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1", batch="CNB0001")
    outcome = apply(event("CN", "CN_MANIFEST_ACCEPTED", AS_OF + 2 * MIN, reference="CNB0001", raw="01"))
    assert outcome.unmatched == 0 and ledger.status(sid) == "accepted"


def test_stored_events_are_enriched_from_the_submission(ledger: Ledger, apply: Apply) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1", control_point="SBC")
    outcome = apply(event("CN", "ARRIVED", CROSSING, submission_id=sid))
    row = outcome.events.iloc[0]
    assert (row["control_point"], row["crossing_date"], row["version"]) == ("SBC", date(2026, 11, 25), 1)
    to_arrow("events", outcome.events)  # the analytics schema accepts it
    stored = ledger.events(sid).iloc[0]
    assert stored["occurred_at"] == CROSSING and stored["received_at"] == AS_OF


def test_a_rejection_is_not_cleared_by_the_other_sides_acceptance(ledger: Ledger, apply: Apply) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    apply(event("CN", "CN_MANIFEST_REJECTED", AS_OF + 2 * MIN, submission_id=sid, raw="03", detail="海关退单"),
          event("HK", "ACI_ACCEPTED", AS_OF + 5 * MIN, submission_id=sid))
    assert ledger.status(sid) == "rejected"


def test_old_version_rejection_does_not_reject_the_refiled_version(ledger: Ledger, apply: Apply) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    rejected = event("CN", "CN_MANIFEST_REJECTED", AS_OF + 2 * MIN, submission_id=sid, raw="03")
    apply(rejected)
    file_it(ledger, sid, "h1", run_id="run-2", as_of=AS_OF + 60 * MIN)  # refile v2
    assert ledger.status(sid) == "filed"
    apply(event("HK", "ACI_ACCEPTED", AS_OF + 62 * MIN, submission_id=sid))
    assert ledger.status(sid) == "accepted"  # the v1 rejection stays in history, not in the status
    assert ledger.events(sid).set_index("event_type").loc["CN_MANIFEST_REJECTED", "version"] == 1


def test_late_acknowledgement_does_not_undo_arrival(ledger: Ledger, apply: Apply) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    apply(event("HK", "ARRIVED", CROSSING, submission_id=sid),
          event("CN", "CN_MANIFEST_ACCEPTED", CROSSING + 5 * MIN, submission_id=sid, raw="01"))
    assert ledger.status(sid) == "arrived"


def test_events_of_a_cancelled_trip_are_stored_but_keep_it_cancelled(ledger: Ledger, apply: Apply) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    ledger.cancel(sid, run_id="c", as_of=AS_OF + MIN)
    outcome = apply(event("HK", "ACI_ACCEPTED", AS_OF + 2 * MIN, submission_id=sid))
    assert outcome.inserted == 1 and ledger.status(sid) == "cancelled"


@pytest.mark.parametrize(("events", "expected"), [
    ([], "filed"),
    ([("2026-11-25T01:00", "ACI_ACCEPTED", 1)], "accepted"),
    ([("2026-11-25T01:00", "REJECTED", 1), ("2026-11-25T02:00", "CN_MANIFEST_ACCEPTED", 1)], "rejected"),
    ([("2026-11-25T01:00", "REJECTED", 1), ("2026-11-25T02:00", "ACI_ACCEPTED", 2)], "accepted"),
    ([("2026-11-25T01:00", "BUNDLED", 1)], "filed"),
    ([("2026-11-25T05:00", "RELEASED", 1), ("2026-11-25T05:00", "ARRIVED", 1)], "released"),
])
def test_fold_status(events: list[tuple[str, str, int]], expected: str) -> None:
    assert fold_status(events, current_version=2 if any(v == 2 for *_, v in events) else 1) == expected
