"""Proof by injection: an exception injected into one stage for one trader (or one trip) holds only
what it touches. The night completes as ``completed_with_errors`` (exit 4), the other trader's trips
are filed byte for byte as on a clean night, every file reconciles, and the held trader carries the
sentence. Plus the crashes of issue 13 that reached the boundary: a container number failing its ISO
6346 check digit and control characters in seal and trailer numbers.

One flow run per case, each on its own workspace, shared by the module (a run takes 5-10 s)."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.outbox import without_send_time

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
AS_OF = (SAMPLES / "AS_OF").read_text(encoding="utf-8").strip()
AC_T101 = "50dcb661-69cc-546f-875c-a464f472f46e"
MF_T001 = "812451c5-f99d-58a2-8a54-9e630baaef51"


def _raise_for(trader: str, real: Callable[..., Any], seen: Callable[..., bool]) -> Callable[..., Any]:
    def injected(*args: Any, **kwargs: Any) -> Any:
        if seen(*args, **kwargs):
            raise RuntimeError(f"injected fault for {trader}")
        return real(*args, **kwargs)
    return injected


def _has_acme(frames: Any) -> bool:
    cons = frames["consignments"] if isinstance(frames, dict) else None
    return cons is not None and not cons.empty and "acme" in set(cons["trader"].astype(str))


def _inject(stage: str, mp: pytest.MonkeyPatch) -> None:
    """Make ``stage`` raise for acme only (the workbook: for mingfai, the trader that has one)."""
    import expectations
    import expectations.data_docs
    import flows.tasks as tasks_module
    import transforms.filing.quarantine as quarantine
    import transforms.filing.submissions as filing

    if stage == "ingest":
        mp.setattr(tasks_module, "ingest_folder", _raise_for("acme", tasks_module.ingest_folder,
                                                             lambda folder, *a: folder.name == "acme"))
    elif stage == "assemble":
        mp.setattr(tasks_module, "assemble", _raise_for("acme", tasks_module.assemble, lambda inputs, *a, **k: any(
            t.settings.trader == "acme" for t in inputs)))
    elif stage == "check":
        mp.setattr(expectations, "validate", _raise_for("acme", expectations.validate,
                                                        lambda frames, **k: _has_acme(frames)))
    elif stage == "file":
        mp.setattr(filing, "_render_checked", _raise_for("acme", filing._render_checked,
                                                         lambda job: job.bundle.submission["trip_ref"] == "AC-T101"))
    elif stage == "quarantine":
        mp.setattr(tasks_module, "report_jobs", _raise_for("mingfai", tasks_module.report_jobs,
                                                           lambda rows, **k: k["trader"] == "mingfai"))
    elif stage == "lifecycle":
        mp.setattr(quarantine, "record_lifecycle", _raise_for("acme", quarantine.record_lifecycle,
                                                              lambda *a, **k: "acme" in k["trader_of_file"].values()))
    elif stage == "analytics":
        mp.setattr(tasks_module, "OnRecord", _raise_for("acme", tasks_module.OnRecord,
                                                        lambda frames, *a: _has_acme(frames)))
    elif stage == "run_wide":
        mp.setattr(tasks_module, "read_responses", _raise_for("the night", tasks_module.read_responses,
                                                              lambda *a, **k: True))
        mp.setattr(expectations.data_docs, "build_data_docs", _raise_for(
            "the night", expectations.data_docs.build_data_docs, lambda *a, **k: True))


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("inbox") / "inbox"
    shutil.copytree(SAMPLES / "inbox", root)
    (root / "_responses").mkdir()
    return root


@pytest.fixture(scope="module")
def night(prefect_harness: None, inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        Callable[[str], Any]]:
    """night(stage) -> the run summary of the sample inbox with ``stage`` failing (``clean``: none)."""
    from flows.service import bounded_flow
    from transforms.plumbing.settings import Settings

    done: dict[str, Any] = {}

    def run(stage: str, source: Path = inbox) -> Any:
        if stage not in done:
            ws = tmp_path_factory.mktemp(f"ws-{stage}")
            with pytest.MonkeyPatch.context() as mp:
                _inject(stage, mp)
                settings = Settings(inbox=source, workspace=ws, as_of=AS_OF, workers=1)
                summary = bounded_flow(settings)(settings)
            done[stage] = (summary, ws)
        return done[stage]

    yield run


def _sha(ws: Path, summary: Any, trader: str) -> dict[str, str]:
    return {f"{s.trip_ref}/{key}": hashlib.sha256(without_send_time((ws / rel).read_bytes())).hexdigest()
            for s in summary.submissions if trader in s.trader.split(",") and s.status == "filed"
            for key, rel in s.outputs.items()}


def _assert_completed_around(summary: Any, ws: Path, clean: tuple[Any, Path], other: str) -> None:
    from flows.cli_run import exit_code
    from transforms.ops.summary import check_reconciled

    assert summary.status == "completed_with_errors"
    assert exit_code(summary, False) == 4 and exit_code(summary, True) == 4
    assert check_reconciled(summary.files) == []
    assert all(f.reconciles() for f in summary.files if f.status == "read")
    assert (ws / "runs" / summary.run_id / "summary.json").is_file()
    expected = _sha(clean[1], clean[0], other)
    assert expected, "the clean night files the other trader's trips"
    assert _sha(ws, summary, other) == expected
    for error in summary.internal_errors:
        assert error.reason.startswith("internal error while ") and "Traceback" not in error.reason
        assert "; reported as a defect; " in error.reason


def test_a_clean_night_has_no_internal_errors(night: Callable[[str], Any]) -> None:
    summary, _ = night("clean")
    assert summary.status == "completed" and summary.internal_errors == []
    assert {s.submission_id: s.status for s in summary.submissions}[AC_T101] == "filed"


def test_a_trader_folder_that_fails_to_read_refuses_its_files_only(night: Callable[[str], Any]) -> None:
    summary, ws = night("ingest")
    _assert_completed_around(summary, ws, night("clean"), "mingfai")
    acme = [f for f in summary.files if f.trader == "acme"]
    assert acme and {f.status for f in acme} == {"refused"}
    assert acme[0].reason == ("internal error while reading trader acme: RuntimeError: injected fault for acme; "
                              "reported as a defect; its files wait for the next run and the other traders were filed.")
    assert [(e.stage, e.trader) for e in summary.internal_errors] == [("ingest", "acme")]


def test_assembly_failing_for_one_trader_holds_its_rows(night: Callable[[str], Any]) -> None:
    summary, ws = night("assemble")
    _assert_completed_around(summary, ws, night("clean"), "mingfai")
    lines = next(f for f in summary.files if f.path == "acme/goods_lines_20261125.xlsx")
    assert lines.status == "read" and lines.rows_filed == 0 and lines.rows_quarantined == lines.rows_in - \
        lines.rows_ignored > 0
    assert lines.reason == ("internal error while assembling trader acme: RuntimeError: injected fault for acme; "
                            "reported as a defect; its rows are held and the other traders were filed.")
    assert AC_T101 not in {s.submission_id for s in summary.submissions}
    assert [(e.stage, e.trader) for e in summary.internal_errors] == [("assemble", "acme")]


def test_checks_failing_for_one_trader_hold_its_trips(night: Callable[[str], Any]) -> None:
    summary, ws = night("check")
    _assert_completed_around(summary, ws, night("clean"), "mingfai")
    trip = next(s for s in summary.submissions if s.submission_id == AC_T101)
    reason = ("internal error while checking trip AC-T101 of trader acme: RuntimeError: injected fault for acme; "
              "reported as a defect; the trip is held and the other traders were filed.")
    assert trip.status == "held" and trip.reasons == [reason]
    assert [(e.stage, e.trader, e.trip_ref, e.submission_id, e.reason) for e in summary.internal_errors] == [
        ("check", "acme", "AC-T101", AC_T101, reason)]
    lines = next(f for f in summary.files if f.path == "acme/goods_lines_20261125.xlsx")
    assert lines.rows_filed == 0 and lines.rows_quarantined > 0


def test_filing_failing_for_one_trip_holds_that_trip_only(night: Callable[[str], Any]) -> None:
    summary, ws = night("file")
    _assert_completed_around(summary, ws, night("clean"), "mingfai")
    trip = next(s for s in summary.submissions if s.submission_id == AC_T101)
    assert trip.status == "held" and trip.outputs == {}
    assert trip.reasons == ["internal error while filing trip AC-T101 of trader acme: RuntimeError: injected fault "
                            "for acme; reported as a defect; the trip is held and the other trips were filed."]
    assert [(e.stage, e.trip_ref) for e in summary.internal_errors] == [("file", "AC-T101")]
    assert not list((ws / "outbox" / "single").glob(f"{AC_T101}_*"))


def test_a_workbook_that_cannot_be_written_loses_only_that_traders_workbook(night: Callable[[str], Any]) -> None:
    summary, ws = night("quarantine")
    _assert_completed_around(summary, ws, night("clean"), "acme")
    assert [(e.stage, e.trader) for e in summary.internal_errors] == [("quarantine", "mingfai")]
    assert summary.quarantine_reports == []
    # what the workbook would have told is still on the trips
    assert any(s.status == "held" and s.reasons for s in summary.submissions if s.trader == "mingfai")


def test_the_quarantine_items_of_one_trader_failing_keep_the_others(night: Callable[[str], Any]) -> None:
    summary, ws = night("lifecycle")
    _assert_completed_around(summary, ws, night("clean"), "mingfai")
    assert [(e.stage, e.trader) for e in summary.internal_errors] == [("lifecycle", "acme")]
    from transforms.filing.ledger import Ledger

    with Ledger(f"sqlite:///{ws / 'ledger.sqlite'}") as ledger:
        open_items = ledger.quarantine_list("open")
    assert set(open_items["trader"]) == {"mingfai"}


def test_the_analytics_of_one_trader_failing_keep_the_others(night: Callable[[str], Any]) -> None:
    import pyarrow.dataset as ds

    summary, ws = night("analytics")
    _assert_completed_around(summary, ws, night("clean"), "mingfai")
    assert [(e.stage, e.trader) for e in summary.internal_errors] == [("analytics", "acme")]
    appended = set(ds.dataset(ws / "analytics" / "submissions", partitioning="hive").to_table(
        columns=["submission_id"]).column("submission_id").to_pylist())
    assert MF_T001 in appended and AC_T101 not in appended


def test_responses_and_data_docs_failing_leave_every_filing(night: Callable[[str], Any]) -> None:
    summary, ws = night("run_wide")
    _assert_completed_around(summary, ws, night("clean"), "mingfai")
    _assert_completed_around(summary, ws, night("clean"), "acme")
    assert [e.stage for e in summary.internal_errors] == ["responses", "data_docs"]
    assert summary.responses == {} and summary.data_docs is None


def test_the_cli_exits_4_and_prints_one_sentence_per_internal_error(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import flows.env
    import flows.service
    from flows.cli import app
    from transforms.model import faults
    from transforms.ops.summary import RunSummary

    error = faults.fault("check", KeyError("invoice_no"), trader="acme", trip_ref="AC-T101")
    summary = RunSummary("20261125T200000-ab", AS_OF, "completed_with_errors", [], [], internal_errors=[error])
    monkeypatch.setattr(flows.env, "boot", lambda *a, **k: tmp_path / "ssdd.jsonl")
    monkeypatch.setattr(flows.service, "file_inbox", lambda settings: summary)
    (tmp_path / "inbox").mkdir()
    result = CliRunner().invoke(app, ["run", "--inbox", str(tmp_path / "inbox"), "--workspace",
                                      str(tmp_path / "ws"), "--as-of", AS_OF])
    assert result.exit_code == 4, result.output
    assert f"internal error {error.reason}" in " ".join(result.output.split())
    assert "Traceback" not in result.output


# -- the crashes of issue 13 that reached the boundary -------------------------------------------------

def _mutated(tmp_path: Path, old: str, new: str) -> Path:
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES / "inbox", inbox)
    plan = inbox / "acme" / "trip_plan.csv"
    text = plan.read_text(encoding="utf-8-sig")
    assert old in text
    plan.write_text(text.replace(old, new), encoding="utf-8-sig")
    return inbox


def test_a_container_number_failing_iso_6346_holds_its_trip_and_points_to_the_trip_plan(
        tmp_path: Path, run_flow: Any) -> None:
    inbox = _mutated(tmp_path, "TR-7788,,SL120034", "TR-7788,MSKU1234566,SL120034")
    summary = run_flow(inbox, tmp_path / "ws", AS_OF)
    assert summary.status == "completed" and summary.internal_errors == []
    trip = next(s for s in summary.submissions if s.submission_id == AC_T101)
    assert trip.status == "held"
    assert trip.reasons == ["acme/trip_plan.csv row 2, column container_no: container_no 'MSKU1234566' fails the "
                            "ISO 6346 check digit."]
    assert "quarantine/acme/trip_plan.csv.errors.xlsx" in summary.quarantine_reports
    assert next(s for s in summary.submissions if s.submission_id == MF_T001).status == "filed"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")   # the half-written workbook
def test_control_characters_in_seal_and_trailer_numbers_hold_the_trip_with_their_cells(
        tmp_path: Path, run_flow: Any) -> None:
    inbox = _mutated(tmp_path, "TR-7788,,SL120034", "TR-77\x0788,,SL12\x1b0034")
    summary = run_flow(inbox, tmp_path / "ws", AS_OF)
    # the workbook of held rows with control characters is another part of issue 13; the quarantine
    # items (the ledger's item-id path that crashed) and every filing must stand
    assert [e for e in summary.internal_errors if e.stage != "quarantine"] == []
    trip = next(s for s in summary.submissions if s.submission_id == AC_T101)
    assert trip.status == "held" and sorted(trip.reasons) == [
        "acme/trip_plan.csv row 2, column seal_no: seal_id SL12\\u001b0034 contains a control character or a "
        "character XML 1.0 forbids.",
        "acme/trip_plan.csv row 2, column trailer_no: trailer_id TR-77\\u000788 contains a control character or a "
        "character XML 1.0 forbids."]
    assert next(s for s in summary.submissions if s.submission_id == MF_T001).status == "filed"


def test_the_traders_checked_apart_keep_their_findings_on_the_item_master(
        prefect_harness: None, tmp_path: Path) -> None:
    """When the checks fail for acme, mingfai is checked on its own share of the batch; a finding on a
    value its item master supplied still names the item master's cell, as on a night without a fault."""
    from openpyxl import load_workbook

    from flows.service import bounded_flow
    from transforms.plumbing.settings import Settings

    source = tmp_path / "inbox"
    shutil.copytree(SAMPLES / "inbox", source)
    master = source / "mingfai" / "item_master.xlsx"
    wb = load_workbook(master)
    sheet = wb.active
    assert sheet is not None
    sheet.cell(2, [c.value for c in sheet[1]].index("hs_hk") + 1).value = "8471.30"
    wb.save(master)
    with pytest.MonkeyPatch.context() as mp:
        _inject("check", mp)
        settings = Settings(inbox=source, workspace=tmp_path / "ws", as_of=AS_OF, workers=1)
        summary = bounded_flow(settings)(settings)
    assert [(e.stage, e.trader) for e in summary.internal_errors] == [("check", "acme")]
    held = next(s for s in summary.submissions if s.submission_id == MF_T001)
    assert held.status == "held"
    assert held.reasons == [
        "mingfai/item_master.xlsx (sheet 物料) row 2, column hs_hk: hs_hk '8471.30' must be 8 digits (HKHS)."]
    assert (tmp_path / "ws" / "quarantine" / "mingfai" / "item_master.xlsx.errors.xlsx").is_file()
