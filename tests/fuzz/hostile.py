"""Hostile single-cell mutations of a clean inbox, and the checks a night must pass after them.

The clean inbox has one trader per source family (``transforms.devtools.benchgen``: Kingdee GB18030 CSV,
Yonyou xlsx, SAP CSV and xlsx, Hong Kong Big5-HKSCS CSV, the canonical xlsx), each with its own
carrier, trip plan and item master, so no truck is shared between traders. A *mutant* is a copy of
one family's trader under another folder name and carrier code, with exactly one cell of one of its
files (the commercial export, the trip plan or the item master) replaced by a hostile value. One
night carries the untouched traders (the controls) and several mutants; the controls must be filed
byte-identically to a night without mutants, and every mutant must end filed, held with a sentence,
pending with a reason or refused with a sentence, never taking the night down.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.outbox import without_send_time
from transforms.devtools.benchgen import FAMILIES, write_bench_inbox

#: the night every fuzz run files (the sample inbox's as-of)
AS_OF = "2026-11-25T20:00:00+08:00"
#: goods lines of the clean inbox: 20 per trader, two invoices each (SAP: two trips of one)
CLEAN_LINES = 20 * len(FAMILIES)

#: hostile values the issue names, as text (CSV cells and xlsx strings)
HOSTILE_TEXT: tuple[str, ...] = (
    "", " ", "   \t ", "\x00", "\x07bell", "a\x1bb", "line\nbreak", "cr\rcell", "📦🚚", "\u202eevil",
    "=HYPERLINK(\"http://x\",\"y\")", "+1", "-1", "@SUM(A1)", "=1+1", "NaN", "nan", "Infinity", "-Infinity", "inf",
    "1e308", "-1e308", "1e-400", "-5", "0", "-0", "99999999999999999999999", "2026-02-30", "0000-00-00",
    "9999-12-31", "31/31/2026", "0850925", "10407", "2958466", "2958467", "ABCDEFGHIJ", "８４７１３０００００", "中文",
    "None", "null", "\ufeff", '"', "'", ",;|", "1,2,3", "1.2.3", "--", "#N/A", "#REF!", "TRUE", "½", "٣", "²",
)
#: hostile typed values for xlsx cells (what an ERP's spreadsheet writer may put in a cell)
HOSTILE_TYPED: tuple[Any, ...] = (
    float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 0, -1, 0.0000001, 2958466, 2958467, 10 ** 20,
    True, False, dt.datetime(1900, 1, 1), dt.datetime(9999, 12, 31), dt.date(1, 1, 1), dt.time(23, 59),
)


def hostile_values() -> st.SearchStrategy[Any]:
    """The named hostile values, plus whatever Hypothesis makes of short arbitrary text."""
    # 100k characters built by a map, so Hypothesis never has to repr a 100 kB example
    long_text = st.integers(min_value=100_000, max_value=100_000).map(lambda n: "A" * n)
    return st.one_of(st.sampled_from(HOSTILE_TEXT), st.sampled_from(HOSTILE_TYPED), long_text, st.text(max_size=40))


@dataclass(frozen=True)
class Mutation:
    family: str          # which family's trader is copied
    target: str          # "commercial", "trip_plan" or "item_master"
    row: int             # 0 = header row, then data rows (taken modulo the file's rows)
    col: int             # taken modulo the row's width
    value: Any

    def __repr__(self) -> str:   # readable in Hypothesis' falsifying example
        long = isinstance(self.value, str) and len(self.value) >= 60
        v = f"{self.value[:20]}…×{len(self.value)}" if long else self.value
        return f"Mutation({self.family}/{self.target} r{self.row} c{self.col} = {v!r})"


def mutations(targets: tuple[str, ...], families: tuple[str, ...] = FAMILIES) -> st.SearchStrategy[Mutation]:
    return st.builds(Mutation, family=st.sampled_from(families), target=st.sampled_from(targets),
                     # the header row now and then; data rows mostly
                     row=st.one_of(st.just(0), st.integers(min_value=1, max_value=40)),
                     col=st.integers(min_value=0, max_value=25), value=hostile_values())


def clean_inbox(root: Path) -> Path:
    write_bench_inbox(root, CLEAN_LINES, seed=7, bad_share=0.0)
    (root / "MANIFEST.yaml").unlink()
    return root


def trader_of(inbox: Path, family: str) -> Path:
    return next(p for p in sorted(inbox.iterdir()) if p.is_dir() and p.name.endswith(family.split("_")[0])
                and _family_of(p) == family)


def _family_of(folder: Path) -> str:
    # benchgen names traders t<NNN>_<family prefix>; the profile in trader.yaml tells sap_csv from sap_xlsx
    exports = sorted(folder.glob("export_*"))
    prefix = folder.name.split("_", 1)[1]
    for f in FAMILIES:
        if f.startswith(prefix) and exports and exports[0].suffix == "." + f.rsplit("_", 1)[1]:
            return f
    return ""


def add_mutant(inbox: Path, k: int, m: Mutation) -> str:
    """Copy ``m.family``'s trader to ``mut<k>_<family>`` with its own carrier, then mutate one cell."""
    src = trader_of(inbox, m.family)
    name = f"mut{k:02d}_{m.family}"
    dst = inbox / name
    shutil.copytree(src, dst)
    yaml_path = dst / "trader.yaml"
    yaml_path.write_text(re.sub(r"(?m)^trader: .*$", f"trader: {name}", yaml_path.read_text(encoding="utf-8")),
                         encoding="utf-8")
    _set_csv_column(dst / "trip_plan.csv", "carrier_code", f"MUT{k:02d}")
    target = {"commercial": sorted(dst.glob("export_*"))[0], "trip_plan": dst / "trip_plan.csv",
              "item_master": dst / "item_master.csv"}[m.target]
    if target.suffix == ".xlsx":
        _mutate_xlsx(target, m.row, m.col, m.value)
    else:
        _mutate_csv(target, m.row, m.col, m.value)
    return name


