"""Every file of the real-world corpus is either read or refused with a one-line reason.

Files the corpus README marks 'must fail cleanly' must be refused; every other file must be read.
The only exception is decided by design and listed in REFUSED_BY_DESIGN with the reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.readers.readers_corpus import CORPUS, WALKED_FOLDERS, corpus_or_fail, must_fail_cleanly
from transforms.ingest.readers import RawWorkbook, ReadRefused, read_file

#: Corpus files we refuse although the README does not mark them, with the words the reason must
#: contain. A bare BIFF2-4 stream (Excel 2.x-4.x, before 1997) needs a reader of its own that no
#: project dependency provides (xlrd is not one); the file is refused with a re-save instruction.
REFUSED_BY_DESIGN: dict[str, str] = {}

#: The files the README names as broken on purpose: the README parse must keep finding them.
KNOWN_BROKEN = {
    "spreadsheets/calamine/pass_protected.xlsx",
    "spreadsheets/calamine/too_small.xls",
    "spreadsheets/openpyxl/null_archive.xlsx",
    "spreadsheets/python-calamine/empty_file.xlsx",
    "spreadsheets/python-calamine/password.xls",
}

SECONDS_PER_FILE = 20
_MISSING = "<corpus missing>"


def _corpus_files() -> list[str]:
    if not (CORPUS / "README.md").is_file():
        return [_MISSING]  # collected as one case that fails with a clear message
    return sorted(
        path.relative_to(CORPUS).as_posix()
        for folder in WALKED_FOLDERS
        for path in (CORPUS / folder).rglob("*")
        if path.is_file()
    )


def test_readme_marks_the_known_broken_files(corpus: Path) -> None:
    marked = must_fail_cleanly(corpus / "README.md")
    assert marked >= KNOWN_BROKEN, f"README parse lost files marked 'must fail cleanly': {KNOWN_BROKEN - marked}"
    for relative in marked:
        assert (corpus / relative).is_file(), f"README marks {relative} but the file is not in the corpus"


def test_walk_covers_every_folder(corpus: Path) -> None:
    files = _corpus_files()
    for folder in WALKED_FOLDERS:
        assert any(f.startswith(folder + "/") for f in files), f"no files found under {corpus / folder}"


def _assert_one_line_reason(reason: str, path: Path) -> None:
    assert "\n" not in reason and "\r" not in reason, f"reason spans lines: {reason!r}"
    assert path.name in reason, f"reason does not name the file: {reason!r}"
    assert reason.endswith("."), f"reason is not a sentence: {reason!r}"
    assert "Traceback" not in reason and len(reason) < 500, f"reason is not a short sentence: {reason!r}"


@pytest.mark.timeout(SECONDS_PER_FILE)
@pytest.mark.parametrize("relative", _corpus_files())
def test_corpus_file_is_read_or_refused_cleanly(relative: str) -> None:
    corpus = corpus_or_fail()
    path = corpus / relative
    broken = must_fail_cleanly(corpus / "README.md")
    try:
        workbook = read_file(path)
    except ReadRefused as refused:
        _assert_one_line_reason(refused.reason, path)
        if relative in REFUSED_BY_DESIGN:
            assert REFUSED_BY_DESIGN[relative] in refused.reason
            return
        assert relative in broken, f"{relative} must be read but was refused: {refused.reason}"
        return
    assert relative not in broken, f"{relative} is marked 'must fail cleanly' but was read"
    assert relative not in REFUSED_BY_DESIGN, f"{relative} was expected to be refused"
    assert isinstance(workbook, RawWorkbook)
    assert workbook.size == path.stat().st_size and len(workbook.sha256) == 64
    for sheet in workbook.sheets:
        assert len(sheet.rows) == len(sheet.row_numbers)
        assert sheet.row_numbers == sorted(set(sheet.row_numbers)), "row numbers must rise strictly"
        widths = {len(row) for row in sheet.rows}
        assert len(widths) <= 1, f"sheet {sheet.name!r} rows are not rectangular: {widths}"
        for row in sheet.rows:
            assert any(cell is not None for cell in row), "empty rows are left out"
            assert all(cell is None or (isinstance(cell, str) and cell) for cell in row)


def test_bare_biff4_stream_is_read_with_exact_values(corpus: Path) -> None:
    from transforms.ingest.readers import read_file

    wb = read_file(corpus / "spreadsheets" / "xlrd" / "biff4_no_format_no_window2.xls")
    assert wb.container == "biff"
    sheet = wb.sheets[0]
    assert sheet.rows[0] == ["ID", "TOTAL", "MAIN", "SUB"]
    assert sheet.rows[1][:3] == ["A", "DOG & CAT PRODUCTS", "Dog & Cat Product"]
    assert sheet.row_numbers[:2] == [1, 2]
