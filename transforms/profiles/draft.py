"""Draft a profile from a sample export: ``ssdd profiles new --from FILE``.

The draft finds the header row, infers each column's type from its values, and suggests a
canonical field for each header with a confidence: first by the header spellings every known
profile accepts, then by similarity, then by what the values look like (a 10-digit code column is
probably ``hs_cn``). A person finishes it; a new ERP should take minutes and no code.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from transforms.paths import DATA_DIR
from transforms.profiles.match import norm_header
from transforms.profiles.registry import Profiles
from transforms.readers import RawSheet, RawWorkbook

_NUM = re.compile(r"^-?[\d.,\s]+$")
_DATE = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})([T ]\d{1,2}:\d{2}(:\d{2})?)?$")

#: Fields a commercial-lines profile needs before a line can be filed.
NEEDED = ("invoice_no", "sku", "description_zh", "quantity_value", "quantity_unit", "line_amount_value",
          "line_amount_currency", "country_of_origin", "hs_cn", "gross_mass_kg", "net_mass_kg", "packages_qty")

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


def _known_headers(profiles: Profiles) -> dict[str, tuple[str, str]]:
    """normalised header -> (canonical field, column type), over every built-in profile."""
    known: dict[str, tuple[str, str]] = {}
    for p in profiles:
        for key, spec in p.columns.items():
            for h in spec.headers:
                known.setdefault(norm_header(h), (key, spec.type))
            known.setdefault(norm_header(key), (key, spec.type))
    return known


VOCABULARY_FILE = DATA_DIR / "draft_vocabulary.yaml"


def _vocabulary() -> list[tuple[str, str, str]]:
    """(normalised phrase, field, type), longest phrases first."""
    doc = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))
    out = [(norm_header(p), field, spec["type"]) for field, spec in doc["fields"].items() for p in spec["phrases"]]
    return sorted(out, key=lambda t: -len(t[0]))


def suggest(wb: RawWorkbook, profiles: Profiles) -> tuple[RawSheet, int, list[Suggestion]]:
    sheet = next((s for s in wb.sheets if not s.hidden and s.rows), wb.sheets[0])
    hdr = _header_row(sheet)
    header = sheet.rows[hdr]
    body = sheet.rows[hdr + 1: hdr + 201]
    known = _known_headers(profiles)
    names = list(known)
    vocabulary = _vocabulary()
    taken: set[str] = set()
    out: list[Suggestion] = []
    for i, cell in enumerate(header):
        if cell is None or not str(cell).strip():
            continue
        text = str(cell).strip()
        values = [str(r[i]) for r in body if i < len(r) and r[i] is not None]
        inferred = _infer_type(values)
        key = norm_header(text)
        field, typ, conf, why = None, inferred, 0.0, "no match; map it by hand or leave it out"
        if key in known:
            field, typ = known[key]
            conf, why = 1.0, "header spelled as a known profile spells it"
        elif (hit := next(((p, f, t) for p, f, t in vocabulary if p in key and f not in taken), None)):
            field, typ = hit[1], hit[2]
            conf, why = round(0.7 + 0.3 * len(hit[0]) / max(len(key), 1), 2), f"header contains '{hit[0]}'"
        else:
            close = difflib.get_close_matches(key, names, n=1, cutoff=0.75)
            if close:
                field, typ = known[close[0]]
                conf = round(difflib.SequenceMatcher(None, key, close[0]).ratio(), 2)
                why = f"header resembles '{close[0]}'"
            else:
                for cand, pattern, ctype in _VALUE_HINTS:
                    sample = [v.strip() for v in values if v.strip()][:50]
                    if sample and all(pattern.match(v) for v in sample):
                        field, typ, conf, why = cand, ctype, 0.6, "values look like this field"
                        break
        if field in taken:
            field, conf, why = None, 0.0, f"{why}; field already taken by an earlier column"
        if field:
            taken.add(field)
        out.append(Suggestion(text, field, typ, conf, why))
    return sheet, hdr, out


def draft_yaml(path: Path, wb: RawWorkbook, profiles: Profiles, profile_id: str) -> tuple[str, float]:
    """The draft profile as YAML text, and the share of needed fields it mapped unaided."""
    sheet, hdr, sugg = suggest(wb, profiles)
    mapped = {s.field for s in sugg if s.field}
    coverage = len(mapped & set(NEEDED)) / len(NEEDED)
    columns: dict[str, dict[str, object]] = {}
    for s in sugg:
        if s.field is None:
            continue
        spec: dict[str, object] = {"headers": [s.header], "type": s.type}
        if s.field in ("invoice_no", "quantity_value", "line_amount_value"):
            spec["required"] = True
        if s.field == "hs_cn":
            spec["pad_to"] = 10
        if s.field == "hs_hk":
            spec["pad_to"] = 8
        if s.type == "mass":
            spec["mass_unit"] = "KGM"
        columns[s.field] = spec
    doc = {
        "id": profile_id, "profile_version": 1, "role": "commercial_lines",
        "title": f"Draft profile from {path.name}",
        "description": f"Drafted by ssdd from {path.name} (header on row {sheet.row_numbers[hdr]}). Review it.",
        "containers": [wb.container], "columns": columns,
    }
    if wb.sheets and sheet.encoding:
        doc["encodings"] = [sheet.encoding]
    lines = [f"# Draft profile drafted from {path.name}: review every line, then save it in your profiles folder.",
             f"# Header row: {sheet.row_numbers[hdr]} (sheet '{sheet.name}'). Needed fields mapped: "
             f"{len(mapped & set(NEEDED))}/{len(NEEDED)}.",
             "# Suggestions (header -> field, confidence, why):"]
    for s in sugg:
        lines.append(f"#   {s.header!s} -> {s.field or '(unmapped)'} [{s.type}] {s.confidence:.2f}: {s.why}")
    missing = [f for f in NEEDED if f not in mapped]
    if missing:
        lines.append(f"# Still needed: {', '.join(missing)} (add the header under columns:).")
    body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120)
    return "\n".join(lines) + "\n" + body, coverage
