"""Raw sheet + matched profile -> typed frame with cell provenance and per-cell problems.

Rows below the header are classified first: blank rows and totals rows (``合计``/``Total``) are
*ignored* and counted, never mapped. Every other row is mapped column by column with the
vectorised parsers; a cell that is present but unparseable becomes null and a :class:`CellProblem`
naming file, sheet, row, column (as the trader wrote it), value and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import pandas as pd

from transforms.ingest import parsing
from transforms.ingest.profiles.match import HeaderMatch
from transforms.ingest.profiles.schema import ColumnSpec
from transforms.model.inputs import CellProblem, MappedTable
from transforms.model.reference import Reference, norm_header
from transforms.plumbing.timeutil import HK_TZ

# What each parser expects, for the trader-facing sentence (English, Chinese).
_EXPECTED: dict[str, tuple[str, str]] = {
    "number": ("a number such as 1234.50", "数字，例如 1234.50"),
    "integer": ("a whole number", "整数"),
    "date": ("a date such as 2026-11-03", "日期，例如 2026-11-03"),
    "datetime": ("a date and time such as 2026-11-03 14:30", "日期时间，例如 2026-11-03 14:30"),
    "unit": ("a known unit of quantity (e.g. PCS, KG, SET, 个, 千克)", "已知计量单位（如 PCS、KG、个、千克）"),
    "package": ("a known package type (e.g. CT, 纸箱, 托盘)", "已知包装种类（如 CT、纸箱、托盘）"),
    "currency": ("an ISO 4217 currency or its name (e.g. USD, 美元)", "ISO 4217 币制或名称（如 USD、美元）"),
    "country": ("an ISO 3166 country or its name (e.g. CN, 中国)", "ISO 3166 国家代码或名称（如 CN、中国）"),
    "control_point": ("a control point (LMC MKT STK SBC HYW HZM or its name)",
                      "管制站（LMC MKT STK SBC HYW HZM 或其名称）"),
    "direction": ("HK_IMPORT/南下 or HK_EXPORT/北上", "HK_IMPORT/南下 或 HK_EXPORT/北上"),
    "code": ("a code with no more digits than its fixed length", "长度不超过规定位数的编码"),
    "mass": ("a weight with a unit of KG, G or LB", "重量，单位为 KG、G 或 LB"),
}


_NUMERIC = frozenset({"number", "integer", "mass"})
_OUT_OF_RANGE = ("a number below 1,000,000,000,000,000 (this one is out of range)",
                 "小于 1,000,000,000,000,000 的数字（此值超出范围）")
# a bare number in a date column is a serial day count or a Minguo date only when the profile says so
_DATE_NUMBER_HINT = (" (a number is read as a date only when the profile's date_formats name serial or roc)",
                     "（仅当模板的 date_formats 含 serial 或 roc 时，数字才按日期读取）")


def _expected(column_type: str, value: object) -> tuple[str, str]:
    en, zh = _EXPECTED.get(column_type, ("a valid value", "有效值"))
    if column_type in ("date", "datetime") and str(value).strip().isdigit():
        return en + _DATE_NUMBER_HINT[0], zh + _DATE_NUMBER_HINT[1]
    return en, zh


def _col(sheet_rows: list[list[str | None]], idx: int) -> list[str | None]:
    return [r[idx] if idx < len(r) else None for r in sheet_rows]


def _is_totals(row: list[str | None], markers: set[str]) -> bool:
    # a totals row names itself in one of its first cells and carries no document number
    return any(norm_header(c) in markers for c in row[:4] if c)


# Footer notes traders leave under their lines (备注: …, 制表: 张三, Prepared by …).
_NOTE_MARKERS = ("备注", "備註", "备考", "制表", "製表", "制单", "製單", "审核", "審核", "签字", "簽字", "说明", "說明",
                 "remark", "note", "preparedby", "checkedby", "approvedby")
_NOTE = re.compile(rf"^({'|'.join(_NOTE_MARKERS)})s?(:|$)")   # the marker, then ':' or nothing (not 'notebook')
_AMOUNT_KEYS = ("quantity_value", "line_amount_value")


def _not_goods(row: list[str | None], match: HeaderMatch, *, after_totals: bool) -> bool:
    """A commercial row that is clearly no goods line: no quantity and no amount, and either a footer
    note, a row below the totals row, or a template row with no invoice number. Ignored (counted), so it
    never waits in pending for a trip that will not come."""
    if match.profile.role != "commercial_lines":
        return False
    for key in _AMOUNT_KEYS:
        pos = match.columns.get(key)
        cell = row[pos] if pos is not None and pos < len(row) else None
        if cell is not None and str(cell).strip() not in ("", "0", "0.0", "0.00", "-"):
            return False
    inv_pos = match.columns.get("invoice_no")
    no_invoice = inv_pos is None or inv_pos >= len(row) or not (row[inv_pos] or "").strip()
    first = next((str(c) for c in row if c is not None and str(c).strip()), "")
    return after_totals or no_invoice or _NOTE.match(norm_header(first).replace(" ", "")) is not None


def map_sheet(match: HeaderMatch, *, src_file: str, reference: Reference,
              local_tz: ZoneInfo = HK_TZ, direction_view: str | None = None) -> MappedTable:
    profile = match.profile
    sheet = match.sheet
    body = sheet.rows[match.header_index + 1:]
    numbers = sheet.row_numbers[match.header_index + 1:]
    markers = {norm_header(m) for m in profile.totals_markers}
    keep: list[int] = []
    totals_rows: list[int] = []
    for i, row in enumerate(body):
        if not any(c is not None and str(c).strip() for c in row):
            continue
        if _is_totals(row, markers):
            totals_rows.append(i)
            continue
        if _not_goods(row, match, after_totals=bool(totals_rows)):
            continue
        keep.append(i)
    rows = [body[i] for i in keep]
    src_rows = pd.Series([numbers[i] for i in keep])
    # the columns are gathered first and framed once: inserting them one by one into a DataFrame cost
    # more than parsing them on the short sheets most files are
    columns: dict[str, object] = {"src_file": src_file, "src_sheet": sheet.name, "src_row": src_rows}
    problems: list[CellProblem] = []
    for key, pos in match.columns.items():
        spec = profile.columns[key]
        cells = _col(rows, pos)
        raw = pd.Series(cells, dtype=object)
        values, bad = _parse(spec, key, raw, match, rows, reference, local_tz, direction_view, profile.decimal,
                             profile.thousands, profile.date_formats, profile.datetime_formats)
        huge = parsing.out_of_range(values) if spec.type in _NUMERIC else None
        huge_rows = [i for i, h in enumerate(huge.tolist()) if h] if huge is not None else []
        if huge is not None and huge_rows:
            # 1e308 or Infinity parse as numbers but no declaration carries them: a cell problem, never a sum
            values = values.where(~huge)
        columns[key] = values.array
        if spec.type == "unit":
            # keep the trader's own word: the Mainland unit (台 vs 个) depends on it
            columns[f"{key}_raw"] = parsing.clean_text(raw)[0].values
        where = _Where(src_file, sheet.name, key, match.headers[key], spec.type, src_rows)
        problems += [where.problem(i, cells[i], _expected(spec.type, cells[i]))
                     for i, b in enumerate(bad.tolist()) if b]
        problems += [where.problem(i, cells[i], _OUT_OF_RANGE, rule="I-range") for i in huge_rows]
    for key, value in profile.constants.items():
        columns.setdefault(key, value)
    frame = pd.DataFrame(columns)
    if profile.tax is not None:
        _apply_tax_rule(frame, match, rows, profile.decimal, profile.thousands)
    totals = _totals(match, [body[i] for i in totals_rows], profile.decimal, profile.thousands)
    return MappedTable(frame=frame, headers=dict(match.headers), rows_in=len(body) - _trailing_blank(body),
                       rows_ignored=len(body) - _trailing_blank(body) - len(keep), totals=totals,
                       problems=problems, totals_row=numbers[totals_rows[-1]] if totals else None)


@dataclass(frozen=True)
class _Where:
    """One mapped column of one sheet: builds the sentence for a bad cell in it."""

    src_file: str
    sheet: str
    column: str
    header: str
    column_type: str
    src_rows: pd.Series

    def problem(self, i: int, raw: object, expected: tuple[str, str], rule: str | None = None) -> CellProblem:
        value = str(raw).strip()
        row = int(self.src_rows.iloc[i])
        where = f"{self.src_file}{_sheet_part(self.sheet)}"
        return CellProblem(
            self.src_file, self.sheet, row, self.column, self.header, value, rule or f"I-{self.column_type}",
            f"{where} row {row}, column {self.header}: '{value}' is not {expected[0]}.",
            f"{where} 第{row}行「{self.header}」列：「{value}」不是{expected[1]}。")


def with_invoice_column(match: HeaderMatch, header: str | None, label: str) -> HeaderMatch | str:
    """trader.yaml ``invoice_no_column``: the header holding the invoice number of a commercial export
    whose profile reads it elsewhere (Kingdee's 单据编号 is the outbound document, not always the
    invoice). A refusal sentence when the header row has no such header."""
    if header is None or match.profile.role != "commercial_lines":
        return match
    row = match.sheet.rows[match.header_index]
    for pos, cell in enumerate(row):
        if norm_header(cell) == norm_header(header):
            return replace(match, columns={**match.columns, "invoice_no": pos},
                           headers={**match.headers, "invoice_no": str(cell).strip()})
    return (f"{label}: trader.yaml names invoice_no_column '{header}', but the header row (row "
            f"{match.header_row_number}) has no such column; correct invoice_no_column or the export.")


def _trailing_blank(body: list[list[str | None]]) -> int:
    """Blank rows after the last content row are formatting, not rows the trader sent."""
    n = 0
    for row in reversed(body):
        if any(c is not None and str(c).strip() for c in row):
            break
        n += 1
    return n


def _sheet_part(name: str) -> str:
    return f" (sheet {name})" if name else ""


def _parse(spec: ColumnSpec, key: str, raw: pd.Series, match: HeaderMatch, rows: list[list[str | None]],
           reference: Reference, tz: ZoneInfo, view: str | None, decimal: str, thousands: str,
           date_formats: list[str], datetime_formats: list[str]) -> parsing.Parsed:
    t = spec.type
    if t == "number":
        return parsing.parse_number(raw, decimal, thousands)
    if t == "integer":
        return parsing.parse_integer(raw, decimal, thousands)
    if t == "date":
        return parsing.parse_date(raw, date_formats)
    if t == "datetime":
        return parsing.parse_local_datetime(raw, datetime_formats, tz)
    if t in ("unit", "package", "currency", "country", "control_point"):
        return parsing.map_codes(raw, reference.alias_map(t))
    if t == "direction":
        return parsing.parse_direction(raw, view)
    if t == "code":
        values, bad = parsing.clean_code(raw, spec.pad_to)
        if spec.pad_to and key in _HS_COLUMNS:
            values = _keep_padding_only_for_real_subheadings(values, parsing.clean_code(raw)[0], reference)
        return values, bad
    if t == "list":
        return parsing.split_list(raw)
    if t == "mass":
        num, bad = parsing.parse_number(raw, decimal, thousands)
        unit_pos = match.extra.get(f"{key}__unit")
        if unit_pos is not None:
            units = pd.Series(_col(rows, unit_pos), dtype=object)
            kg, bad_unit = parsing.to_kg(num, units)
        else:
            kg, bad_unit = parsing.to_kg(num, spec.mass_unit or "KGM")
        return kg, bad | bad_unit
    return parsing.clean_text(raw)


_HS_COLUMNS = frozenset({"hs_cn", "hs_hk"})


def _keep_padding_only_for_real_subheadings(padded: pd.Series, raw: pd.Series, reference: Reference) -> pd.Series:
    """A number cell loses an HS code's leading zero (0303899000 -> 303899000), but a typo also
    leaves a code one digit short (851713000). Restore the zero only when that yields a real HS
    subheading; otherwise keep what was written, and the format check reports it."""
    pairs = list(zip(padded.tolist(), raw.tolist(), strict=True))
    changed = [p is not None and (r is None or p != parsing.CODE_SEPARATORS.sub("", r)) for p, r in pairs]
    if not any(changed):
        return padded
    subheadings = reference.codes("hs2022_subheadings")
    return pd.Series([r if c and not (isinstance(p, str) and p[:6] in subheadings) else p
                      for (p, r), c in zip(pairs, changed, strict=True)], index=padded.index, dtype=object)


def _apply_tax_rule(frame: pd.DataFrame, match: HeaderMatch, rows: list[list[str | None]], decimal: str,
                    thousands: str) -> None:
    """价税合计 includes VAT; where 税率 is non-zero the declared value is 金额 (before tax)."""
    rate_pos, net_pos = match.extra.get("__tax_rate"), match.extra.get("__tax_net")
    if rate_pos is None or net_pos is None or "line_amount_value" not in frame:
        return
    rate, _ = parsing.parse_number(pd.Series(_col(rows, rate_pos), dtype=object).str.rstrip("%"), decimal,
                                   thousands)
    net, _ = parsing.parse_number(pd.Series(_col(rows, net_pos), dtype=object), decimal, thousands)
    taxed = (rate.fillna(0) != 0) & net.notna() & ~parsing.out_of_range(net)
    frame.loc[taxed.values, "line_amount_value"] = net[taxed].values


def _totals(match: HeaderMatch, totals_rows: list[list[str | None]], decimal: str, thousands: str) -> dict[str, float]:
    """Numbers on the totals row, by profile key: the independent total for the line-sum checks."""
    if not totals_rows:
        return {}
    row = totals_rows[-1]
    out: dict[str, float] = {}
    for key, pos in match.columns.items():
        spec = match.profile.columns[key]
        if spec.type not in ("number", "integer", "mass") or pos >= len(row) or row[pos] is None:
            continue
        num, bad = parsing.parse_number(pd.Series([row[pos]], dtype=object), decimal, thousands)
        if not bad.iloc[0] and pd.notna(num.iloc[0]) and not parsing.out_of_range(num).iloc[0]:
            out[key] = float(num.iloc[0])
    return out
