"""The one "is a pool worth it" rule every stage asks (transforms.plumbing.runtime), the worker
processes it starts, and the boxes large values travel in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import transforms.plumbing.runtime as runtime
from transforms.ingest.inbox import trader_folders
from transforms.plumbing.runtime import (
    Boxes,
    Handoff,
    Work,
    Workers,
    reading,
    rendering,
    worth_a_pool,
    writing_workbooks,
)

REPO = Path(__file__).resolve().parents[1]


def test_a_pool_is_worth_it_from_one_start_up_of_work() -> None:
    # each stage's own measure, at one start-up's worth and just below it
    assert worth_a_pool(rendering(64), 2) and not worth_a_pool(rendering(63), 2)
    assert worth_a_pool(writing_workbooks(5_000, 2), 2) and not worth_a_pool(writing_workbooks(4_999, 2), 2)
    assert worth_a_pool(Work(10_000_000, runtime.READ_BYTES_PER_START_UP, 2), 2, "local")
    assert not worth_a_pool(Work(9_999_999, runtime.READ_BYTES_PER_START_UP, 2), 2, "local")


def test_a_pool_needs_two_workers_two_pieces_and_the_local_runner() -> None:
    plenty = rendering(250)
    assert worth_a_pool(plenty, 2)
    assert not worth_a_pool(plenty, 1)                          # one process: nothing to gain over this one
    assert not worth_a_pool(writing_workbooks(50_000, 1), 2)    # one workbook is one piece of work
    assert not worth_a_pool(plenty, 2, "dask")                  # a Dask worker may not start processes


def test_reading_counts_the_bytes_of_every_file_of_the_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    (a / "2026" / "11").mkdir(parents=True)
    b.mkdir()
    (a / "2026" / "11" / "export.csv").write_bytes(b"x" * 600)   # files in subfolders count too
    (b / "export.csv").write_bytes(b"x" * 500)
    assert reading([a, b]) == Work(1_100, runtime.READ_BYTES_PER_START_UP, 2)
    monkeypatch.setattr(runtime, "READ_BYTES_PER_START_UP", 1_100)
    assert worth_a_pool(reading([a, b]), 2, "local")
    assert not worth_a_pool(reading([a, b]), 2, "dask")     # Dask's own worker processes read the folders
    assert not worth_a_pool(reading([a]), 2, "local")       # one folder is one piece
    monkeypatch.setattr(runtime, "READ_BYTES_PER_START_UP", 1_101)
    assert not worth_a_pool(reading([a, b]), 2, "local")    # 1,100 bytes in all: reading them here is cheaper


def test_the_sample_inbox_starts_no_pool_at_any_stage() -> None:
    folders = trader_folders(REPO / "data" / "samples" / "inbox")
    assert len(folders) == 2
    assert not worth_a_pool(reading(folders), 2, "local")
    assert not worth_a_pool(rendering(2), 2)                 # its two filed trips
    assert not worth_a_pool(writing_workbooks(40, 2), 2)     # a handful of findings in two files


class _FakePool:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.shut = False

    def shutdown(self) -> None:
        self.shut = True


def test_workers_start_once_for_the_first_work_worth_them_and_stop_after(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[_FakePool] = []

    def fake_pool(workers: int) -> Any:
        started.append(_FakePool(workers))
        return started[-1]

    monkeypatch.setattr(runtime, "process_pool", fake_pool)
    with Workers(4) as workers:
        assert workers.pool_for(rendering(10)) is None       # a small chunk renders here, no pool started
        assert started == []
        first = workers.pool_for(rendering(250))
        assert workers.pool_for(rendering(250)) is first     # the next chunk reuses it
        assert workers.pool_for(rendering(10)) is None       # a small chunk still renders here
    assert len(started) == 1 and started[0].workers == 4 and started[0].shut
    with Workers(4) as workers:
        workers.pool_for(writing_workbooks(9_000, 3))
    assert started[1].workers == 3                           # never more processes than workbooks
    with Workers(4, "dask") as workers:
        assert workers.pool_for(rendering(250)) is None
    assert len(started) == 2


def test_the_fork_server_preloads_every_module_a_pool_runs() -> None:
    """The fork server imports WORKER_MODULES once (names, since the plumbing imports no stage); a
    pool function outside them would import its libraries afresh in every worker."""
    from transforms.filing.quarantine import _render_report
    from transforms.filing.submissions import _render
    from transforms.ingest.folders import ingest_folder

    assert {f.__module__ for f in (ingest_folder, _render, _render_report)} == set(runtime.WORKER_MODULES)


def test_a_released_box_says_its_batch_ended_and_a_kept_box_outlives_it() -> None:
    boxes = Boxes()
    frames, workbooks = boxes.hand({"goods_items": [1, 2]}), boxes.hand(["book"])
    returned = Handoff("checked")
    assert boxes.take(returned) == "checked"
    boxes.keep(workbooks)
    boxes.release()
    assert workbooks.value == ["book"]
    for box in (frames, returned):
        with pytest.raises(RuntimeError, match="released when its batch ended"):
            _ = box.value
