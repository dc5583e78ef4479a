"""Trader-facing error reports: ``quarantine/<trader>/<source-file>.errors.xlsx`` and a CSV twin.

The workbook opens on a summary (problems per rule and per submission), then lists the held rows
as the trader sent them, with each failing cell highlighted and a comment carrying the reason in
English and the trader's language. Every text cell is formula-neutralised (invariant 5).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from transforms.filing.ledger import Ledger
from transforms.ingest.readers import ReadRefused, read_file
from transforms.model.bundle import records
from transforms.model.identity import quarantine_item_id
from transforms.plumbing.atomic import write_atomic
from transforms.plumbing.personal import mask_personal
from transforms.plumbing.runtime import Workers, writing_workbooks

if TYPE_CHECKING:
    from transforms.filing.submissions import FilingResult
    from transforms.ingest.folders import TraderIngest

# OWASP CSV injection: = + - @ start a formula, and so do their full-width forms in East Asian
# spreadsheet programs; a leading TAB or line break is one too (some programs strip it first).
_FORMULA_LEAD = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_BREAK_LEAD = ("\t", "\r", "\n")
# What a spreadsheet program skips before it decides whether a cell is a formula.
_SKIPPED_LEAD = re.compile(r"^[\s\x00-\x1f\x7f]+")
# XML 1.0 forbids the C0 controls other than TAB and line breaks (openpyxl's IllegalCharacterError);
# DEL, the C1 controls and the non-characters U+FFFE/U+FFFF are invisible or illegal too.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
_HEAD_FONT = Font(bold=True)

#: Rule id of a hold made after the checks: a writer's preflight (a national code missing from a
#: crosswalk) or the ledger (a change after arrival). The flow points it at the trip plan row.
WRITER_HOLD_RULE = "W01"

FINDING_COLUMNS = ("rule_id", "severity", "src_file", "src_sheet", "src_row", "src_column", "value",
                   "message_en", "message_zh", "submission_id")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)       # U+2400 block: ␀ … ␟, one visible glyph per C0 control
    return "\u2421" if code == 0x7F else f"<U+{code:04X}>"


def visible(text: str) -> str:
    """Control characters written as visible symbols (BEL → ␇, U+0085 → <U+0085>): a workbook
    cannot hold them, and the trader must see that the cell carries one."""
    return _INVISIBLE.sub(_picture, text) if _INVISIBLE.search(text) else text


def neutralise(value: object) -> object:
    """Text made safe for a spreadsheet cell: control characters shown visibly, and text that a
    spreadsheet would run as a formula (also behind leading blanks or controls) quoted with a
    leading apostrophe."""
    if not isinstance(value, str):
        return value
    shown = visible(value)
    if value.startswith(_FORMULA_LEAD) or value.startswith(_BREAK_LEAD):
        return "'" + shown
    # the slower look only for text that starts with a blank or a control character
    lead = value[:1]
    if (lead.isspace() or lead <= "\x1f" or lead == "\x7f") and _SKIPPED_LEAD.sub("", value).startswith(_FORMULA_LEAD):
        return "'" + shown
    return shown


def with_writer_holds(findings: pd.DataFrame, reported: pd.DataFrame) -> pd.DataFrame:
    """The checks' findings plus the holds made after them (``WRITER_HOLD_RULE`` rows of the
    reported findings), so analytics counts every held trip in its quarantine rate."""
    if reported.empty or "rule_id" not in reported.columns:
        return findings
    holds = reported[reported["rule_id"] == WRITER_HOLD_RULE]
    if holds.empty:
        return findings
    holds = holds[[c for c in holds.columns if c != "trader"]]
    return holds.reset_index(drop=True) if findings.empty else pd.concat([findings, holds], ignore_index=True)


def reported_findings(findings: pd.DataFrame, results: Sequence[FilingResult],
                      submissions: pd.DataFrame) -> pd.DataFrame:
    """What the trader hears about: errors on held trips or unassembled lines, every warning, and the
    writers' preflight reasons (unmapped national codes) of a trip held with no finding of its own,
    pointed at the trip plan row (``submissions``: the batch's assembled trips)."""
    if findings.empty:
        findings = pd.DataFrame(columns=list(FINDING_COLUMNS))
    held = {r.submission_id for r in results if r.status == "held"}
    relevant = findings[findings["submission_id"].isin(held) | findings["submission_id"].isna()
                        | (findings["severity"] == "warning")]
    with_findings = set(findings["submission_id"].dropna())
    subs = submissions.set_index("submission_id") if not submissions.empty else None
    pre = []
    for r in results:
        if r.status != "held" or subs is None or r.submission_id not in subs.index or r.submission_id in with_findings:
            continue
        s = subs.loc[r.submission_id]
        for en, zh in zip(r.reasons, r.reasons_zh, strict=False):
            pre.append({"rule_id": WRITER_HOLD_RULE, "severity": "error", "src_file": s["src_file"],
                        "src_sheet": s["src_sheet"],
                        "src_row": s["src_row"], "src_column": "control_point", "value": s["control_point"],
                        "message_en": en, "message_zh": zh, "submission_id": r.submission_id,
                        # its trip's partition in analytics/findings, like the checks' findings
                        "control_point": s["control_point"], "crossing_date": s.get("crossing_date")})
    if not pre:
        return relevant
    return pd.concat([relevant, pd.DataFrame(pre)], ignore_index=True) if not relevant.empty else pd.DataFrame(pre)


def _to_hant(text: str) -> str:
    # Reports for zh-Hant traders: a small table of the characters our messages use.
    table = str.maketrans("应为数字发票号码国家币制单位规格类型须请补充该编码与无个条错误"
                          "价总净过时间车检查码据项报关单证",
                          "應為數字發票號碼國家幣制單位規格類型須請補充該編碼與無個條錯誤"
                          "價總淨過時間車檢查碼據項報關單證")
    return text.translate(table)


@dataclass(frozen=True)
class ReportJob:
    """One source file's findings, and where its workbook goes."""

    rows: pd.DataFrame
    source: Path          # the file as sent, re-read for the held-rows sheet
    language: str
    target: Path          # quarantine/<trader>/<file>.errors.xlsx
    feedback: Path | None  # a copy for the trader's own feedback folder, when configured
    #: the encoding ingest decoded a delimited file with: Big5-HKSCS bytes also decode as GB18030
    #: nonsense, so a re-read without it showed the Hong Kong trader 祇布絪腹 for 發票編號
    encoding: str | None = None


@dataclass(frozen=True)
class ReportSettings:
    """How each trader hears about its findings: the trader who sent each file, its language and
    feedback folder (trader.yaml), and the encoding each delimited file was read with."""

    trader_of_file: dict[str, str]
    language: dict[str, str]
    feedback_dir: dict[str, str | None]
    encodings: dict[str, str]

    @classmethod
    def of(cls, ingests: Sequence[TraderIngest]) -> ReportSettings:
        return cls(trader_of_file={f.path: f.trader for i in ingests for f in i.files},
                   language={i.trader: i.input.settings.language for i in ingests if i.input is not None},
                   feedback_dir={i.trader: i.input.settings.feedback_dir for i in ingests if i.input is not None},
                   encodings={path: enc for i in ingests for path, enc in i.source_encodings.items()})


def report_jobs(findings: pd.DataFrame, *, inbox: Path, out_dir: Path, trader: str, language: str,
                feedback_dir: Path | None = None, encodings: Mapping[str, str] | None = None) -> list[ReportJob]:
    """One job per source file of ``trader`` that has findings; ``encodings`` maps a delimited
    source file (relative to the inbox) to the encoding ingest read it with."""
    jobs: list[ReportJob] = []
    for src_file, rows in one_per_cell(findings).groupby("src_file", sort=True):
        name = report_name(str(src_file), trader)
        zh = rows["message_zh"].fillna("").map(_to_hant if language == "zh-Hant" else str)
        jobs.append(ReportJob(rows.assign(message_zh=zh), inbox / str(src_file), language,
                              out_dir / trader / name,
                              None if feedback_dir is None else feedback_dir / trader / name,
                              (encodings or {}).get(str(src_file))))
    return jobs


def report_name(src_file: str, trader: str) -> str:
    """``<file>.errors.xlsx``, below the subfolders the file sat in inside the trader's folder, so two
    files of the same name in two subfolders never overwrite each other's workbook. ``src_file`` is
    the inbox-relative path from the inbox listing (never from file contents)."""
    parts = [p for p in Path(src_file).parts if p not in ("", ".", "..")]
    if parts and parts[0] == trader:
        parts = parts[1:]
    return "/".join([*parts[:-1], f"{parts[-1] if parts else 'file'}.errors.xlsx"])


def one_per_cell(findings: pd.DataFrame) -> pd.DataFrame:
    """One finding per cell (file, sheet, row, column): an item-master cell feeds every line of its
    SKU, and two rules may fault one cell. The most specific stays: an error before a warning, a
    finding that quotes the value before one that finds the cell empty, then the longer sentence."""
    if findings.empty or "src_row" not in findings.columns:
        return findings
    located = findings["src_row"].notna() & findings["src_file"].notna()
    if located.sum() < 2:
        return findings
    cells = findings[located].assign(
        _error=(findings["severity"] != "error"),
        _empty=findings["value"].map(lambda v: v is None or (isinstance(v, float) and v != v) or not str(v).strip()),
        _length=-findings["message_en"].astype(str).str.len(),
        _sheet=findings["src_sheet"].fillna(""), _column=findings["src_column"].fillna(""))
    keep = (cells.sort_values(["_error", "_empty", "_length"], kind="stable")
            .drop_duplicates(["src_file", "_sheet", "src_row", "_column"]).index)
    return findings[~located | findings.index.isin(keep)]


def _render_report(job: ReportJob) -> tuple[bytes, bytes]:
    """Worker: the workbook and its CSV twin, as bytes (re-reading the source is the costly part)."""
    return _workbook(job.rows, job.source, job.language, job.encoding), _csv(job.rows)


def publish_reports(jobs: Sequence[ReportJob], workers: int = 1) -> list[Path]:
    """Render every job (on ``workers`` processes when there is enough to do: transforms.plumbing.runtime)
    and publish each file atomically; returns the workbook paths. Files are independent: one trader's
    hundred files of findings take half the time on two cores."""
    with Workers(workers) as renderers:
        pool = renderers.pool_for(writing_workbooks(sum(len(j.rows) for j in jobs), len(jobs)))
        if pool is not None:
            rendered = list(zip(jobs, pool.map(_render_report, jobs), strict=True))
        else:
            rendered = [(j, _render_report(j)) for j in jobs]
    written: list[Path] = []
    for job, (xlsx, csv_bytes) in rendered:
        job.target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(job.target, xlsx, None)
        write_atomic(job.target.with_suffix("").with_suffix(".errors.csv"), csv_bytes, None)
        written.append(job.target)
        if job.feedback is not None:
            job.feedback.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(job.feedback, xlsx, None)
    return written


def _csv(rows: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(FINDING_COLUMNS)
    for rec in records(rows):
        # records() gives None for every missing value, so no pd.isna per cell
        w.writerow([neutralise("" if rec.get(c) is None else rec.get(c)) for c in FINDING_COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _head(ws: Any, values: Sequence[object]) -> list[WriteOnlyCell]:
    cells = []
    for v in values:
        c = WriteOnlyCell(ws, value=neutralise(v))
        c.font = _HEAD_FONT
        cells.append(c)
    return cells


def _workbook(rows: pd.DataFrame, source: Path, language: str, encoding: str | None = None) -> bytes:
    """Write-only workbook: tens of thousands of rows and comments in seconds, not minutes."""
    wb = Workbook(write_only=True)
    summary = wb.create_sheet("Summary 摘要")
    summary.append(_head(summary, ["Problems per rule / 按规则汇总"]))
    summary.append(_head(summary, ["rule", "severity", "count", "first reason (English)", "first reason (中文)"]))
    for (rule, sev), grp in rows.groupby(["rule_id", "severity"], sort=True):
        summary.append([neutralise(str(rule)), str(sev), len(grp), neutralise(str(grp["message_en"].iloc[0])),
                        neutralise(str(grp["message_zh"].iloc[0]))])
    summary.append([])
    summary.append(_head(summary, ["Problems per submission / 按申报汇总"]))
    summary.append(_head(summary, ["submission_id", "errors", "warnings"]))
    per_sub = rows.assign(submission_id=rows["submission_id"].fillna("(not assembled)"),
                          error=rows["severity"] == "error", warning=rows["severity"] == "warning")
    for sid, errors, warnings in per_sub.groupby("submission_id", sort=True)[["error", "warning"]].sum().itertuples():
        summary.append([str(sid), int(errors), int(warnings)])
    _held_rows_sheet(wb, rows[rows["severity"] == "error"], source, encoding)
    listing = wb.create_sheet("Findings 问题清单")
    listing.append(_head(listing, list(FINDING_COLUMNS)))
    for rec in records(rows):
        listing.append([neutralise(rec.get(c)) for c in FINDING_COLUMNS])   # missing values are None
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _held_rows_sheet(wb: Workbook, rows: pd.DataFrame, source: Path, encoding: str | None = None) -> None:
    """The held rows as sent, failing cells highlighted, the reason in a cell comment."""
    if rows.empty:
        return
    try:
        raw = read_file(source, encodings=[encoding] if encoding else None)
    except (ReadRefused, OSError):
        return
    for sheet_name, grp in rows.groupby(rows["src_sheet"].fillna(""), sort=True):
        sheet = next((s for s in raw.sheets if s.name == sheet_name), None)
        if sheet is None:
            continue
        ws = wb.create_sheet(_sheet_title(f"Rows {sheet_name}".strip()))
        pos = {n: i for i, n in enumerate(sheet.row_numbers)}
        header = _header_row(sheet.rows, [str(c) for c in grp["src_column"].dropna().unique()])
        head = list(sheet.rows[header]) if header is not None else []
        ws.append(_head(ws, ["source row / 原行号", *head]))
        headers = [str(c).strip() if c is not None else "" for c in head]
        col_of = {h: i for i, h in enumerate(headers) if h}
        notes: dict[int, dict[int, list[str]]] = {}
        for rec in records(grp):
            r, col = rec.get("src_row"), rec.get("src_column")
            if r is None or int(r) not in pos:
                continue
            at = col_of.get(col) if isinstance(col, str) else None
            line = f"{rec['rule_id']}: {rec['message_en']}\n{rec.get('message_zh') or ''}".strip()
            notes.setdefault(int(r), {}).setdefault(-1 if at is None else at, []).append(line)
        for src_row in sorted(notes):
            cells: list[object] = [src_row]
            for i, v in enumerate(sheet.rows[pos[src_row]]):
                lines = notes[src_row].get(i)
                if lines:
                    c = WriteOnlyCell(ws, value=neutralise(v))
                    c.fill = _BAD_FILL
                    c.comment = Comment(str(neutralise("\n".join(lines))), "ssdd")
                    cells.append(c)
                else:
                    cells.append(neutralise(v))
            ws.append(cells)


def _header_row(rows: Sequence[Sequence[str | None]], wanted: Sequence[str]) -> int | None:
    want = set(wanted)
    best, best_hits = None, 0
    for i, row in enumerate(rows[:50]):
        hits = len({str(c).strip() for c in row if c is not None} & want)
        if hits > best_hits:
            best, best_hits = i, hits
    return best if best is not None else (0 if rows else None)


def _sheet_title(text: str) -> str:
    text = visible(text)
    for ch in "[]:*?/\\":
        text = text.replace(ch, " ")
    return text[:31] or "Rows"


def record_lifecycle(ledger: Ledger, findings: pd.DataFrame, *, filed: set[str], held: set[str],
                     files_read: set[str], trader_of_file: dict[str, str], crossing_of: dict[str, object],
                     run_id: str, as_of: datetime) -> tuple[int, int]:
    """Open an item for every error that held a trip or a line; resolve the open items whose trip is
    now filed, or whose file was read again without that error. Returns (open, resolved) counts."""
    seen: set[str] = set()
    if not findings.empty:
        errors = findings[(findings["severity"] == "error")
                          & (findings["submission_id"].isin(list(held)) | findings["submission_id"].isna())]
        errors = mask_personal(errors)   # the ledger's reasons are read by operators, not only the trader
        if not errors.empty:
            items = pd.DataFrame({
                "trader": errors["src_file"].map(lambda f: trader_of_file.get(str(f), "")),
                "src_file": errors["src_file"].astype(str), "rule_id": errors["rule_id"].astype(str),
                "reason": errors["message_en"].astype(str), "src_sheet": errors["src_sheet"],
                "src_row": errors["src_row"], "submission_id": errors["submission_id"],
                "crossing_at": errors["submission_id"].map(lambda s: crossing_of.get(str(s)))})
            items["row_key"] = [f"{sh if isinstance(sh, str) else ''}!{int(r) if pd.notna(r) else ''}"
                                for sh, r in zip(items["src_sheet"], items["src_row"], strict=True)]
            items["item_id"] = [quarantine_item_id(t, f, r, k) for t, f, r, k in
                                zip(items["trader"], items["src_file"], items["rule_id"], items["row_key"],
                                    strict=True)]
            ledger.quarantine_upsert(items.drop_duplicates("item_id"), run_id, as_of=as_of)
            seen = set(items["item_id"])
    open_items = ledger.quarantine_list("open")
    if open_items.empty:
        return len(seen), 0
    done = open_items[open_items["submission_id"].isin(list(filed))
                      | (open_items["src_file"].isin(list(files_read)) & ~open_items["item_id"].isin(list(seen)))]
    ledger.quarantine_resolve(list(done["item_id"]), run_id)
    return len(open_items) - len(done), len(done)
