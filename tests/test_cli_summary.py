"""What `ssdd run` prints at the end of a big night: every file, and the first trips and notices."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

import flows.cli_run as cli
from transforms.ops.summary import RunSummary, SubmissionEntry


def _summary(filed: int, held: int) -> RunSummary:
    trips = [SubmissionEntry(f"S{i:05d}", "T1", f"TR{i:05d}", "CN_TO_HK", "LMC", "filed", 1, [f"INV{i}"])
             for i in range(filed)]
    trips += [SubmissionEntry(f"H{i:05d}", "T1", f"HT{i:05d}", "CN_TO_HK", "LMC", "held", 0, [f"HINV{i}"],
                              reasons=[f"reason {i}"]) for i in range(held)]
    return RunSummary(run_id="R1", as_of="2026-11-25T20:00:00+08:00", status="completed", files=[],
                      submissions=trips)


def _printed(monkeypatch: pytest.MonkeyPatch, summary: RunSummary, limit: int) -> str:
    console = Console(width=300, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    monkeypatch.setattr(cli, "console", console)
    cli.print_summary(summary, Path("/ws"), limit=limit)
    return console.export_text()


def test_a_big_night_shows_held_trips_first_and_counts_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _printed(monkeypatch, _summary(filed=100, held=5), limit=10)
    lines = text.splitlines()
    rows = [ln for ln in lines if "CN_TO_HK" in ln]
    assert len(rows) == 10
    assert all(" held " in r for r in rows[:5]) and all(" filed " in r for r in rows[5:])
    assert ("… 95 more trips not shown, 105 in all (filed 100, held 5); every one is in /ws/runs/R1/summary.json "
            "(--show 0 prints all).") in lines
    assert [ln for ln in lines if ln.startswith("held ")] == [f"held HT{i:05d}: reason {i}" for i in range(5)]
    assert not any("more held reasons" in ln for ln in lines)


def test_show_zero_prints_every_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _printed(monkeypatch, _summary(filed=100, held=5), limit=0)
    assert sum("CN_TO_HK" in ln for ln in text.splitlines()) == 105
    assert "more trips" not in text
