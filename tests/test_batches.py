"""A big night is filed in batches of traders (settings.batch_lines): same filings, same counts,
whole shared trucks."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
from openpyxl import load_workbook

from tests.outbox import slot_free
from transforms.assembly.batches import TraderLoad, plan_batches

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-25T20:00:00+08:00"


def _load(name: str, lines: int, *trips: str) -> TraderLoad:
    return TraderLoad(name, lines, frozenset(trips))


def test_traders_sharing_a_truck_stay_in_one_batch_even_past_the_size() -> None:
    loads = [_load("a", 60, "T1"), _load("b", 60, "T1", "T2"), _load("c", 10, "T2"), _load("d", 50, "T9"),
             _load("e", 40), _load("f", 0)]
    # a-b-c share trucks (130 lines, more than 100): one batch of their own; d, e, f are packed
    assert plan_batches(loads, 100) == [["a", "b", "c"], ["d", "e", "f"]]
    assert plan_batches(loads, 10_000) == [["a", "b", "c", "d", "e", "f"]]
    assert plan_batches(loads, 1) == [["a", "b", "c"], ["d"], ["e"], ["f"]]


def test_the_plan_does_not_depend_on_the_order_traders_arrive_in() -> None:
    loads = [_load(f"t{i:02d}", (i * 37) % 50 + 1, f"trip{i // 3}") for i in range(30)]
    plan = plan_batches(loads, 120)
    assert plan == plan_batches(list(reversed(loads)), 120)
    assert sorted(t for b in plan for t in b) == sorted(t.trader for t in loads)
    size = {t.trader: t.lines for t in loads}
    for batch in plan:
        assert sum(size[t] for t in batch) <= 120 or len({t for t in batch}) == 3   # a trip's three traders
    # every trip group of three is in one batch
    for g in range(10):
        assert len({i for i, b in enumerate(plan) for t in b if int(t[1:]) // 3 == g}) == 1
    assert plan_batches([], 100) == []


def _shared_truck_inbox(tmp_path: Path) -> Path:
    """The sample inbox plus acme_b, whose own invoice rides on acme's truck AC-T101."""
    inbox = tmp_path / "inbox"
    shutil.copytree(REPO / "data" / "samples" / "inbox", inbox)
    b = inbox / "acme_b"
    shutil.copytree(inbox / "acme", b)
    (b / "trader.yaml").write_text((b / "trader.yaml").read_text(encoding="utf-8")
                                   .replace("trader: acme", "trader: acme_b"), encoding="utf-8")
    wb = load_workbook(b / "goods_lines_20261125.xlsx")
    for row in wb.active.iter_rows(min_row=2):
        if row[0].value == "ACME-INV-7001":
            row[0].value = "ACME-B-9001"
            row[-1].value = "HT2611259001"   # its own waybill number (提运单号: unique on the truck)
    wb.save(b / "goods_lines_20261125.xlsx")
    rows = list(csv.reader((b / "trip_plan.csv").read_text(encoding="utf-8-sig").splitlines()))
    rows[1][rows[0].index("invoice_nos")] = "ACME-B-9001"
    with (b / "trip_plan.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return inbox


def _outbox(ws: Path) -> dict[str, bytes]:
    return {p.relative_to(ws).as_posix(): p.read_bytes() for p in sorted((ws / "outbox").rglob("*.xml"))}


def _analytics_rows(ws: Path) -> dict[str, int]:
    root = ws / "analytics"
    return {d.name: ds.dataset(d, format="parquet", partitioning="hive").count_rows()
            for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith((".", "_"))
            and any(d.rglob("*.parquet"))}


def test_a_night_in_batches_files_exactly_what_one_batch_files(tmp_path: Path, run_flow: Any) -> None:
    inbox = _shared_truck_inbox(tmp_path)
    whole = run_flow(inbox, tmp_path / "whole", AS_OF)
    split = run_flow(inbox, tmp_path / "split", AS_OF, batch_lines=1)
    assert (whole.batches, split.batches) == (1, 2)      # [acme, acme_b] share AC-T101; mingfai alone

    shared = next(s for s in split.submissions if s.trip_ref == "AC-T101")
    assert (shared.status, shared.trader, shared.invoices) == ("filed", "acme,acme_b", ["ACME-B-9001",
                                                                                        "ACME-INV-7001"])
    hk = (tmp_path / "split" / shared.outputs["hk"]).read_text(encoding="utf-8")
    assert "ACME-B-9001" in hk and "ACME-INV-7001" in hk

    assert slot_free(tmp_path / "split") == slot_free(tmp_path / "whole")
    # two trips filed, each: single, HK, two declarations (one per consignment: invoice and bill), manifest, conveyance
    assert len(_outbox(tmp_path / "whole")) == 12

    def counts(summary: Any) -> list[tuple[Any, ...]]:
        return sorted((f.path, f.status, f.rows_in, f.rows_filed, f.rows_quarantined, f.rows_ignored,
                       f.rows_pending, f.rows_superseded, f.rows_reference) for f in summary.files)

    assert counts(split) == counts(whole)
    assert all(f.reconciles() for f in split.files if f.status == "read")
    assert sorted((s.trip_ref, s.status, s.reasons) for s in split.submissions) == sorted(
        (s.trip_ref, s.status, s.reasons) for s in whole.submissions)
    assert split.pending == whole.pending == [{"trader": "mingfai", "invoice_no": "XS-2611-004", "lines": 1,
                                               "reason": "no trip plan lists this invoice yet"}]
    # the last batch's workbooks are still rendering when its batch ends: the night collects them
    assert sorted(split.quarantine_reports) == sorted(whole.quarantine_reports) == [
        "quarantine/mingfai/trip_plan.xlsx.errors.xlsx"]
    assert _analytics_rows(tmp_path / "split") == _analytics_rows(tmp_path / "whole")
    assert _analytics_rows(tmp_path / "split")["goods_items"] == 3 + 3 + 3   # MF-T001's 3 lines, AC-T101's 6

    doc = json.loads((tmp_path / "split" / "runs" / split.run_id / "summary.json").read_text(encoding="utf-8"))
    assert doc["batches"] == 2 and doc["goods_lines"] == whole.goods_lines == 11
    # every batch stage is timed once per batch and summed; Data Docs are built once, from all batches
    assert set(doc["timings_s"]) >= {"ingest", "assemble", "check", "file", "analytics", "quarantine"}
    assert split.data_docs is not None and (tmp_path / "split" / split.data_docs).is_file()


def test_a_batch_frames_are_gone_before_the_next_batch_assembles(tmp_path: Path, run_flow: Any,
                                                                  monkeypatch: Any) -> None:
    """Memory follows the batch, not the night: nothing (Prefect included, which keeps every task's
    arguments and result until the flow ends) still holds an earlier batch's frames."""
    import gc
    import weakref

    import flows.tasks as tasks_module

    made: list[weakref.ref[Any]] = []
    alive_at_start: list[int] = []
    real = tasks_module.assemble

    def watched(*args: Any, **kwargs: Any) -> Any:
        gc.collect()
        alive_at_start.append(sum(r() is not None for r in made))
        asm = real(*args, **kwargs)
        made.append(weakref.ref(asm.frames["goods_items"]))
        return asm

    monkeypatch.setattr(tasks_module, "assemble", watched)
    summary = run_flow(_shared_truck_inbox(tmp_path), tmp_path / "ws", AS_OF, batch_lines=1)
    assert summary.batches == 2 and len(made) == 2
    assert alive_at_start == [0, 0]
