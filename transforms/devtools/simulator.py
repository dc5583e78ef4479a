"""Customs response simulator: realistic response events for filed submissions, like a test stub.

Deterministic by submission: every trip draws from its own RNG seeded with a hash of
(seed salt, submission id, version), so the same filings always give the same events, whatever
else is in the batch. Timing and rates come from ``data/simulator/params.yaml`` (synthetic figures).

Per trip (the truck goes Mainland -> HK for HK_IMPORT, HK -> Mainland for HK_EXPORT):

- HK: ACI_ACCEPTED minutes after filing, CCRN_ISSUED just after (or REJECTED with a reason);
  ARRIVED at the control point; RELEASED only with probability ``rates.hk_release``: Hong Kong
  often sends no release at all.
- CN: 01 accepted minutes after filing (or 03 rejected with a bilingual reason); ARRIVED; 11
  released after a clearance time whose median and p90 depend on the control point, scaled by the
  Hong Kong hour and weekday of arrival (:meth:`SimulatorParams.clearance_factor`).
- A rejected trip does not move: no arrival or release until it is re-filed.
- The awkward cases real feeds have, at small rates: an event sent twice, a trip's last event
  written before the one it follows, an event quoting a reference no filing has.

Hong Kong events after the CCRN quote the CCRN instead of the submission id; Mainland events quote
the trip batch number (货物运输批次号) when the ledger knows one.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from transforms.filing.responses import (
    CN_RESPONSE_CODES,
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    RESPONSES_DIR,
    event_id_for,
    events_frame,
    hk_date,
)
from transforms.plumbing.atomic import write_atomic
from transforms.plumbing.paths import DATA_DIR
from transforms.plumbing.timeutil import HK_TZ

PARAMS_PATH: Final = Path(__file__).resolve().parents[2] / "data" / "simulator" / "params.yaml"
#: The repository's tracked samples: simulated responses never go there (git would show them as changes and
#: every later `make run` would read them as customs' answers to the sample trips).
TRACKED_SAMPLES: Final = DATA_DIR / "samples"
Z90: Final = 1.2815515655446004  # standard normal 90th percentile
WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_CODE_OF: Final = {v: k for k, v in CN_RESPONSE_CODES.items()}
_MINUTE: Final = timedelta(minutes=1)
#: one trip's random draws (uniform ``u``, standard normal ``z``), at fixed positions
_Draws = npt.NDArray[np.float64]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Spread(_Strict):
    """A lognormal duration in minutes, given by its median and 90th percentile."""

    median: float = Field(gt=0)
    p90: float = Field(gt=0)

    @model_validator(mode="after")
    def _p90_above_median(self) -> Spread:
        if self.p90 <= self.median:
            raise ValueError(f"p90 ({self.p90}) must be greater than the median ({self.median})")
        return self

    @property
    def sigma(self) -> float:
        return math.log(self.p90 / self.median) / Z90

    def minutes(self, z: float, factor: float = 1.0) -> float:
        """The duration at standard-normal draw ``z``, scaled by ``factor``."""
        return self.median * factor * math.exp(self.sigma * z)


class Rates(_Strict):
    """Probabilities per trip."""

    hk_release: float = Field(ge=0, le=1, description="Hong Kong sends a RELEASED event at all")
    hk_reject: float = Field(ge=0, le=1, description="ROCARS rejects the e-ACI")
    cn_reject: float = Field(ge=0, le=1, description="Mainland 03 海关退单")
    duplicate_event: float = Field(ge=0, le=1, description="one event of the trip is sent twice")
    out_of_order: float = Field(ge=0, le=1, description="the trip's last event is written first")
    unknown_reference: float = Field(ge=0, le=1, description="an extra event with a reference nobody has")


class SimulatorParams(_Strict):
    """The parameter file; every key is described in ``data/simulator/params.yaml``."""

    acknowledgement_minutes: Spread
    ccrn_after_ack_minutes: Spread
    arrival_delay_minutes: Spread
    transit_minutes: Spread
    cn_clearance_minutes: dict[str, Spread]
    hk_clearance_minutes: dict[str, Spread]
    hour_factor: list[float] = Field(min_length=24, max_length=24)
    weekday_factor: dict[str, float]
    rates: Rates
    cn_reject_reasons: list[str] = Field(min_length=1)
    hk_reject_reasons: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> SimulatorParams:
        if sorted(self.weekday_factor) != sorted(WEEKDAYS):
            raise ValueError(f"weekday_factor needs exactly the keys {', '.join(WEEKDAYS)}")
        if set(self.cn_clearance_minutes) != set(self.hk_clearance_minutes):
            raise ValueError("cn_clearance_minutes and hk_clearance_minutes must list the same control points")
        if min(self.hour_factor) <= 0 or min(self.weekday_factor.values()) <= 0:
            raise ValueError("hour and weekday factors must be positive")
        return self

    def clearance_factor(self, arrived_at: datetime) -> float:
        """Mainland clearance multiplier for a truck arriving at this instant (HK hour and weekday)."""
        local = arrived_at.astimezone(HK_TZ)
        return self.hour_factor[local.hour] * self.weekday_factor[WEEKDAYS[local.weekday()]]


def load_params(path: Path | None = None) -> SimulatorParams:
    source = path or PARAMS_PATH
    with source.open(encoding="utf-8") as fh:
        return SimulatorParams.model_validate(yaml.safe_load(fh))


def _utc(value: Any) -> datetime | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no time zone")
    result: datetime = stamp.tz_convert("UTC").to_pydatetime()
    return result


def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()[:8], "big")


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value) or None


def _event_row(side: str, event_type: str, at: datetime, *, submission_id: str | None, reference: str | None,
               detail: str | None, version: int | None, control_point: str | None, crossing_date: date | None,
               seq: float) -> dict[str, Any]:
    """One EVENTS row, its id computed exactly as the response reader will compute it."""
    at = at.replace(microsecond=0)
    raw = _CODE_OF.get(event_type) if side == "CN" else None
    return {
        "event_id": event_id_for(submission_id=submission_id, reference=reference, side=side,
                                 event_type=event_type, raw_status_code=raw, occurred_at=at, detail=detail,
                                 version=version),
        "submission_id": submission_id, "version": version, "side": side, "event_type": event_type,
        "occurred_at": at, "reference": reference, "raw_status_code": raw, "detail": detail,
        "control_point": control_point, "crossing_date": crossing_date, "_key": (at, seq),
    }


class _Trip:
    """Collects one trip's events; each carries a file-order key (time, sequence)."""

    def __init__(self, submission_id: str, version: int, control_point: str, crossing: datetime) -> None:
        self.submission_id, self.version, self.control_point = submission_id, version, control_point
        self.crossing_date = hk_date(crossing)
        self.rows: list[dict[str, Any]] = []

    def add(self, side: str, event_type: str, at: datetime, *, by_id: bool, reference: str | None = None,
            detail: str | None = None) -> datetime:
        row = _event_row(side, event_type, at, submission_id=self.submission_id if by_id else None,
                         reference=reference, detail=detail, version=self.version,
                         control_point=self.control_point, crossing_date=self.crossing_date,
                         seq=len(self.rows))
        self.rows.append(row)
        occurred: datetime = row["occurred_at"]
        return occurred


