"""Response simulator: deterministic per submission, realistic timings, awkward cases, round trip."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.ledger.ledger_helpers import AS_OF, HKT, file_it
from transforms.devtools.simulator import PARAMS_PATH, SimulatorParams, load_params, simulate, write_responses
from transforms.filing.ledger import Ledger
from transforms.filing.responses import read_responses
from transforms.model.canonical import EVENTS
from transforms.model.identity import submission_id_for

CONTROL_POINTS = ("LMC", "MKT", "STK", "SBC", "HYW", "HZM")
N_TRIPS = 10_000


def _trips(n: int, *, seed: int = 20261125) -> pd.DataFrame:
    """n trips over four weeks with a realistic crossing-hour mix (day-heavy, some night runs)."""
    rng = np.random.default_rng(seed)
    weights = np.array([1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 7, 6, 7, 8, 8, 7, 6, 5, 4, 3, 2, 2, 1], dtype=float)
    start = pd.Timestamp("2026-11-02T00:00:00+08:00")  # a Monday
    crossing = (start + pd.to_timedelta(rng.integers(0, 28, n), unit="D")
                + pd.to_timedelta(rng.choice(24, n, p=weights / weights.sum()), unit="h")
                + pd.to_timedelta(rng.integers(0, 60, n), unit="min"))
    return pd.DataFrame({
        "submission_id": [submission_id_for("CARR01", f"T{i:05d}", "HK_IMPORT" if i % 3 else "HK_EXPORT")
                          for i in range(n)],
        "version": 1,
        "control_point": [CONTROL_POINTS[i % len(CONTROL_POINTS)] for i in range(n)],
        "direction": ["HK_IMPORT" if i % 3 else "HK_EXPORT" for i in range(n)],
        "expected_crossing_at": crossing.tz_convert("UTC"),
        "filed_at": (crossing - pd.to_timedelta(rng.integers(60, 20 * 60, n), unit="min")).tz_convert("UTC"),
    })


@cache
def _default_run() -> pd.DataFrame:
    return simulate(_trips(N_TRIPS))


def _cn_clearances(events: pd.DataFrame) -> pd.DataFrame:
    """Per trip: control point, CN arrival instant and ARRIVED -> 11 RELEASED minutes."""
    cn = events[(events["side"] == "CN") & events["submission_id"].notna()].drop_duplicates("event_id")
    arrived = cn[cn["event_type"] == "ARRIVED"].set_index("submission_id")
    released = cn[cn["event_type"] == "CN_RELEASED"].set_index("submission_id")
    joined = arrived[["control_point", "occurred_at"]].join(
        released["occurred_at"].rename("occurred_at_released"), how="inner")
    joined["minutes"] = (joined["occurred_at_released"] - joined["occurred_at"]).dt.total_seconds() / 60
    return joined


def _mixture_quantile(params: SimulatorParams, cp: str, arrivals: pd.Series, q: float) -> float:
    """Quantile of the lognormal mixture the simulator draws from for these arrival instants."""
    spread = params.cn_clearance_minutes[cp]
    log_medians = np.log(spread.median * np.array([params.clearance_factor(a) for a in arrivals]))

    def cdf(log_t: float) -> float:
        z = (log_t - log_medians) / spread.sigma
        return float(np.mean([0.5 * (1 + math.erf(v / math.sqrt(2))) for v in z]))

    lo, hi = math.log(spread.median) - 5, math.log(spread.median) + 5
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) < q else (lo, mid)
    return math.exp((lo + hi) / 2)


def test_neutral_hours_recover_each_control_points_p50_and_p90(tmp_path: Path) -> None:
    """With hour and weekday factors at 1.0 the sampled quantiles must be the parameters themselves."""
    raw = yaml.safe_load(PARAMS_PATH.read_text(encoding="utf-8"))
    raw["hour_factor"] = [1.0] * 24
    raw["weekday_factor"] = dict.fromkeys(raw["weekday_factor"], 1.0)
    neutral = tmp_path / "neutral.yaml"
    neutral.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    params = load_params(neutral)
    clear = _cn_clearances(simulate(_trips(N_TRIPS), params_path=neutral))
    for cp in CONTROL_POINTS:
        minutes = clear.loc[clear["control_point"] == cp, "minutes"]
        assert len(minutes) > 1400
        spread = params.cn_clearance_minutes[cp]
        for q, expected in ((0.5, spread.median), (0.9, spread.p90)):
            got = float(minutes.quantile(q))
            assert abs(got / expected - 1) < 0.10, f"{cp} p{int(q * 100)}: {got:.1f} vs {expected}"


def test_default_mix_recovers_the_mixture_quantiles_per_control_point() -> None:
    """With the shipped factors, compare like with like: the lognormal mixture over the actual arrivals."""
    params = load_params()
    clear = _cn_clearances(_default_run())
    for cp in CONTROL_POINTS:
        subset = clear[clear["control_point"] == cp]
        for q in (0.5, 0.9):
            expected = _mixture_quantile(params, cp, subset["occurred_at"], q)
            got = float(subset["minutes"].quantile(q))
            assert abs(got / expected - 1) < 0.10, f"{cp} p{int(q * 100)}: {got:.1f} vs {expected:.1f}"


def test_night_is_faster_and_weekends_slower() -> None:
    clear = _cn_clearances(_default_run())
    local = clear["occurred_at"].dt.tz_convert("Asia/Hong_Kong")
    lmc = clear["control_point"] == "LMC"
    night = clear.loc[lmc & (local.dt.hour < 6), "minutes"].median()
    afternoon = clear.loc[lmc & local.dt.hour.between(14, 18), "minutes"].median()
    weekday = clear.loc[local.dt.day_of_week < 4, "minutes"].median()
    sunday = clear.loc[local.dt.day_of_week == 6, "minutes"].median()
    assert night < 0.8 * afternoon
    assert sunday > 1.2 * weekday


def test_hong_kong_often_sends_no_release() -> None:
    events = _default_run().drop_duplicates("event_id")
    hk = events[(events["side"] == "HK") & events["control_point"].notna()]
    arrived = (hk["event_type"] == "ARRIVED").sum()
    released = (hk["event_type"] == "RELEASED").sum()
    assert abs(released / arrived - load_params().rates.hk_release) < 0.03


def test_awkward_cases_are_present_at_small_rates() -> None:
    events = _default_run()
    duplicated = events["event_id"].duplicated().sum()
    unknown = events["reference"].fillna("").str.startswith("SIMX").sum()
    assert 40 <= duplicated <= 200 and 20 <= unknown <= 100
    key = events["submission_id"].fillna(events["reference"])
    previous = events.groupby(key, sort=False)["occurred_at"].shift()
    backwards = (events["occurred_at"] < previous).groupby(key).any().sum()
    assert backwards >= 50  # trips whose last event is written before the one it follows
    rejected = events.loc[events["event_type"] == "CN_MANIFEST_REJECTED", "submission_id"]
    assert 150 <= len(rejected) <= 450
    assert events["detail"].dropna().str.contains(" / ").all()  # reasons are bilingual
    moved = set(events.loc[events["event_type"] == "ARRIVED", "submission_id"].dropna())
    assert moved.isdisjoint(set(rejected))  # a rejected trip waits for its re-filing


def test_deterministic_per_submission_whatever_else_is_in_the_batch() -> None:
    trips = _trips(300)
    first, again = simulate(trips), simulate(trips)
    pd.testing.assert_frame_equal(first, again)
    subset = simulate(trips.iloc[[5, 17]])
    sid = trips.loc[17, "submission_id"]
    ccrn = first.loc[(first["submission_id"] == sid) & (first["event_type"] == "CCRN_ISSUED"), "reference"].iloc[0]
    mine = first[(first["submission_id"] == sid) | (first["reference"] == ccrn)]
    theirs = subset[(subset["submission_id"] == sid) | (subset["reference"] == ccrn)]
    assert sorted(mine["event_id"]) == sorted(theirs["event_id"])
    salted = simulate(trips, seed_salt="demo-2")
    assert len(set(salted["event_id"]) & set(first["event_id"])) < len(first) // 100  # a rare same-second ack


def test_until_gives_what_customs_would_have_sent_by_then() -> None:
    trips = _trips(200)
    cut = datetime(2026, 11, 10, tzinfo=HKT)
    early = simulate(trips, until=cut)
    full = simulate(trips)
    assert (early["occurred_at"] <= cut).all()
    assert set(early["event_id"]) <= set(full["event_id"]) and len(early) < len(full)


def test_unknown_control_point_is_a_clear_error() -> None:
    trips = _trips(1).assign(control_point="XYZ")
    with pytest.raises(ValueError, match=r"control point 'XYZ' .* has no clearance parameters; known: HYW"):
        simulate(trips)


def test_written_file_reads_back_to_the_same_events_and_updates_the_ledger(tmp_path: Path,
                                                                           ledger: Ledger) -> None:
    for i in range(120):
        sid = submission_id_for("CARR01", f"T{i:03d}", "HK_IMPORT")
        file_it(ledger, sid, f"h{i}", trip_ref=f"T{i:03d}", control_point=CONTROL_POINTS[i % 6],
                crossing=AS_OF + timedelta(hours=4 + i % 30), batch=f"CNB{i:04d}" if i % 2 else None)
    events = simulate(ledger.filed())
    paths = write_responses(events, tmp_path / "inbox" / "_responses", AS_OF)
    assert [p.name for p in paths] == ["responses_202611250800.csv"]
    assert sorted(p.name for p in paths[0].parent.iterdir()) == ["responses_202611250800.csv"]  # no temp left
    assert paths[0].read_text(encoding="utf-8").splitlines()[0] == (
        "submission_id,reference,side,event,occurred_at,detail,version")
    # read a few days later: every simulated event (crossings up to 34 h ahead) has happened by then
    back, rejects = read_responses(tmp_path / "inbox", received_at=AS_OF + timedelta(days=3))
    assert rejects == []
    assert list(back["event_id"]) == list(events["event_id"])
    assert list(back.columns) == [*EVENTS.names, "src_row"]
    outcome = ledger.apply_events(back)
    unknown = events.loc[events["reference"].fillna("").str.startswith("SIMX"), "event_id"].nunique()
    assert outcome.unmatched == unknown
    assert outcome.inserted == events["event_id"].nunique()
    statuses = {ledger.status(s) for s in ledger.filed()["submission_id"]}
    assert statuses <= {"released", "arrived", "rejected"} and "released" in statuses
    assert all(ledger.current(s)["ccrn"] for s in events.loc[events["event_type"] == "CCRN_ISSUED", "submission_id"])
    again = ledger.apply_events(back)
    assert (again.inserted, again.duplicates) == (0, len(back))
