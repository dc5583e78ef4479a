"""The simulator answering in the China Single Window's real shapes: simulate -> receipts in the
client's InBox -> read back -> the same Mainland answer, matched to the filed version."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.writers.mainland import BATCH, mainland_bundle, mainland_ctx
from transforms.devtools.simulator import PARAMS_PATH, simulate, write_responses
from transforms.devtools.simulator_receipts import write_single_window_receipts
from transforms.filing.ledger import Ledger
from transforms.filing.receipts import read_receipts, receipt_index
from transforms.filing.responses import read_responses
from transforms.filing.writers import cn_conveyance, cn_manifest
from transforms.filing.writers.cn_dec import client_seq_no
from transforms.filing.writers.cn_road import serialise_message
from transforms.model.reference import Reference

FORMS = {"dec_form": "Deccus001", "manifest_form": "Rmft"}


@pytest.fixture
def filed_trip(tmp_path: Path) -> Iterator[tuple[Ledger, Path, str, dict[str, str]]]:
    """A HK_IMPORT trip filed with its real road messages (MT2401 + MT4402) and one declaration."""
    bundle, ctx = mainland_bundle(), mainland_ctx(Reference.load())
    ws = tmp_path / "ws"
    outputs: dict[str, str] = {"cn_dec_1": f"outbox/cn/dec/{bundle.submission_id}_v1_dec1.xml"}
    for key, writer in (("cn_manifest", cn_manifest), ("cn_conveyance", cn_conveyance)):
        [(name, tree)] = writer.documents(bundle, ctx)
        outputs[key] = f"outbox/cn/rmft/{name}"
        (ws / outputs[key]).parent.mkdir(parents=True, exist_ok=True)
        (ws / outputs[key]).write_bytes(serialise_message(tree))
    s = bundle.submission
    with Ledger(f"sqlite:///{ws}/ledger.sqlite") as ledger:
        ledger.record_filed(submission_id=bundle.submission_id, version=1, function_code="9", content_hash="h",
                            run_id="r1", as_of=ctx.as_of, trader="acme", carrier_code=s["carrier_code"],
                            trip_ref=s["trip_ref"], direction=s["direction"], control_point=s["control_point"],
                            expected_crossing_at=s["expected_crossing_at"], outputs=outputs, cn_trip_batch_no=BATCH)
        yield ledger, ws, bundle.submission_id, outputs


def _round_trip(ledger: Ledger, ws: Path, params: Path | None = None,
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    filed = ledger.filed()
    simulated = simulate(filed, params_path=params)
    outputs = {(sid, v): out for sid, v, out, _ in ledger.delivered_outputs()}
    rest, paths = write_single_window_receipts(simulated, filed, outputs, ws, ws / "sw", **FORMS)
    index = receipt_index(ledger.delivered_outputs())
    late = pd.Timestamp(simulated["occurred_at"].max()).to_pydatetime()
    events, refused = read_receipts(ws / "sw", tuple(FORMS.values()), index, received_at=late)
    assert refused == []
    return simulated, rest, events, sorted(p.relative_to(ws / "sw").as_posix() for p in paths)


def test_mainland_answers_become_receipts_that_read_back_into_the_same_answer(
        filed_trip: tuple[Ledger, Path, str, dict[str, str]]) -> None:
    ledger, ws, sid, outputs = filed_trip
    simulated, rest, events, written = _round_trip(ledger, ws)
    [answer] = simulated[simulated["event_type"] == "CN_MANIFEST_ACCEPTED"].itertuples()
    road, conveyance = Path(outputs["cn_manifest"]).stem, Path(outputs["cn_conveyance"]).stem
    answered = f"{answer.occurred_at.tz_convert('Asia/Shanghai'):%Y%m%d%H%M%S}000"   # simulated to the second
    patterns = [rf"Deccus001/InBox/Successed_{sid}_v1_dec1_\d{{17}}\.xml",
                rf"Rmft/InBox/Receipt_{road}_\d{{17}}_1\.xml", rf"Rmft/InBox/Receipt_{road}_{answered}_2\.xml",
                rf"Rmft/InBox/Successed_{road}_\d{{17}}\.xml", rf"Rmft/InBox/Successed_{conveyance}_\d{{17}}\.xml"]
    assert len(written) == len(patterns)
    assert all(re.fullmatch(p, w) for p, w in zip(patterns, written, strict=True)), written
    by_type = events.sort_values(["occurred_at", "event_type", "reference"])
    assert [(r.event_type, r.reference, r.submission_id, r.version) for r in by_type.itertuples()] == [
        ("CN_CHANNEL_RECEIVED", f"{road}.xml", sid, 1), ("CN_CHANNEL_RECEIVED", f"{conveyance}.xml", sid, 1),
        ("CN_DEC_STORED", client_seq_no(sid, 1, 1), sid, 1),
        ("CN_SENT_TO_CUSTOMS", BATCH, sid, 1),
        ("CN_MANIFEST_ACCEPTED", "HKTRUCKB0001", sid, 1), ("CN_MANIFEST_ACCEPTED", "HT88017", sid, 1)]
    accepted = events[events["event_type"] == "CN_MANIFEST_ACCEPTED"]
    assert set(accepted["occurred_at"]) == {answer.occurred_at}
    assert set(accepted["detail"]) == {"19000 接受申报,该预配舱单申报报文处理成功"}
    # the receipts replace the simulated Mainland answer; arrival, release and Hong Kong stay in the CSV
    assert "CN_MANIFEST_ACCEPTED" not in set(rest["event_type"])
    assert len(rest) == len(simulated) - 1
    assert {"CN_RELEASED", "ACI_ACCEPTED"} <= set(rest[rest["side"].isin(["CN", "HK"])]["event_type"])
    csv_events, bad = read_responses(ws / "inbox", received_at=answer.occurred_at + timedelta(days=1)) \
        if write_responses(rest, ws / "inbox" / "_responses", answer.occurred_at) else (None, [])
    assert bad == []
    assert csv_events is not None
    ledger.apply_events(pd.concat([csv_events, events], ignore_index=True))
    assert ledger.status(sid) in ("arrived", "released")   # Hong Kong may send no release
    assert "CN_MANIFEST_ACCEPTED" in set(ledger.events(sid)["event_type"])


def test_a_simulated_refusal_is_a_03_receipt_and_rejects_the_trip(
        tmp_path: Path, filed_trip: tuple[Ledger, Path, str, dict[str, str]]) -> None:
    ledger, ws, sid, _ = filed_trip
    raw = yaml.safe_load(PARAMS_PATH.read_text(encoding="utf-8"))
    raw["rates"]["cn_reject"] = 1.0
    raw["cn_reject_reasons"] = ["承运人代码未备案 / carrier code is not registered"]
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    _, _, events, _ = _round_trip(ledger, ws, params)
    refused = events[events["event_type"] == "CN_MANIFEST_REJECTED"]
    assert refused["reference"].tolist() == ["HKTRUCKB0001", "HT88017"]
    assert set(refused["detail"]) == {"99999 承运人代码未备案 / carrier code is not registered"}
    assert set(refused["raw_status_code"]) == {"03"}
    ledger.apply_events(events)
    assert ledger.status(sid) == "rejected"