@dataclass(frozen=True)
class _Filing:
    """What one trip's events are drawn from: the filing's identity, instants and references."""

    sid: str
    version: int
    control_point: str
    crossing: datetime
    filed_at: datetime
    ccrn: str
    batch: str | None

    @property
    def cn_by_id(self) -> bool:
        """Mainland events quote the submission id only when the ledger knows no trip batch number."""
        return self.batch is None


def _filing(trip: Mapping[str, Any], params: SimulatorParams, salt: str) -> _Filing:
    """The trip's filing, with the defaults a simulated answer needs; fails on a trip customs could not
    answer (a control point without clearance parameters, no expected crossing)."""
    sid = str(trip["submission_id"])
    raw_version = trip.get("version")
    version = 1 if raw_version is None or pd.isna(raw_version) else int(raw_version)
    cp = str(trip["control_point"])
    if cp not in params.cn_clearance_minutes:
        raise ValueError(f"control point {cp!r} of {sid} has no clearance parameters; known: "
                         f"{', '.join(sorted(params.cn_clearance_minutes))}")
    crossing = _utc(trip["expected_crossing_at"])
    if crossing is None:
        raise ValueError(f"submission {sid} has no expected_crossing_at")
    filed_at = _utc(trip.get("filed_at")) or crossing - timedelta(hours=6)
    ccrn = _text(trip.get("ccrn")) or f"SIM{_seed(salt, 'ccrn', sid) % 10**12:012d}"
    return _Filing(sid, version, cp, crossing, filed_at, ccrn, _text(trip.get("cn_trip_batch_no")))


