"""The product's versioned reference data (``data/reference``): code lists, aliases, crosswalks.

Every table is a UTF-8 CSV whose first column is the code (or, for ``xw_*`` crosswalks, the
source code) and whose last two columns are ``valid_from`` (ISO date) and ``valid_to`` (ISO date,
empty = open). A row is valid on ``on`` when ``valid_from <= on < valid_to``. ``manifest.json``
carries each table's version, row count and sha256; ``README.md`` says where the facts came from.

The tables are built by :mod:`transforms.devtools.reference_build` from ``../shared``; at run time only
``data/reference`` is read. Everything is loaded lazily, once per process and root, and cached:
callers doing vectorised work should take :meth:`Reference.alias_map` / :meth:`Reference.codes`
once and use ``Series.map`` / ``Series.isin``.
"""

from __future__ import annotations

import json
import os
import threading
import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Final, Literal

import pandas as pd

__all__ = ["DEFAULT_ROOT", "AliasKind", "Reference", "norm_header", "normalise_key"]

DEFAULT_ROOT: Final = Path(__file__).resolve().parents[2] / "data" / "reference"
#: A workspace folder of imported tables (``ssdd reference import-tariff``) that replace the shipped
#: ones of the same name: set by the run for its workspace, inherited by worker processes.
OVERLAY_ENV: Final = "SSDD_REFERENCE_OVERLAY"

AliasKind = Literal["country", "currency", "unit", "package", "control_point", "transport_mode"]

VALID_FROM: Final = "valid_from"
VALID_TO: Final = "valid_to"
SEP: Final = "|"


def normalise_key(text: str) -> str:
    """Key for alias matching: NFKC (full-width → half-width, ``（）`` → ``()``), casefold, trim,
    inner whitespace collapsed to one space."""
    # Short keys are cached: profile detection normalises every profile's header aliases against every
    # candidate row of every sheet (about 10,000 calls per trader folder, the same few hundred strings)
    # and code columns repeat their few codes on every line. A long cell (a hostile 100,000 characters)
    # is normalised each time, so the cache stays under about ten megabytes whatever a file holds.
    return _normalised(text) if len(text) <= _CACHED_KEY_CHARS else _normalise(text)


_CACHED_KEY_CHARS: Final = 256


def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


_normalised = lru_cache(maxsize=8192)(_normalise)


def norm_header(text: str | None) -> str:
    """Headers compare like code-list aliases do: one normalisation for both."""
    return "" if text is None else normalise_key(str(text))


# How each alias kind is resolved. Tiers are tried in order; within a tier the first row wins.
# Curated aliases come first on purpose: they hold deliberate re-mappings (e.g. ``EA`` → ``H87``,
# so every piece count shares one canonical unit), then the codes themselves, then the names.
_Tier = tuple[str, str, tuple[str, ...]]  # (table, code column, key columns; "|"-lists allowed)
_ALIAS_TIERS: Final[dict[str, tuple[_Tier, ...]]] = {
    "country": (
        ("countries", "alpha2", ("aliases",)),
        ("countries", "alpha2", ("alpha2", "alpha3")),
        ("countries", "alpha2", ("name_en", "name_zh")),
    ),
    "currency": (
        ("currencies", "code", ("aliases",)),
        ("currencies", "code", ("code",)),
        ("currencies", "code", ("name_en", "name_zh")),
    ),
    "unit": (
        ("unit_aliases", "rec20", ("alias",)),
        ("rec20_units", "code", ("code",)),
        ("rec20_units", "code", ("name",)),
    ),
    "package": (
        ("package_aliases", "rec21", ("alias",)),
        ("rec21_package_types", "code", ("code", "rec20_code")),
        ("rec21_package_types", "code", ("name",)),
    ),
    "control_point": (
        ("control_points", "immd_code", ("names",)),
        ("control_points", "immd_code", ("immd_code",)),
        ("control_points", "immd_code", ("hk_name_en", "hk_name_zh", "mainland_port_zh", "mainland_port_en")),
    ),
    "transport_mode": (
        ("rec19_transport_modes", "code", ("aliases",)),
        ("rec19_transport_modes", "code", ("code",)),
        ("rec19_transport_modes", "code", ("name",)),
    ),
}