def _csv_dialect(path: Path) -> tuple[str, str]:
    head = path.read_bytes()[:4]
    # benchgen writes BOM-marked UTF-8, except the Kingdee (GB18030) and Hong Kong (Big5-HKSCS) exports
    enc = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "big5hkscs" if "hk_" in path.parent.name else "gb18030"
    text = path.read_bytes().decode(enc)
    first = text.splitlines()[0] if text else ""
    return enc, ";" if first.count(";") > first.count(",") else ","


def _read_csv(path: Path) -> tuple[list[list[str]], str, str]:
    enc, delim = _csv_dialect(path)
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(enc), newline=""), delimiter=delim))
    return rows, enc, delim


def _write_csv_rows(path: Path, rows: list[list[str]], enc: str, delim: str, raw_cell: tuple[int, int] | None = None
                    ) -> None:
    """Write rows in the file's own encoding; a cell that encoding cannot carry goes in as UTF-8
    bytes (a file of mixed encodings is a hostile input too)."""
    out = bytearray("\ufeff".encode() if enc == "utf-8-sig" else b"")
    codec = "utf-8" if enc == "utf-8-sig" else enc
    for r, row in enumerate(rows):
        cells = []
        for c, cell in enumerate(row):
            buf = io.StringIO()
            csv.writer(buf, delimiter=delim, lineterminator="").writerow([cell])
            text = buf.getvalue()
            try:
                cells.append(text.encode(codec))
            except UnicodeEncodeError:
                if raw_cell != (r, c):
                    raise
                cells.append(text.encode("utf-8", errors="surrogatepass"))
        out += delim.encode(codec).join(cells) + b"\r\n"
    path.write_bytes(bytes(out))


def _set_csv_column(path: Path, column: str, value: str) -> None:
    rows, enc, delim = _read_csv(path)
    i = rows[0].index(column)
    for row in rows[1:]:
        if len(row) > i and row[i]:
            row[i] = value
    _write_csv_rows(path, rows, enc, delim)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _mutate_csv(path: Path, row: int, col: int, value: Any) -> None:
    rows, enc, delim = _read_csv(path)
    r = row % len(rows)
    c = col % max(1, len(rows[r]))
    while len(rows[r]) <= c:
        rows[r].append("")
    rows[r][c] = _as_text(value)
    _write_csv_rows(path, rows, enc, delim, raw_cell=(r, c))


