"""Draft a profile from a sample export: ``ssdd profiles new --from FILE``.

The draft reads the file as a run would (a CSV's encoding chosen by which candidate shows the most
recognisable header cells, so Big5 headers are not drafted as GB18030 mojibake), refuses markup that is
not a table, finds the header row, decides which *role* the file plays (commercial lines, trip plan or
item master: the role whose distinctive fields the header names most), infers each column's type from
its values and suggests a canonical field of that role for each header with a confidence: first by the
header spellings every known profile of that role accepts, then by the role's vocabulary
(``data/draft_vocabulary.yaml``), then by similarity, then by what the values look like. Personal-data
fields (the driver columns) are proposed only at high confidence: a wrong guess would file a customs
declaration number as a driver's code. A person finishes the draft; a new ERP should take minutes and no
code.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Final, get_args

import yaml

from transforms.ingest.profiles.registry import Profiles
from transforms.ingest.profiles.schema import Role
from transforms.ingest.readers import RawSheet, RawWorkbook, ReadRefused, read_file
from transforms.ingest.readers.encoding import bom_encoding, candidate_encodings, decode_head, utf16_without_bom
from transforms.model.reference import norm_header
from transforms.plumbing.paths import DATA_DIR
from transforms.plumbing.personal import PII_COLUMNS

_NUM = re.compile(r"^-?[\d.,\s]+$")
_DATE = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})([T ]\d{1,2}:\d{2}(:\d{2})?)?$")
ROLES: Final[tuple[Role, ...]] = get_args(Role)

#: Fields a commercial-lines profile needs before a line can be filed.
NEEDED = ("invoice_no", "sku", "description_zh", "quantity_value", "quantity_unit", "line_amount_value",
          "line_amount_currency", "country_of_origin", "hs_cn", "gross_mass_kg", "net_mass_kg", "packages_qty")
#: Fields only a file of that role names: the role whose header row names most of them is the draft's role.
SIGNATURE: Final[dict[Role, frozenset[str]]] = {
    "commercial_lines": frozenset({"invoice_no", "quantity_value", "line_amount_value", "unit_price"}),
    "trip_plan": frozenset({"trip_ref", "control_point", "expected_crossing_at", "direction", "vehicle_reg_hk",
                            "vehicle_reg_cn"}),
    "item_master": frozenset({"sku", "hs_cn", "hs_hk", "description_zh", "description_en", "cn_unit_legal_1",
                              "cn_unit_legal_2", "cn_declaration_elements"}),
}
#: Fields marked required in a drafted commercial-lines profile (the file is detected by them).
_COMMERCIAL_REQUIRED: Final = ("invoice_no", "quantity_value", "line_amount_value")
#: Personal data (transforms.plumbing.personal): proposed only from a header that says so outright.
PERSONAL_FIELDS: Final = frozenset(PII_COLUMNS["transport"])
HIGH_CONFIDENCE: Final = 0.95
#: Date and date-time layouts a drafted profile may propose, tried against the column's values.
_DATE_LAYOUTS: Final = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%Y.%m.%d", "%d.%m.%Y")
_TIME_LAYOUTS: Final = (" %H:%M", " %H:%M:%S", "T%H:%M:%S")

# value patterns that identify a canonical field when the header says nothing we know
_VALUE_HINTS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("hs_cn", re.compile(r"^\d{10}$"), "code"),
    ("hs_hk", re.compile(r"^\d{8}$"), "code"),
    ("line_amount_currency", re.compile(r"^(USD|HKD|CNY|EUR|JPY|GBP|RMB|美元|港币|人民币|欧元|日元)$"), "currency"),
)


@dataclass(frozen=True)
class Suggestion:
    header: str
    field: str | None
    type: str
    confidence: float
    why: str


@dataclass(frozen=True)
class Draft:
    role: Role
    sheet: RawSheet
    header_index: int
    suggestions: list[Suggestion]
    #: role -> the signature fields its suggestions mapped (why this role was chosen)
    evidence: dict[Role, frozenset[str]]


def _header_row(sheet: RawSheet) -> int:
    """The first row, among the first 30, that is mostly non-numeric text and widest."""
    best, best_score = 0, -1.0
    for i, row in enumerate(sheet.rows[:30]):
        cells = [str(c).strip() for c in row if c is not None and str(c).strip()]
        if len(cells) < 2:
            continue
        texty = sum(not _NUM.match(c) and not _DATE.match(c) for c in cells)
        score = texty + 0.1 * len(set(cells))
        if texty >= 0.8 * len(cells) and score > best_score:
            best, best_score = i, score
    return best


def _infer_type(values: list[str]) -> str:
    vals = [v.strip() for v in values if v and v.strip()]
    if not vals:
        return "text"
    if all(_DATE.match(v) for v in vals):
        return "datetime" if any(":" in v for v in vals) else "date"
    if all(_NUM.match(v) for v in vals):
        lengths = Counter(len(v) for v in vals)
        if len(lengths) == 1 and next(iter(lengths)) >= 6 and all(v.isdigit() for v in vals):
            return "code"
        return "number"
    return "text"


def _known_headers(profiles: Profiles, role: Role) -> dict[str, tuple[str, str]]:
    """normalised header -> (canonical field, column type), over the known profiles of one role."""
    known: dict[str, tuple[str, str]] = {}
    for p in profiles:
        if p.role != role:
            continue
        for key, spec in p.columns.items():
            for h in spec.headers:
                known.setdefault(norm_header(h), (key, spec.type))
            known.setdefault(norm_header(key), (key, spec.type))
    return known


VOCABULARY_FILE = DATA_DIR / "draft_vocabulary.yaml"


@cache
def _vocabulary(role: Role) -> tuple[tuple[str, str, str], ...]:
    """(normalised phrase, field, type) of one role, longest phrases first."""
    doc = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))
    out = [(norm_header(p), field, spec["type"]) for field, spec in doc["roles"][role].items() for p in spec["phrases"]]
    return tuple(sorted(out, key=lambda t: -len(t[0])))


def _suggest_one(text: str, values: list[str], known: dict[str, tuple[str, str]], role: Role,
                 taken: set[str]) -> Suggestion:
    key = norm_header(text)
    field, typ, conf, why = None, _infer_type(values), 0.0, "no match; map it by hand or leave it out"
    if key in known:
        field, typ = known[key]
        conf, why = 1.0, "header spelled as a known profile spells it"
    elif (hit := next(((p, f, t) for p, f, t in _vocabulary(role) if p in key and f not in taken), None)):
        field, typ = hit[1], hit[2]
        conf, why = round(0.7 + 0.3 * len(hit[0]) / max(len(key), 1), 2), f"header contains '{hit[0]}'"
    elif close := difflib.get_close_matches(key, list(known), n=1, cutoff=0.75):
        field, typ = known[close[0]]
        conf = round(difflib.SequenceMatcher(None, key, close[0]).ratio(), 2)
        why = f"header resembles '{close[0]}'"
    elif role != "trip_plan":
        sample = [v.strip() for v in values if v.strip()][:50]
        for cand, pattern, ctype in _VALUE_HINTS:
            if sample and all(pattern.match(v) for v in sample):
                field, typ, conf, why = cand, ctype, 0.6, "values look like this field"
                break
    if field in PERSONAL_FIELDS and conf < HIGH_CONFIDENCE:
        return Suggestion(text, None, typ, 0.0, f"{why} ({conf:.2f}), but {field} is personal data and is only "
                                                "proposed for a header that names it outright; map it by hand if "
                                                "this column really holds it")
    if field in taken:
        return Suggestion(text, None, typ, 0.0, f"{why}; field already taken by an earlier column")
    return Suggestion(text, field, typ, conf, why)


def suggest(wb: RawWorkbook, profiles: Profiles, role: Role = "commercial_lines",
            ) -> tuple[RawSheet, int, list[Suggestion]]:
    """The header row of the first visible sheet, and a field of ``role`` suggested for each header."""
    sheet = next((s for s in wb.sheets if not s.hidden and s.rows), wb.sheets[0])
    hdr = _header_row(sheet)
    body = sheet.rows[hdr + 1: hdr + 201]
    known = _known_headers(profiles, role)
    taken: set[str] = set()
    out: list[Suggestion] = []
    for i, cell in enumerate(sheet.rows[hdr]):
        if cell is None or not str(cell).strip():
            continue
        values = [str(r[i]) for r in body if i < len(r) and r[i] is not None]
        s = _suggest_one(str(cell).strip(), values, known, role, taken)
        if s.field:
            taken.add(s.field)
        out.append(s)
    return sheet, hdr, out


def _choose_role(evidence: dict[Role, frozenset[str]]) -> Role:
    """A trip plan names its trip, crossing and plates; an item master names codes and descriptions but no
    invoice, quantity or amount; anything else is commercial lines (what most new exports are)."""
    trip, lines = len(evidence["trip_plan"]), len(evidence["commercial_lines"])
    if trip >= 2 and trip > lines:
        return "trip_plan"
    if lines == 0 and len(evidence["item_master"]) >= 2:
        return "item_master"
    return "commercial_lines"


def draft(wb: RawWorkbook, profiles: Profiles) -> Draft:
    """The suggestions of the role the file most looks like."""
    runs = {role: suggest(wb, profiles, role) for role in ROLES}
    evidence = {role: frozenset(s.field for s in sugg if s.field) & SIGNATURE[role]
                for role, (_sheet, _hdr, sugg) in runs.items()}
    role = _choose_role(evidence)
    sheet, hdr, sugg = runs[role]
    return Draft(role, sheet, hdr, sugg, evidence)


def needed_fields(role: Role, profiles: Profiles) -> tuple[str, ...]:
    """What a profile of this role must map: :data:`NEEDED` for commercial lines, else what the built-in
    profiles of the role require."""
    if role == "commercial_lines":
        return NEEDED
    return tuple(dict.fromkeys(k for p in profiles if p.role == role for k, s in p.columns.items() if s.required))


def _layouts(values: list[str], with_time: bool) -> list[str]:
    """The date (or date-time) layouts under which every sample value parses."""
    layouts = [d + t for d in _DATE_LAYOUTS for t in _TIME_LAYOUTS] if with_time else list(_DATE_LAYOUTS)
    sample = [v.strip() for v in values if v and v.strip()][:50]
    fits = []
    for layout in layouts:
        try:
            for v in sample:
                datetime.strptime(v, layout)
        except ValueError:
            continue
        fits.append(layout)
    return fits if sample else []


def _column_spec(s: Suggestion, required: set[str]) -> dict[str, object]:
    spec: dict[str, object] = {"headers": [s.header], "type": s.type}
    if s.field in required:
        spec["required"] = True
    if s.field == "hs_cn":
        spec["pad_to"] = 10
    if s.field == "hs_hk":
        spec["pad_to"] = 8
    if s.type == "mass":
        spec["mass_unit"] = "KGM"
    return spec


def _date_layouts(d: Draft, columns: dict[str, dict[str, object]]) -> dict[str, list[str]]:
    """date_formats / datetime_formats that parse every sampled value of the drafted date columns."""
    header = [str(c).strip() if c is not None else "" for c in d.sheet.rows[d.header_index]]
    body = d.sheet.rows[d.header_index + 1: d.header_index + 51]
    found: dict[str, list[str]] = {}
    for spec in columns.values():
        if spec["type"] not in ("date", "datetime"):
            continue
        i = header.index(str(spec["headers"][0]))  # type: ignore[index]
        values = [str(r[i]) for r in body if i < len(r) and r[i] is not None]
        key = "datetime_formats" if spec["type"] == "datetime" else "date_formats"
        layouts = found.setdefault(key, [])
        layouts.extend(x for x in _layouts(values, spec["type"] == "datetime") if x not in layouts)
    return {k: v for k, v in found.items() if v}


def draft_yaml(path: Path, wb: RawWorkbook, profiles: Profiles, profile_id: str) -> tuple[str, float]:
    """The draft profile as YAML text, and the share of its role's needed fields it mapped unaided."""
    d = draft(wb, profiles)
    needed = needed_fields(d.role, profiles)
    mapped = {s.field for s in d.suggestions if s.field}
    coverage = len(mapped & set(needed)) / max(len(needed), 1)
    required = set(_COMMERCIAL_REQUIRED if d.role == "commercial_lines" else needed)
    columns = {s.field: _column_spec(s, required) for s in d.suggestions if s.field}
    row_number = d.sheet.row_numbers[d.header_index]
    doc: dict[str, object] = {
        "id": profile_id, "profile_version": 1, "role": d.role,
        "title": f"Draft profile from {path.name}",
        "description": f"Drafted by ssdd from {path.name} (header on row {row_number}). Review it.",
        "containers": ["xls" if wb.container == "biff" else wb.container],
    }
    if d.sheet.encoding:
        doc["encodings"] = [d.sheet.encoding]
    doc.update(_date_layouts(d, columns))
    doc["columns"] = columns
    because = ", ".join(sorted(d.evidence[d.role])) or "no trip plan or item master columns found"
    lines = [f"# Draft profile drafted from {path.name}: review every line, then save it in your profiles folder.",
             f"# Role: {d.role} ({because}).",
             f"# Header row: {row_number} (sheet '{d.sheet.name}')"
             + (f", encoding {d.sheet.encoding}" if d.sheet.encoding else "")
             + f". Needed fields mapped: {len(mapped & set(needed))}/{len(needed)}.",
             "# Suggestions (header -> field, confidence, why):"]
    for s in d.suggestions:
        lines.append(f"#   {s.header!s} -> {s.field or '(unmapped)'} [{s.type}] {s.confidence:.2f}: {s.why}")
    missing = [f for f in needed if f not in mapped]
    if missing:
        lines.append(f"# Still needed: {', '.join(missing)} (add the header under columns:).")
    body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120)
    return "\n".join(lines) + "\n" + body, coverage