def _trip_events(trip: Mapping[str, Any], params: SimulatorParams, salt: str) -> list[dict[str, Any]]:
    """One trip's events (with their file-order keys), drawn from the trip's own RNG."""
    f = _filing(trip, params, salt)
    rng = np.random.default_rng(_seed(salt, f.sid, str(f.version)))
    u = rng.random(10)  # fixed draw layout: a rate change never reshuffles the other draws
    z = rng.standard_normal(7)
    t = _Trip(f.sid, f.version, f.control_point, f.crossing)
    hk_ack, cn_ack, rejected = _acknowledgements(t, f, params, u, z)
    arrive = f.crossing + params.arrival_delay_minutes.minutes(z[3]) * _MINUTE
    if not rejected:
        arrive = max(arrive, max(hk_ack, cn_ack) + _MINUTE)  # a truck cannot cross before it is accepted
        _crossing(t, f, params, u, z, arrive, export=_text(trip.get("direction")) == "HK_EXPORT")
    rows = _awkward_cases(t.rows, f, params, u, arrive, salt)
    for row in rows:
        row["_trip"] = f.sid  # ties in time keep a trip's rows together, in their sequence
    return rows


def _acknowledgements(t: _Trip, f: _Filing, params: SimulatorParams, u: _Draws,
                      z: _Draws) -> tuple[datetime, datetime, bool]:
    """Both sides' answer to the filing: Hong Kong ACI_ACCEPTED then CCRN_ISSUED (or REJECTED), the
    Mainland 01 (or 03). Returns the two acknowledgement instants and whether either side rejected."""
    hk_rejected, cn_rejected = bool(u[0] < params.rates.hk_reject), bool(u[1] < params.rates.cn_reject)
    hk_ack = f.filed_at + params.acknowledgement_minutes.minutes(z[0]) * _MINUTE
    cn_ack = f.filed_at + params.acknowledgement_minutes.minutes(z[1]) * _MINUTE
    if hk_rejected:
        reason = params.hk_reject_reasons[int(u[8] * len(params.hk_reject_reasons))]
        t.add("HK", "REJECTED", hk_ack, by_id=True, detail=reason)
    else:
        hk_ack = t.add("HK", "ACI_ACCEPTED", hk_ack, by_id=True)
        t.add("HK", "CCRN_ISSUED", hk_ack + params.ccrn_after_ack_minutes.minutes(z[2]) * _MINUTE, by_id=True,
              reference=f.ccrn)
    if cn_rejected:
        reason = params.cn_reject_reasons[int(u[9] * len(params.cn_reject_reasons))]
        t.add("CN", "CN_MANIFEST_REJECTED", cn_ack, by_id=f.cn_by_id, reference=f.batch, detail=reason)
    else:
        t.add("CN", "CN_MANIFEST_ACCEPTED", cn_ack, by_id=f.cn_by_id, reference=f.batch)
    return hk_ack, cn_ack, hk_rejected or cn_rejected


def _crossing(t: _Trip, f: _Filing, params: SimulatorParams, u: _Draws, z: _Draws, arrive: datetime, *,
              export: bool) -> None:
    """The truck's arrival and release on each side, the first side of its direction first."""
    cp, ccrn, batch = f.control_point, f.ccrn, f.batch
    hk_clear = params.hk_clearance_minutes[cp].minutes(z[5]) * _MINUTE
    transit = params.transit_minutes.minutes(z[6]) * _MINUTE
    hk_release = bool(u[2] < params.rates.hk_release)

    def hk_leg(arrived: datetime) -> datetime:
        arrived = t.add("HK", "ARRIVED", arrived, by_id=False, reference=ccrn)
        if hk_release:
            t.add("HK", "RELEASED", arrived + hk_clear, by_id=False, reference=ccrn)
        return arrived + hk_clear

    def cn_leg(arrived: datetime) -> datetime:
        arrived = t.add("CN", "ARRIVED", arrived, by_id=f.cn_by_id, reference=batch)
        clear = params.cn_clearance_minutes[cp].minutes(z[4], params.clearance_factor(arrived))
        return t.add("CN", "CN_RELEASED", arrived + clear * _MINUTE, by_id=f.cn_by_id, reference=batch)

    if export:
        cn_leg(hk_leg(arrive) + transit)
    else:
        hk_leg(cn_leg(arrive) + transit)


