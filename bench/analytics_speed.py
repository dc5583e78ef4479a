"""Analytics benchmark (not a test): ``.venv/bin/python -m bench.analytics_speed [--events 1000000]``.

Synthesises filings and customs events shaped like the simulator's (about 6.6 events per trip, 40
traders, 6 control points, 60 crossing days), then times what a nightly run and a data team do:

- append the filing tables (submissions, consignments, goods items, transport) to ``analytics/``;
- append the events (target: 1M events under 10 s);
- a re-append of the same events (idempotence check: 0 rows written);
- ``ssdd report`` (target: under 30 s; HTML under 5 MB);
- ``compact``.

Prints wall seconds and peak RSS of each phase (sampled every 20 ms) and writes the figures to
``bench/results/analytics-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil

from transforms.analytics.dataset import append_events, append_tables, compact
from transforms.analytics.report import build_report
from transforms.model.canonical import EVENTS
from transforms.plumbing.personal import hasher

ROOT = Path(__file__).resolve().parents[1]
CONTROL_POINTS = np.array(["LMC", "MKT", "STK", "SBC", "HYW", "HZM"])
CN_MEDIAN = np.array([40, 30, 50, 32, 25, 35], dtype=float)
START = pd.Timestamp("2026-10-01T00:00:00+08:00")


def _measure(name: str, fn: Callable[[], Any], figures: dict[str, Any]) -> Any:
    proc = psutil.Process()
    peak = [proc.memory_info().rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.02)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    stop.set()
    th.join()
    figures[name] = {"seconds": round(seconds, 2), "peak_rss_mib": round(peak[0] / 2**20)}
    print(f"{name:<22} {seconds:7.2f} s   peak RSS {peak[0] / 2**20:7.0f} MiB", flush=True)
    return result


def synthesise(n_events: int, seed: int = 7) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    rng = np.random.default_rng(seed)
    trips = int(n_events / 6.6) + 1
    sid = np.array([f"{i:08x}-0000-5000-8000-{i:012x}" for i in range(trips)], dtype=object)
    cp_idx = rng.integers(0, len(CONTROL_POINTS), trips)
    cp = CONTROL_POINTS[cp_idx]
    crossing = START + pd.to_timedelta(rng.integers(0, 60 * 24 * 60, trips), unit="min")
    filed = crossing - pd.to_timedelta(rng.integers(60, 24 * 60, trips), unit="min")
    traders = np.array([f"trader{t:02d}" for t in rng.integers(0, 40, trips)], dtype=object)
    chapters = rng.choice(np.array(["84", "85", "61", "62", "39", "94", "95", "64", "73", "90"]), trips)
    crossing_date = crossing.tz_convert("Asia/Hong_Kong").date
    subs = pd.DataFrame({"submission_id": sid, "version": 1, "function_code": "9", "direction": "HK_IMPORT",
                         "mode": "3", "control_point": cp, "trip_ref": [f"T{i}" for i in range(trips)],
                         "carrier_code": "CARR01", "expected_crossing_at": crossing, "crossing_date": crossing_date,
                         "created_at": filed, "content_hash": "h"})
    cons = pd.DataFrame({"submission_id": sid, "version": 1, "consignment_seq": 1, "trader": traders,
                         "invoice_no": [f"INV{i}" for i in range(trips)], "total_packages_qty": 10,
                         "total_packages_type": "CT", "package_description": "cartons", "gross_mass_kg": 100.0,
                         "invoice_amount_value": 1000.0, "invoice_amount_currency": "HKD"})
    goods = pd.DataFrame({"submission_id": np.repeat(sid, 2), "version": 1, "consignment_seq": 1,
                          "line_no": np.tile([1, 2], trips), "trader": np.repeat(traders, 2),
                          "invoice_no": "INV", "hs_hk": np.repeat(chapters, 2).astype(object) + "000000",
                          "quantity_value": 1.0, "quantity_unit": "H87", "line_amount_value": 500.0,
                          "line_amount_currency": "HKD", "country_of_origin": "CN"})
    transport = pd.DataFrame({"submission_id": sid, "version": 1, "vehicle_reg_hk": "AB1234",
                              "driver_name": [f"Driver {i % 5000}" for i in range(trips)], "carrier_code": "CARR01"})
    minutes = pd.to_timedelta(1, unit="min")
    hk_ack = filed + rng.lognormal(np.log(3), 1, trips) * minutes
    cn_ack = filed + rng.lognormal(np.log(3), 1, trips) * minutes
    cn_arr = crossing + rng.lognormal(np.log(20), 0.8, trips) * minutes
    cn_rel = cn_arr + rng.lognormal(np.log(CN_MEDIAN[cp_idx]), 0.7, trips) * minutes
    hk_arr = cn_rel + rng.lognormal(np.log(8), 0.6, trips) * minutes
    hk_rel = hk_arr + rng.lognormal(np.log(8), 0.9, trips) * minutes
    released = rng.random(trips) < 0.6
    parts = []
    for side, kind, at, mask in (("HK", "ACI_ACCEPTED", hk_ack, None), ("HK", "CCRN_ISSUED", hk_ack + minutes, None),
                                 ("CN", "CN_MANIFEST_ACCEPTED", cn_ack, None), ("CN", "ARRIVED", cn_arr, None),
                                 ("CN", "CN_RELEASED", cn_rel, None), ("HK", "ARRIVED", hk_arr, None),
                                 ("HK", "RELEASED", hk_rel, released)):
        keep = np.ones(trips, dtype=bool) if mask is None else mask
        parts.append(pd.DataFrame({"submission_id": sid[keep], "version": 1, "side": side, "event_type": kind,
                                   "occurred_at": at[keep], "control_point": cp[keep],
                                   "crossing_date": np.asarray(crossing_date)[keep]}))
    events = pd.concat(parts, ignore_index=True).iloc[:n_events]
    events["event_id"] = [hashlib.sha256(f"{s}|{k}|{t}".encode()).hexdigest() for s, k, t in
                          zip(events["submission_id"], events["event_type"], events["occurred_at"], strict=True)]
    events["source"] = "_responses/bench.csv"
    events["received_at"] = pd.Timestamp("2026-12-01T00:00:00+08:00")
    frames = {"submissions": subs, "consignments": cons, "goods_items": goods, "transport": transport}
    return frames, events[[c for c in EVENTS.names if c in events.columns]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the workspace and print its path")
    args = parser.parse_args()
    figures: dict[str, Any] = {"events": args.events}
    frames, events = _measure("synthesise", lambda: synthesise(args.events), figures)
    figures["trips"] = len(frames["submissions"])
    print(f"{len(events):,} events over {len(frames['submissions']):,} trips", flush=True)
    workspace = Path(tempfile.mkdtemp(prefix="ssdd-analytics-bench-"))
    root = workspace / "analytics"
    pii = hasher("bench-key")
    try:
        _measure("append filing tables", lambda: append_tables(root, frames, "bench-1", pii=pii), figures)
        written = _measure("append events", lambda: append_events(root, events, "bench-2"), figures)
        again = _measure("re-append events", lambda: append_events(root, events, "bench-2"), figures)
        assert written == len(events) and again == 0, (written, again)
        result = _measure("report", lambda: build_report(workspace), figures)
        figures["html_bytes"] = result.html_bytes
        print(f"{'report HTML':<22} {result.html_bytes / 2**20:7.2f} MiB", flush=True)
        files = len(list(root.glob("*/*/*/*.parquet")))
        done = _measure("compact", lambda: compact(root), figures)
        figures["files_before_compact"], figures["files_after_compact"] = files, len(list(root.glob("*/*/*/*.parquet")))
        print(f"{'files':<22} {files} -> {figures['files_after_compact']} ({done.partitions} partitions)")
        figures["process_peak_rss_mib"] = round(psutil.Process().memory_info().rss / 2**20)
    finally:
        if args.keep:
            print(f"workspace kept: {workspace}")
        else:
            shutil.rmtree(workspace, ignore_errors=True)
    out = ROOT / "bench" / "results" / f"analytics-{datetime.now():%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"figures: {out}")


if __name__ == "__main__":
    main()