class Reference:
    """Read-only access to one reference root. Get instances with :meth:`load` (cached per root)."""

    _instances: ClassVar[dict[tuple[Path, Path | None], Reference]] = {}
    _instances_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, root: Path, overlay: Path | None = None) -> None:
        self.root = root
        self.overlay = overlay
        self._lock = threading.RLock()
        self._raw: dict[str, pd.DataFrame] = {}
        self._filtered: dict[tuple[str, str | None], pd.DataFrame] = {}
        self._codes: dict[tuple[str, str | None], frozenset[str]] = {}
        self._xw: dict[tuple[str, str | None, str | None], dict[str, str]] = {}
        self._aliases: dict[tuple[str, str | None], dict[str, str]] = {}
        self._manifest: dict[str, dict[str, object]] | None = None

    @classmethod
    def load(cls, root: Path | None = None) -> Reference:
        """The (cached) reference for ``root``, default the repository's ``data/reference``."""
        resolved = (root if root is not None else DEFAULT_ROOT).resolve()
        overlay_dir = os.environ.get(OVERLAY_ENV) if root is None else None
        overlay = Path(overlay_dir).resolve() if overlay_dir else None
        with cls._instances_lock:
            ref = cls._instances.get((resolved, overlay))
            if ref is None:
                if not (resolved / "manifest.json").is_file():
                    raise FileNotFoundError(f"no reference data at {resolved} (manifest.json missing)")
                ref = cls._instances[(resolved, overlay)] = cls(resolved, overlay)
            return ref

    @classmethod
    def clear_cache(cls) -> None:
        """Forget every loaded root (tests that rewrite a root use this)."""
        with cls._instances_lock:
            cls._instances.clear()

    # -- tables ---------------------------------------------------------------------------------

    @property
    def manifest(self) -> dict[str, dict[str, object]]:
        with self._lock:
            if self._manifest is None:
                text = (self.root / "manifest.json").read_text(encoding="utf-8")
                data: dict[str, dict[str, object]] = json.loads(text)
                data.update(self._imported())
                self._manifest = data
            return self._manifest

    @property
    def versions(self) -> dict[str, str]:
        """Table name → version (the newest ``valid_from`` in the table), from ``manifest.json``."""
        return {name: str(entry["version"]) for name, entry in self.manifest.items()}

    def _imported(self) -> dict[str, dict[str, object]]:
        """Manifest entries of the overlay's imported tables (``<table>.source.json`` beside each)."""
        out: dict[str, dict[str, object]] = {}
        if self.overlay is None or not self.overlay.is_dir():
            return out
        for source in sorted(self.overlay.glob("*.source.json")):
            rec = json.loads(source.read_text(encoding="utf-8"))
            out[str(rec["table"])] = {
                "version": rec["valid_from"], "rows": rec["rows"], "sha256": rec["sha256"],
                "sources": [f"imported from {rec['file']} on {rec['imported_at']}"], "official": bool(rec["official"])}
        return out

    def _path(self, name: str) -> Path:
        if self.overlay is not None and (self.overlay / f"{name}.source.json").is_file():
            return self.overlay / f"{name}.csv"
        return self.root / f"{name}.csv"

    def is_official(self, name: str) -> bool:
        """True when the table was copied from an official customs source (``official`` in
        manifest.json): only such rows may hold a trip; curated or illustrative rows warn."""
        return self.manifest.get(name.removesuffix(".csv"), {}).get("official") is True

    @property
    def names(self) -> list[str]:
        """Names of all tables in this root."""
        return sorted(self.manifest)

    def _read(self, name: str) -> pd.DataFrame:
        name = name.removesuffix(".csv")
        with self._lock:
            frame = self._raw.get(name)
            if frame is None:
                path = self._path(name)
                if not path.is_file():
                    raise KeyError(f"unknown reference table {name!r}; known: {', '.join(self.names)}")
                # Everything is text: codes keep their leading zeros and "NA" (Namibia) stays "NA".
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
                for col in (VALID_FROM, VALID_TO):
                    if col not in frame.columns:
                        raise ValueError(f"reference table {name!r} has no {col} column")
                self._raw[name] = frame
            return frame

    def _valid(self, name: str, on: date | None) -> pd.DataFrame:
        name = name.removesuffix(".csv")
        key = (name, on.isoformat() if on is not None else None)
        with self._lock:
            frame = self._filtered.get(key)
            if frame is None:
                raw = self._read(name)
                valid_to = raw[VALID_TO]
                if on is None:
                    mask = valid_to == ""
                else:
                    day = on.isoformat()  # ISO dates compare correctly as text
                    mask = (raw[VALID_FROM] <= day) & ((valid_to == "") | (valid_to > day))
                frame = raw.loc[mask].reset_index(drop=True)
                self._filtered[key] = frame
            return frame

    def table(self, name: str, on: date | None = None) -> pd.DataFrame:
        """Rows valid on ``on`` (``valid_from <= on < valid_to``); ``on=None``: all open rows
        (empty ``valid_to``). A copy: callers may change it freely."""
        return self._valid(name, on).copy()

    def codes(self, name: str, on: date | None = None) -> frozenset[str]:
        """The table's code column (its first column), as a set."""
        key = (name.removesuffix(".csv"), on.isoformat() if on is not None else None)
        with self._lock:
            found = self._codes.get(key)
            if found is None:
                frame = self._valid(name, on)
                found = self._codes[key] = frozenset(frame.iloc[:, 0].tolist())
            return found

    def crosswalk(self, name: str, on: date | None = None, target: str | None = None) -> dict[str, str]:
        """Source code (first column) → target code (second column, or ``target``) of a table.

        Rows with an empty target are skipped, so a mapping that does not exist is absent (never
        ``""``). Two valid rows for one source code are an error."""
        xw_key = (name.removesuffix(".csv"), on.isoformat() if on is not None else None, target)
        with self._lock:
            found = self._xw.get(xw_key)
            if found is None:
                frame = self._valid(name, on)
                dst = target if target is not None else str(frame.columns[1])
                if dst not in frame.columns:
                    raise KeyError(f"{name} has no column {dst!r}")
                src = frame.iloc[:, 0]
                keep = frame.loc[(src != "") & (frame[dst] != "")]
                dupes = keep.iloc[:, 0][keep.iloc[:, 0].duplicated()].tolist()
                if dupes:
                    raise ValueError(f"{name}: more than one valid row for {sorted(set(dupes))}")
                found = dict(zip(keep.iloc[:, 0].tolist(), keep[dst].tolist(), strict=True))
                self._xw[xw_key] = found
            return found

    # -- aliases --------------------------------------------------------------------------------

    def alias_map(self, kind: AliasKind, on: date | None = None) -> dict[str, str]:
        """Normalised key (see :func:`normalise_key`) → canonical code, for ``Series.map``.

        Country → ISO 3166-1 alpha-2, currency → ISO 4217, unit → UN/ECE Rec 20, package →
        UN/ECE Rec 21, control point → ImmD code, transport mode → UN/ECE Rec 19. Keys: curated
        aliases, then codes, then names."""
        tiers = _ALIAS_TIERS.get(kind)
        if tiers is None:
            raise ValueError(f"unknown alias kind {kind!r}; known: {', '.join(_ALIAS_TIERS)}")
        key = (str(kind), on.isoformat() if on is not None else None)
        with self._lock:
            found = self._aliases.get(key)
            if found is None:
                found = {}
                for table, code_col, key_cols in tiers:
                    frame = self._valid(table, on)
                    codes = frame[code_col].tolist()
                    for col in key_cols:
                        for code, cell in zip(codes, frame[col].tolist(), strict=True):
                            if not code:
                                continue
                            for text in cell.split(SEP):
                                norm = normalise_key(text)
                                if norm and norm not in found:
                                    found[norm] = code
                self._aliases[key] = found
            return found

    def lookup_alias(self, kind: AliasKind, text: str, on: date | None = None) -> str | None:
        """Canonical code for a code, name or alias written by a trader; None when unknown."""
        return self.alias_map(kind, on).get(normalise_key(text))
