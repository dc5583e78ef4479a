"""Atomic output: a file is visible only when complete and valid; failures leave nothing behind."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import psutil
import pytest

from tests.writers.helpers import dead_writer_temp
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.registry import validate, writer
from transforms.model.bundle import FilingBundle
from transforms.plumbing.atomic import OutputInvalid, sweep_orphan_temps, temp_path, write_atomic


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_valid_document_is_published_without_temp_file(tmp_path: Path, lmc: FilingBundle,
                                                        ctx: WriterContext) -> None:
    w = writer("hk")
    data = w.render(lmc, ctx)
    seen: list[bytes] = []

    def check(b: bytes) -> list[str]:
        seen.append(b)
        return validate("hk", b)

    target = tmp_path / w.filename(lmc)
    write_atomic(target, data, check)
    assert target.read_bytes() == data
    assert seen == [data]                     # validated as read back from the temp file
    assert _listing(tmp_path) == [target.name]


def test_invalid_document_raises_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "x_v1.xml"
    with pytest.raises(OutputInvalid, match=r"x_v1\.xml") as err:
        write_atomic(target, b"<HkFiling xmlns='urn:ssdd:hk-filing:1'/>", partial(validate, "hk"))
    assert "line 1" in err.value.reason
    assert _listing(tmp_path) == []


def test_failed_amendment_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "x_v1.xml"
    target.write_bytes(b"previous")
    with pytest.raises(OutputInvalid):
        write_atomic(target, b"new", lambda b: ["bad"])
    assert target.read_bytes() == b"previous"
    assert _listing(tmp_path) == ["x_v1.xml"]


def test_crash_at_rename_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(src: object, dst: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk gone"):
        write_atomic(tmp_path / "x_v1.xml", b"data", None)
    assert _listing(tmp_path) == []


def test_temp_file_is_hidden_in_the_same_folder_and_names_its_writer(tmp_path: Path) -> None:
    temp = temp_path(tmp_path / "a_v2.xml")
    assert temp.parent == tmp_path
    # Linux: the kernel's start time of this process (proc(5), field 22) in ms since boot
    ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    assert temp.name == f".a_v2.xml.{os.getpid()}-{ticks * 1000 // os.sysconf('SC_CLK_TCK')}.tmp"


def test_a_live_writer_is_still_alive_after_the_clock_is_stepped(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Found as a flaky CI failure: the sweep removed a live run's temp file. psutil's creation time
    adds the boot time, which the kernel derives from the wall clock, so a clock step of a second made
    this very process look like another one with the same pid."""
    live = temp_path(tmp_path / "x_v1.xml")   # the owner tag is taken before the step
    live.write_bytes(b"in progress")
    real_boot_time = psutil._pslinux.boot_time
    monkeypatch.setattr(psutil._pslinux, "boot_time", lambda: real_boot_time() + 1.0)
    assert sweep_orphan_temps([tmp_path]) == []
    assert live.exists()


def test_sweep_removes_the_temp_files_of_dead_writers_only(tmp_path: Path) -> None:
    (tmp_path / "runs" / "r1").mkdir(parents=True)
    dead = dead_writer_temp(tmp_path / "runs" / "r1", "summary.json")
    live = temp_path(tmp_path / "runs" / "r1" / "x.json")  # this process: a run still writing
    live.write_bytes(b"in progress")
    reused = tmp_path / f".y.json.{os.getpid()}-1.tmp"  # this pid, but another process's start time
    reused.write_bytes(b"old")
    untagged = tmp_path / ".z.json.tmp"
    untagged.write_bytes(b"someone else's")
    (tmp_path / "keep.tmp").write_bytes(b"not hidden: not ours")

    removed = sweep_orphan_temps([tmp_path, tmp_path / "missing"])

    assert sorted(removed) == sorted([dead, reused])
    assert live.exists() and untagged.exists() and (tmp_path / "keep.tmp").exists()


def test_sweep_removes_an_untagged_hidden_temp_only_after_a_day(tmp_path: Path) -> None:
    untagged = tmp_path / ".z.json.tmp"
    untagged.write_bytes(b"x")
    now = untagged.stat().st_mtime
    assert sweep_orphan_temps([tmp_path], now=now + 3600) == []
    assert sweep_orphan_temps([tmp_path], now=now + 25 * 3600) == [untagged]
