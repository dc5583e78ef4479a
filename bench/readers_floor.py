"""How far ``read_file`` sits above the bare engines it is built on. Not a test: prints figures.

    .venv/bin/python bench/readers_floor.py [--rows 100000] [--csv-rows 1000000] [--repeat 5]

* xlsx: a generated ``rows`` x 15 workbook (strings, dates, integers, decimals, a sparse column),
  once as a streaming writer leaves it (no ``<dimension>``: read_file then bounds the used range
  with a byte scan) and once with the ``<dimension>`` Excel writes. The floor is
  ``python_calamine.load_workbook(path).get_sheet_by_index(0).to_python()``.
* csv: a generated ``csv-rows`` x 15 UTF-8 file (header included); the floor is ``csv.reader`` over the decoded text.

Runs are interleaved and the best of ``repeat`` is reported, so other load on the machine
distorts both sides alike.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import python_calamine

from transforms.ingest.readers import read_file

COLUMNS = 15


def _line(index: int, rng: random.Random) -> list[object]:
    return [
        f"INV{index:07d}",
        dt.date(2026, 1, 1) + dt.timedelta(days=index % 300),
        f"SKU-{index % 977}",
        "Widget description text",
        index % 50 + 1,
        round(rng.random() * 1000, 2),
        round(rng.random() * 100000, 2),
        "USD",
        "CN",
        8471300000 + index % 100,
        12.5,
        10.25,
        index % 7,
        "CTN",
        None if index % 3 else "note",
    ]


def write_xlsx(path: Path, rows: int) -> None:
    rng = random.Random(1)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    sheet.append([f"col{i}" for i in range(COLUMNS)])
    for index in range(rows):
        sheet.append(_line(index, rng))
    book.save(path)


def with_dimension(source: Path, target: Path, rows: int) -> None:
    """The same workbook with the ``<dimension>`` element Excel would have written."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                at = data.index(b"<sheetViews>")
                data = data[:at] + f'<dimension ref="A1:O{rows + 1}"/>'.encode() + data[at:]
            dst.writestr(info, data)


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(2)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"col{i}" for i in range(COLUMNS)])
        for index in range(rows - 1):  # the header is a row too: `rows` in all
            writer.writerow(["" if v is None else v for v in _line(index, rng)])


def best_of(repeat: int, *runs: Callable[[], object]) -> list[tuple[float, float]]:
    """Best wall-clock and best CPU seconds (all threads of this process) of each run."""
    wall = [float("inf")] * len(runs)
    cpu = [float("inf")] * len(runs)
    for _ in range(repeat):
        for slot, run in enumerate(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            run()
            wall[slot] = min(wall[slot], time.perf_counter() - started)
            cpu[slot] = min(cpu[slot], time.process_time() - started_cpu)
    return list(zip(wall, cpu, strict=True))


def _report(label: str, rows: int, floor_name: str, floor: tuple[float, float], ours: tuple[float, float]) -> None:
    print(
        f"{label:26} {rows:>9,} rows: {floor_name} {floor[0]:6.3f}s (cpu {floor[1]:6.3f}s)  "
        f"read_file {ours[0]:6.3f}s (cpu {ours[1]:6.3f}s)  ratio {ours[0] / floor[0]:4.2f} "
        f"(cpu {ours[1] / floor[1]:4.2f})  {rows / ours[0]:,.0f} rows/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        streamed, dimensioned, text = Path(folder, "s.xlsx"), Path(folder, "d.xlsx"), Path(folder, "t.csv")
        write_xlsx(streamed, args.rows)
        with_dimension(streamed, dimensioned, args.rows)
        write_csv(text, args.csv_rows)

        for label, path in (("xlsx without <dimension>", streamed), ("xlsx with <dimension>", dimensioned)):
            floor, ours = best_of(
                args.repeat,
                lambda p=path: python_calamine.load_workbook(p).get_sheet_by_index(0).to_python(),
                lambda p=path: read_file(p),
            )
            _report(label, args.rows, "calamine floor", floor, ours)

        def bare_csv() -> None:
            rows = list(csv.reader(io.StringIO(text.read_text(encoding="utf-8"), newline="")))
            del rows

        floor, ours = best_of(max(1, args.repeat // 2), bare_csv, lambda: read_file(text))
        _report("csv (utf-8, comma)", args.csv_rows, "csv.reader floor", floor, ours)


if __name__ == "__main__":
    main()
