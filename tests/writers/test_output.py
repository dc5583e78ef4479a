"""Atomic output: a file is visible only when complete and valid; failures leave nothing behind."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import pytest

from transforms.bundle import FilingBundle
from transforms.writers.context import WriterContext
from transforms.writers.output import OutputInvalid, temp_path, write_atomic
from transforms.writers.registry import writer
from transforms.writers.schemas import validate


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
        write_atomic(target, b"<CnFiling xmlns='urn:ssdd:cn-filing:1'/>", partial(validate, "cn"))
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


def test_stale_temp_file_from_a_crash_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / "x_v1.xml"
    temp_path(target).write_bytes(b"half a docu")
    write_atomic(target, b"whole document", None)
    assert target.read_bytes() == b"whole document"
    assert _listing(tmp_path) == ["x_v1.xml"]


def test_temp_file_is_hidden_in_the_same_folder(tmp_path: Path) -> None:
    assert temp_path(tmp_path / "a_v2.xml") == tmp_path / ".a_v2.xml.tmp"