def _header_hits(profiles: Profiles) -> Callable[[list[str | None]], int]:
    """How many cells of a row are headers some profile or the vocabulary knows."""
    known = {norm_header(h) for p in profiles for s in p.columns.values() for h in s.headers}
    phrases = {p for role in ROLES for p, _f, _t in _vocabulary(role) if len(p) >= 2}

    def hits(cells: list[str | None]) -> int:
        keys = [norm_header(c) for c in cells if c]
        return sum(1 for k in keys if k and (k in known or any(p in k for p in phrases)))
    return hits


def _best_encoding(path: Path, delimiter: str, hits: Callable[[list[str | None]], int]) -> str | None:
    """The candidate encoding under which a row of the file's head shows the most known header cells.

    Strict decoding cannot choose alone: Big5-HKSCS bytes are valid GB18030 too (as nonsense), and the
    reader keeps the first candidate that decodes when no profile's header matches, as in a new export.
    """
    with path.open("rb") as f:
        head = f.read(256 * 1024)
        complete = not f.read(1)
    if bom_encoding(head) or utf16_without_bom(head):
        return None
    best, best_hits = None, 0
    for encoding in candidate_encodings(head, None):
        text = decode_head(head, encoding, complete=complete)
        if text is None:
            continue
        try:
            rows = [row for _n, row in zip(range(30), csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                                           strict=False)]
        except csv.Error:
            continue
        score = max((hits([c.strip() or None for c in row]) for row in rows), default=0)
        if score > best_hits:
            best, best_hits = encoding, score
    return best


def read_sample(path: Path, profiles: Profiles) -> RawWorkbook:
    """The sample export read for drafting; :class:`ReadRefused` (one sentence) for what cannot be a table."""
    wb = read_file(path)
    if wb.container != "csv":
        return wb
    markup = wb.sheets[0].markup
    if markup is not None:
        raise ReadRefused(
            f"{path.name} is {markup}, not a table, so no profile can be drafted from it; export the data as "
            ".xlsx or CSV from the source system (customs responses in XML go to <inbox>/_responses/ as they are).")
    sheet = wb.sheets[0]
    best = _best_encoding(path, sheet.delimiter or ",", _header_hits(profiles))
    if best is not None and best != sheet.encoding:
        wb = read_file(path, encodings=[best])
    return wb