def _awkward_cases(rows: list[dict[str, Any]], f: _Filing, params: SimulatorParams, u: _Draws, arrive: datetime,
                   salt: str) -> list[dict[str, Any]]:
    """The trip's rows with the faults real feeds have, each at its rate: the last event written
    first, an event sent twice, an event quoting a reference no filing has."""
    if len(rows) >= 2 and u[5] < params.rates.out_of_order:
        # the trip's last event lands in the file just before the one it follows
        by_time = sorted(rows, key=lambda r: r["_key"])
        last, before = by_time[-1], by_time[-2]
        last["_key"] = (before["_key"][0], before["_key"][1] - 0.5)
    if u[3] < params.rates.duplicate_event:
        dup = dict(rows[int(u[4] * len(rows))])
        dup["_key"] = (dup["_key"][0], dup["_key"][1] + 0.25)
        rows.append(dup)
    if u[6] < params.rates.unknown_reference:
        unknown = _event_row("HK" if u[7] < 0.5 else "CN", "ARRIVED", arrive, submission_id=None,
                             reference=f"SIMX{_seed(salt, 'unknown', f.sid) % 10**12:012d}", detail=None,
                             version=None, control_point=None, crossing_date=None, seq=len(rows))
        rows.append(unknown)
    return rows


def simulate(filed: pd.DataFrame, *, seed_salt: str = "", params_path: Path | None = None,
             until: datetime | None = None) -> pd.DataFrame:
    """Response events (EVENTS columns, in file order) for the filings in ``filed``.

    ``filed`` needs submission_id, control_point, expected_crossing_at (tz-aware) and optionally
    version, direction, filed_at, ccrn, cn_trip_batch_no (as :meth:`transforms.filing.ledger.Ledger.filed`
    returns them). ``until`` drops events after that instant (what customs would have sent by then);
    simulating again later repeats the earlier events with the same ids, which the ledger ignores.
    """
    params = load_params(params_path)
    if until is not None and until.tzinfo is None:
        raise ValueError("until must carry a time zone")
    rows: list[dict[str, Any]] = []
    for trip in filed.to_dict("records"):
        rows.extend(_trip_events({str(k): v for k, v in trip.items()}, params, seed_salt))
    rows.sort(key=lambda r: (r["_key"][0], r["_trip"], r["_key"][1]))
    if until is not None:
        rows = [r for r in rows if r["occurred_at"] <= until]
    return events_frame(rows)


def write_responses(events: pd.DataFrame, out_dir: Path, as_of: datetime) -> list[Path]:
    """Write events as a response CSV ``responses_<yyyymmddHHMM>.csv`` (HK time of ``as_of``).

    The file appears complete or not at all (temporary name, fsync, rename). Times are written in
    Hong Kong time with their offset; Mainland events carry their response code (01/03/11) as the event.
    """
    if as_of.tzinfo is None:
        raise ValueError("as_of must carry a time zone")
    if events.empty:
        return []
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*REQUIRED_FIELDS, *OPTIONAL_FIELDS])
    for rec in events.to_dict("records"):
        version = rec.get("version")
        writer.writerow([
            _text(rec.get("submission_id")) or "", _text(rec.get("reference")) or "", rec["side"],
            _text(rec.get("raw_status_code")) or rec["event_type"],
            pd.Timestamp(rec["occurred_at"]).tz_convert(HK_TZ).isoformat(timespec="seconds"),
            _text(rec.get("detail")) or "", "" if version is None or pd.isna(version) else str(int(version)),
        ])
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"responses_{as_of.astimezone(HK_TZ):%Y%m%d%H%M}.csv"
    write_atomic(target, buffer.getvalue().encode("utf-8"), None)  # hidden temp name, sync, rename
    return [target]


class ResponsesTargetError(ValueError):
    """The responses folder cannot be chosen; the message is one sentence for the user."""


def responses_folder(inbox: Path | None, last_run_inbox: Path | None, *,
                     tracked: Path = TRACKED_SAMPLES) -> Path:
    """Where ``ssdd simulate-responses`` writes: ``<inbox>/_responses`` of ``--inbox`` or else of the inbox
    the last run read, never inside the repository's tracked samples."""
    chosen = inbox if inbox is not None else last_run_inbox
    if chosen is None:
        raise ResponsesTargetError("no run in this workspace recorded its inbox; pass --inbox DIR "
                                   "(the inbox `ssdd run` reads).")
    if chosen.resolve().is_relative_to(tracked.resolve()):
        said = "--inbox names" if inbox is not None else "the last run read"
        raise ResponsesTargetError(
            f"{said} {chosen}, the repository's tracked sample inbox, which simulate-responses never writes into; "
            "copy it (cp -r data/samples/inbox my-inbox), file the copy (ssdd run --inbox my-inbox), "
            "then pass --inbox my-inbox.")
    return chosen / RESPONSES_DIR