_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _mutate_xlsx(path: Path, row: int, col: int, value: Any) -> None:
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    r = row % ws.max_row + 1
    c = col % ws.max_column + 1
    if isinstance(value, str):
        # how Excel stores control characters in a shared string (ECMA-376 ST_Xstring escaping)
        value = _ILLEGAL_XLSX.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    try:
        ws.cell(row=r, column=c).value = value
    except (ValueError, TypeError):
        ws.cell(row=r, column=c).value = _as_text(value)
    wb.save(path)


# ---------------------------------------------------------------- what a night must look like after


def outputs_by_trader(workspace: Path, summary: dict[str, Any]) -> dict[str, dict[str, str]]:
    """sha256 of every output file of every trip, per trader (a trip's outputs by their key)."""
    out: dict[str, dict[str, str]] = {}
    for s in summary["submissions"]:
        files = out.setdefault(s["trader"], {})
        for key, rel in sorted(s.get("outputs", {}).items()):
            for i, one in enumerate(rel if isinstance(rel, list) else [rel]):
                # mutant traders' trips shift the controls' SendTime slots; every other byte must be the clean night's
                data = without_send_time((workspace / one).read_bytes())
                files[f"{s['trip_ref']}/{key}/{i}"] = hashlib.sha256(data).hexdigest()
        files[f"{s['trip_ref']}/status"] = s["status"]
    return out


_NOT_FOR_USERS = re.compile(r"\b(nan|None|NaT|Traceback)\b|<NA>|object at 0x")


def user_texts(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """Every sentence the summary shows a person, with the trader it is about: held reasons, refusals,
    pending reasons."""
    texts = [(s["trader"], r) for s in summary["submissions"] for r in s.get("reasons", [])]
    texts += [(f["trader"], f["reason"]) for f in summary["files"] if f.get("reason")]
    texts += [(p.get("trader", ""), p["reason"]) for p in summary.get("pending", [])]
    return [(trader, t) for trader, t in texts if isinstance(t, str)]


def _without_own_words(trader: str, text: str, mutants: dict[str, Mutation]) -> str:
    """The sentence without the quoted cell value a mutant wrote: a trader whose cell says 'nan' or
    'None' is answered with their own words, which is not a Python value leaking out. The sentence
    is about the mutant when it is the mutant's (a held trip's reason need not name its trader) or
    names it."""
    for name, m in mutants.items():
        if name == trader or name in text:
            text = text.replace(f"'{_as_text(m.value)}'", "'…'")
    return text


def check_night(workspace: Path, summary: dict[str, Any], clean: dict[str, dict[str, str]],
                mutants: dict[str, Mutation]) -> None:
    """The invariants of a night that had hostile cells in some traders' files."""
    assert summary["status"] in ("completed", "completed_with_errors"), summary["status"]
    internal = summary.get("internal_errors") or []
    assert not internal, f"an internal error held a trader (a defect the boundary caught): {internal}"
    got = outputs_by_trader(workspace, summary)
    for trader, files in clean.items():
        assert got.get(trader) == files, f"control trader {trader} was not filed as in a clean night"
    for f in summary["files"]:
        if f["status"] == "read":
            buckets = sum(f[k] for k in ("rows_filed", "rows_quarantined", "rows_ignored", "rows_pending",
                                         "rows_superseded", "rows_reference"))
            assert buckets == f["rows_in"], f"{f['path']} does not reconcile: {f}"
        else:
            assert f.get("reason"), f"{f['path']} refused without a sentence"
    for s in summary["submissions"]:
        if s["status"] == "held":
            assert s.get("reasons"), f"trip {s['trip_ref']} held without a reason"
    for trader, text in user_texts(summary):
        assert text.strip(), "an empty sentence to a user"
        assert not _NOT_FOR_USERS.search(_without_own_words(trader, text, mutants)), \
            f"a user sees a Python value: {text!r}"
    mutated = set(mutants)
    seen = {f["trader"] for f in summary["files"]}
    assert mutated <= seen, f"mutant folders missing from the summary: {sorted(mutated - seen)}"


def read_summary(workspace: Path) -> dict[str, Any]:
    found = sorted((workspace / "runs").glob("*/summary.json"))
    assert len(found) == 1, f"expected one summary.json, found {len(found)}"
    return json.loads(found[0].read_text(encoding="utf-8"))  # type: ignore[no-any-return]
