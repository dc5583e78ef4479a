"""Read one trader folder: settings, then every file through its profile.

A file that cannot be read or matched is *refused* with one sentence and the run goes on; every
row of a read file is accounted for in its :class:`FileReport`.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from transforms.ingest import trip_plan
from transforms.ingest.inbox import outside_links, trader_folders, walk_folder
from transforms.ingest.mapping import map_sheet, with_invoice_column
from transforms.ingest.profiles.match import HeaderMatch, detect, find_header, header_hint
from transforms.ingest.profiles.registry import ProfileError, Profiles
from transforms.ingest.profiles.schema import Profile
from transforms.ingest.readers import ReadRefused, read_file
from transforms.model.inputs import CellProblem, FileReport, MappedTable, SourceTable, TraderInput
from transforms.model.reference import Reference
from transforms.model.trader import TRADER_FILE, TraderSettingsError, load_trader
from transforms.plumbing.personal import personal_values, remember_personal

if TYPE_CHECKING:
    from transforms.model.faults import InternalError

#: Files that are never trader data: editor lock files, partial uploads, OS litter, our own files.
IGNORED_PATTERNS: tuple[str, ...] = ("~$*", "*.tmp", "*.part", "*.crdownload", "Thumbs.db", ".DS_Store",
                                     ".*", "*.errors.xlsx", "*.errors.csv", "README*")
RESPONSES_DIR = "_responses"
#: trader.yaml is a source family of its own (source-formats.md §G), versioned like a profile.
TRADER_SETTINGS_PROFILE = "trader_settings@1"


@dataclass
class TraderIngest:
    trader: str
    input: TraderInput | None
    files: list[FileReport] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)
    source_headers: dict[str, dict[str, str]] = field(default_factory=dict)
    #: delimited files' encoding as read, so the error workbook re-reads them the same way
    source_encodings: dict[str, str] = field(default_factory=dict)
    #: sha256 of earlier nights' files whose rows come from the store
    carried_sha256: dict[str, str] = field(default_factory=dict)
    #: files whose reading or mapping raised unexpectedly: each refused, the others read (transforms.model.faults)
    internal_errors: list[InternalError] = field(default_factory=list)

    def release_tables(self) -> None:
        """Drop the mapped rows once assembled and stored: a million-line night should not hold them
        twice. Totals and headers stay (small)."""
        if self.input is None:
            return
        for src in (*self.input.lines, *self.input.masters, *self.input.trips):
            src.table.frame = src.table.frame.iloc[0:0]


def is_ignored(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pat) for pat in IGNORED_PATTERNS)


def trader_files(folder: Path) -> list[Path]:
    """Data files of a trader folder, oldest first (file time, then name): later exports win. Links are
    followed only inside the folder (:func:`transforms.ingest.inbox.walk_folder`; the refused ones are in
    :func:`link_refusals`)."""
    files = [p for p in walk_folder(folder, folder.parent).files if p.name != TRADER_FILE
             and not is_ignored(p.name) and RESPONSES_DIR not in p.relative_to(folder).parts]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


def link_refusals(inbox: Path) -> list[FileReport]:
    """One refused entry per link that leads out of the inbox (or into another trader's folder), and per
    folder that cannot be listed: the run reports them and never walks them."""
    found = outside_links(inbox)
    for folder in trader_folders(inbox):
        found += [(p, reason) for p, reason in walk_folder(folder, inbox).refused
                  if not is_ignored(p.name) and RESPONSES_DIR not in p.relative_to(folder).parts]
    return [FileReport(p.relative_to(inbox).as_posix(), p.relative_to(inbox).parts[0], status="refused", reason=reason)
            for p, reason in found]


def ingest_trader(folder: Path, inbox: Path, profiles: Profiles, reference: Reference) -> TraderIngest:
    """The trader's settings first, then every file through its profile, oldest first. Without usable
    settings or with a profile that cannot be used, every file is refused with the reason; otherwise each
    file is read inside its own fault boundary (:func:`_ingest_file`)."""
    out = _settings_or_refusal(folder, inbox)
    tin = out.input
    if tin is None:
        return out
    settings = tin.settings
    try:
        named: Profile | None = profiles.get(settings.profile) if settings.profile else None
    except ProfileError as exc:
        return _refuse_for_profile(out, tin.settings_label, folder, inbox, exc)
    reading = _Reading(inbox, profiles, named, reference, ZoneInfo(settings.timezone))
    for order, path in enumerate(trader_files(folder)):
        _ingest_file(out, tin, path, order, reading)
    return out


def _settings_or_refusal(folder: Path, inbox: Path) -> TraderIngest:
    """The ingest started with the trader's settings as its first file read; or, when the folder has no
    trader.yaml, an unreadable one or another trader's id in it, the ingest of a refused folder (no input)."""
    trader = folder.name
    settings_path = folder / TRADER_FILE
    label = settings_path.relative_to(inbox).as_posix()
    if not settings_path.is_file() or not settings_path.resolve().is_relative_to(folder.resolve()):
        reports = [FileReport(p.relative_to(inbox).as_posix(), trader, status="refused",
                              reason=f"Trader folder {trader} has no {TRADER_FILE}; add the trader's settings "
                                     "(consignor, customers) so its files can be filed.")
                   for p in trader_files(folder)]
        return TraderIngest(trader, None, reports)
    try:
        settings = load_trader(settings_path)
    except TraderSettingsError as exc:
        reports = [FileReport(label, trader, TRADER_SETTINGS_PROFILE, "refused", str(exc))]
        reports += [FileReport(p.relative_to(inbox).as_posix(), trader, status="refused",
                               reason=f"{trader}/{TRADER_FILE} could not be read, so this file waits; {exc}")
                    for p in trader_files(folder)]
        return TraderIngest(trader, None, reports)
    if settings.trader != trader:
        reason = (f"{label} says trader '{settings.trader}' but sits in folder '{trader}'; make the folder name "
                  "and the trader id agree.")
        return TraderIngest(trader, None, [FileReport(label, trader, TRADER_SETTINGS_PROFILE, "refused", reason)])
    tin = TraderInput(settings=settings, settings_label=label)
    return TraderIngest(trader, tin, [FileReport(label, trader, TRADER_SETTINGS_PROFILE, rows_in=1, rows_reference=1,
                                                 sha256=hashlib.sha256(settings_path.read_bytes()).hexdigest())])


def _refuse_for_profile(out: TraderIngest, label: str, folder: Path, inbox: Path, exc: ProfileError) -> TraderIngest:
    """trader.yaml (``label``) names a profile that cannot be used: the settings are refused with the
    profile's sentence and every file is listed, each waiting with the reason (a file missing from the
    summary is silent)."""
    out.files.append(FileReport(label, out.trader, TRADER_SETTINGS_PROFILE, "refused", str(exc)))
    out.files += [FileReport(p.relative_to(inbox).as_posix(), out.trader, status="refused",
                             reason=f"{label} names a profile that cannot be used, so this file waits; {exc}")
                  for p in trader_files(folder)]
    return out


@dataclass(frozen=True)
class _Reading:
    """What reading each file of one trader needs, settled once per folder."""
    inbox: Path
    profiles: Profiles
    #: trader.yaml ``profile:``, which applies to commercial exports (:func:`_choose`)
    named: Profile | None
    reference: Reference
    #: the trader's local time zone, in which its files' naive times are read
    tz: ZoneInfo


def _ingest_file(out: TraderIngest, tin: TraderInput, path: Path, order: int, reading: _Reading) -> None:
    """One file into the trader's ingest, with its report. Reading, choosing the profile and mapping run
    inside the fault boundary: a defect there refuses this file and the trader's other files are read."""
    rel = path.relative_to(reading.inbox).as_posix()
    report = FileReport(rel, out.trader)
    out.files.append(report)
    try:
        mapped = _read_and_map(path, rel, report, tin, reading)
    except ReadRefused as exc:
        report.status, report.reason = "refused", exc.reason
        return
    except Exception as exc:  # the fault boundary: a defect refuses this file, the others are read
        _refuse_faulted(out, report, exc)
        return
    if mapped is None:
        return
    match, table = mapped
    _take_by_role(out, tin, report, match, SourceTable(out.trader, rel, order, table))


def _read_and_map(path: Path, rel: str, report: FileReport, tin: TraderInput,
                  reading: _Reading) -> tuple[HeaderMatch, MappedTable] | None:
    """The file read, matched to a profile and mapped to canonical rows; ``None`` when it is refused with
    the sentence detection gave (in ``report``)."""
    settings = tin.settings
    # without declared encodings the reader tries candidates against the profiles' headers
    wb = read_file(path, encodings=settings.encodings or None,
                   header_hint=header_hint(reading.profiles))  # type: ignore[arg-type]
    report.sha256 = wb.sha256
    match = _choose(reading.profiles, reading.named, wb, rel)
    if not isinstance(match, str):   # trader.yaml invoice_no_column
        match = with_invoice_column(match, settings.invoice_no_column, rel)
    if isinstance(match, str):
        report.status, report.reason = "refused", match
        if trip_plan.looks_like_trip_plan(reading.profiles, wb):   # its trader's lines are told the plan was refused
            tin.refused_plans.append(rel)
        return None
    report.profile = match.profile.ref
    table = map_sheet(match, src_file=rel, reference=reading.reference, local_tz=reading.tz,
                      direction_view=settings.direction_view)
    if match.profile.role == "trip_plan":   # carrier from trader.yaml; rows naming no trip set aside
        trip_plan.settle_trip_plan(table, settings)
    return match, table


def _take_by_role(out: TraderIngest, tin: TraderInput, report: FileReport, match: HeaderMatch,
                  src: SourceTable) -> None:
    """A mapped file's rows and counts into the ingest: commercial lines, item masters or trip plans."""
    table = src.table
    out.problems.extend(table.problems)
    out.source_headers[src.label] = table.headers
    if match.sheet.encoding is not None:
        out.source_encodings[src.label] = match.sheet.encoding
    report.rows_in = table.rows_in
    report.rows_ignored = table.rows_ignored
    role = match.profile.role
    if role == "commercial_lines":
        tin.lines.append(src)
    else:
        report.rows_reference, report.rows_quarantined = trip_plan.counts(table)
        # drivers' names and codes: redacted wherever a log line of this process quotes one
        remember_personal(personal_values([table.frame]))
        (tin.masters if role == "item_master" else tin.trips).append(src)


def _refuse_faulted(out: TraderIngest, report: FileReport, exc: Exception) -> None:
    from transforms.model.faults import fault

    error = fault("read", exc, trader=out.trader, file=report.path)
    report.status, report.reason, report.profile = "refused", error.reason, None
    report.rows_in = report.rows_ignored = 0
    out.internal_errors.append(error)


def ingest_folder(folder: Path, inbox: Path, profiles_dir: Path | None) -> TraderIngest:
    """:func:`ingest_trader` with the run's profiles and the shipped reference: what a worker process
    runs (both loads are cached per process)."""
    from transforms.ingest.profiles.registry import load_profiles

    return ingest_trader(folder, inbox, load_profiles(profiles_dir), Reference.load())


def _choose(profiles: Profiles, named: Profile | None, wb: object, label: str) -> HeaderMatch | str:
    """The trader's named profile applies to commercial exports; item masters and trip plans are
    recognised by their headers."""
    from transforms.ingest.readers import RawWorkbook

    assert isinstance(wb, RawWorkbook)
    found = detect(profiles, wb, file_label=label)
    if found.match is not None:
        if named is not None and found.match.profile.role == "commercial_lines" and found.match.profile.id != named.id:
            forced = _force(named, wb)
            if forced is not None:
                return forced
        return found.match
    if named is not None:
        forced = _force(named, wb)
        if forced is not None:
            return forced
    return found.reason or f"{label} could not be matched to a profile."


def _force(profile: Profile, wb: object) -> HeaderMatch | None:
    from transforms.ingest.readers import RawWorkbook

    assert isinstance(wb, RawWorkbook)
    for sheet in wb.sheets:
        if sheet.hidden:
            continue
        m = find_header(profile, sheet)
        if m is not None and m.complete:
            return m
    return None


def folder_files(folder: Path, inbox: Path) -> list[str]:
    """The files a trader folder holds, relative to the inbox, as well as they can be listed; the
    folder itself when they cannot (what a refusal then names)."""
    try:
        return [p.relative_to(inbox).as_posix() for p in trader_files(folder)] or [f"{folder.name}/"]
    except Exception:  # the listing is what failed: name the folder
        return [f"{folder.name}/"]
