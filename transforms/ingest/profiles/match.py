"""Find a profile's header row in a sheet, and pick the profile a file belongs to.

Headers compare after NFKC (full-width -> half-width, ``（）`` -> ``()``), case folding and
whitespace folding, so ``ＨＳ编码``, ``hs编码 `` and ``HS编码`` are one header.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from transforms.ingest.profiles.schema import Profile
from transforms.ingest.readers import RawSheet, RawWorkbook
from transforms.model.reference import norm_header


@dataclass(frozen=True)
class HeaderMatch:
    profile: Profile
    sheet: RawSheet
    header_index: int                      # index into sheet.rows
    columns: dict[str, int]                # profile key -> column index
    headers: dict[str, str]                # profile key -> header as written
    extra: dict[str, int] = field(default_factory=dict)  # helper headers (weight unit, tax rate…)
    missing_required: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing_required

    @property
    def score(self) -> float:
        return len(self.columns) / max(len(self.profile.columns), 1)

    @property
    def header_row_number(self) -> int:
        return self.sheet.row_numbers[self.header_index]


def _index(row: Sequence[str | None]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(row):
        key = norm_header(cell)
        if key and key not in found:
            found[key] = i
    return found


def _helper_headers(profile: Profile) -> dict[str, list[str]]:
    helpers: dict[str, list[str]] = {}
    for key, spec in profile.columns.items():
        if spec.unit_headers:
            helpers[f"{key}__unit"] = spec.unit_headers
    if profile.tax is not None:
        helpers["__tax_rate"] = profile.tax.rate_headers
        helpers["__tax_net"] = profile.tax.net_headers
    return helpers


def _match_row(profile: Profile, sheet: RawSheet, idx: int) -> HeaderMatch:
    cells = _index(sheet.rows[idx])
    cols: dict[str, int] = {}
    written: dict[str, str] = {}
    for key, spec in profile.columns.items():
        for h in spec.headers:
            pos = cells.get(norm_header(h))
            if pos is not None:
                cols[key] = pos
                written[key] = str(sheet.rows[idx][pos]).strip()
                break
    extra: dict[str, int] = {}
    for key, names in _helper_headers(profile).items():
        for h in names:
            pos = cells.get(norm_header(h))
            if pos is not None:
                extra[key] = pos
                break
    missing = tuple(k for k, s in profile.columns.items() if s.required and k not in cols)
    return HeaderMatch(profile, sheet, idx, cols, written, extra, missing)


def find_header(profile: Profile, sheet: RawSheet) -> HeaderMatch | None:
    """The best header row within the first ``header_scan_rows`` rows, complete or not."""
    best: HeaderMatch | None = None
    for idx in range(min(len(sheet.rows), profile.header_scan_rows)):
        m = _match_row(profile, sheet, idx)
        if not m.columns:
            continue
        if best is None or (len(m.missing_required), -len(m.columns)) < (len(best.missing_required),
                                                                          -len(best.columns)):
            best = m
    return best


def header_hint(profiles: Iterable[Profile]) -> object:
    """A predicate for the CSV decoder: does this row look like any profile's header row?"""
    wanted = [{norm_header(h) for s in p.columns.values() if s.required for h in s.headers} for p in profiles]

    def hint(cells: list[str | None]) -> bool:
        keys = {norm_header(c) for c in cells if c}
        return any(len(keys & w) >= 2 for w in wanted)
    return hint


@dataclass(frozen=True)
class Detection:
    match: HeaderMatch | None
    reason: str | None            # one sentence when refused
    candidates: tuple[HeaderMatch, ...] = ()


def _visible(wb: RawWorkbook) -> list[RawSheet]:
    return [s for s in wb.sheets if not s.hidden]


def detect(profiles: Iterable[Profile], wb: RawWorkbook, *, file_label: str) -> Detection:
    """The profile whose header row this file carries, over its visible sheets.

    Refused when nothing matches completely, or two profiles match equally well; the sentence
    names the closest profiles and the headers each is missing.
    """
    matches: list[HeaderMatch] = []
    for profile in profiles:
        # an Excel 2.x-4.x stream is an .xls to the trader and to the profile
        if ("xls" if wb.container == "biff" else wb.container) not in profile.containers:
            continue
        for sheet in _visible(wb):
            m = find_header(profile, sheet)
            if m is not None:
                matches.append(m)
    complete = sorted((m for m in matches if m.complete), key=lambda m: -m.score)
    if complete:
        best = complete[0]
        rivals = [m for m in complete[1:] if m.profile.id != best.profile.id and abs(m.score - best.score) < 0.05]
        if rivals:
            names = ", ".join(sorted({best.profile.id, *(r.profile.id for r in rivals)}))
            return Detection(None, f"{file_label} matches several profiles equally well ({names}); name the "
                                   "profile in trader.yaml (profile: …).", tuple(complete))
        return Detection(best, None, tuple(complete))
    ranked = sorted(matches, key=lambda m: (len(m.missing_required), -len(m.columns)))
    # the closest sheet of each profile: a workbook of several sheets named one profile once per sheet
    near: list[HeaderMatch] = []
    for m in ranked:
        if all(n.profile.id != m.profile.id for n in near):
            near.append(m)
    near = near[:3]
    if not near:
        return Detection(None, _no_header(wb, file_label))
    hints = "; ".join(f"{m.profile.id} lacks {', '.join(m.profile.columns[k].headers[0] for k in m.missing_required)}"
                      for m in near)
    # naming a profile in trader.yaml forces only a complete match, so it is no fix for missing columns
    return Detection(None, f"{file_label} matches no profile completely (closest: {hints}); add the missing "
                           "columns to the export, or describe this export in a profile of its own "
                           "(ssdd profiles new --from FILE).", tuple(ranked[:3]))


def _no_header(wb: RawWorkbook, file_label: str) -> str:
    """The refusal of a file in which no profile finds a header row, saying what the file is."""
    markup = wb.sheets[0].markup if wb.container == "csv" and wb.sheets else None
    if markup is not None:
        responses = " (customs responses in XML go to <inbox>/_responses/ as they are)" if "XML" in markup else ""
        return (f"{file_label} is {markup}, not a table of any known profile; export the data as .xlsx or CSV "
                f"from the source system{responses}.")
    where = "" if wb.container == "csv" else " in its visible sheets"
    return (f"{file_label} has no header row of any known profile{where}; send an export from a supported system "
            "or add a profile (ssdd profiles new --from FILE).")
