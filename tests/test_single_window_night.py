"""A night delivered to the China Single Window client and answered in its real shapes: the sample
inbox's Mainland messages land in the client's OutBoxes byte for byte, the simulator answers with
technical and business receipts and DecImportResponses, and the next night reads them into the ledger."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from flows.cli import app
from transforms.filing.ledger import Ledger

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-25T20:00:00+08:00"
MF_T001 = "812451c5-f99d-58a2-8a54-9e630baaef51"


def test_delivered_night_is_answered_in_the_clients_receipts(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws, client = tmp_path / "inbox", tmp_path / "ws", tmp_path / "client"
    shutil.copytree(REPO / "data" / "samples" / "inbox", inbox)
    sw = {"cn_delivery": "single_window", "single_window_dir": client}
    night = run_flow(inbox, ws, AS_OF, **sw)
    filed = {s.trip_ref: s for s in night.submissions if s.status == "filed"}
    assert sorted(filed) == ["AC-T101", "MF-T001"]

    # every Mainland message of the night, in its form's OutBox, the same bytes as in the outbox
    delivered = {p.relative_to(client).as_posix(): p.read_bytes() for p in sorted(client.rglob("*.xml"))}
    expected = {}
    for sub in filed.values():
        for key, rel in sub.outputs.items():
            if key.startswith("cn_dec_"):
                expected[f"Deccus001/OutBox/{Path(rel).name}"] = (ws / rel).read_bytes()
            elif key.startswith("cn_"):
                expected[f"Rmft/OutBox/{Path(rel).name}"] = (ws / rel).read_bytes()
    assert delivered == expected and len(delivered) == 7   # 3 declarations, 2 manifests, 2 confirmations
    assert sorted(p.name for p in (client / "Rmft").iterdir()) == ["FailBox", "InBox", "OutBox", "SentBox"]

    # the client would move what it sent; the simulator answers in the client's InBoxes
    env = {"SSDD_CN_DELIVERY": "single_window", "SSDD_SINGLE_WINDOW_DIR": str(client)}
    result = CliRunner().invoke(app, ["simulate-responses", "--workspace", str(ws), "--inbox", str(inbox),
                                      "--as-of", "2026-11-26T12:00:00+08:00"], env=env)
    assert result.exit_code == 0, result.output
    inbox_files = sorted(p.name for p in client.glob("*/InBox/*"))
    assert sum(n.startswith("Successed_CN_MT2401_1p0_5345766374655_") for n in inbox_files) == 2
    assert any(n.startswith("Successed_CN_MT4402_1p0_5345766374655_") for n in inbox_files)

    again = run_flow(inbox, ws, "2026-11-26T12:00:00+08:00", **sw)
    assert {s.trip_ref: s.status for s in again.submissions if s.trip_ref != "MF-T002"} == {
        "AC-T101": "unchanged", "MF-T001": "unchanged"}
    with Ledger(ws / "ledger.sqlite") as ledger:
        events = ledger.events(MF_T001)
    cn = events[events["side"] == "CN"]
    sources = set(cn["source"].astype(str))
    assert any(s.startswith("Rmft/InBox/Successed_CN_MT2401_") for s in sources), sources
    assert any(s.startswith("Deccus001/InBox/") for s in sources), sources
    assert {"CN_CHANNEL_RECEIVED", "CN_DEC_STORED"} <= set(cn["event_type"]), set(cn["event_type"])
    # nothing was delivered twice: an unchanged trip's files are not copied again
    assert sorted(p.relative_to(client).as_posix() for p in client.glob("*/OutBox/*")) == sorted(delivered)
