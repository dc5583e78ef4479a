"""The reference build's working parts: one output table (:class:`Out`), the build's inputs and the
tables made so far (:class:`Tables`), and the small readers every table builder shares.

Split from :mod:`transforms.devtools.reference_build` so the modules that build one kind of table
(code lists, aliases, crosswalks) and the writer share one table type without importing the command.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from transforms.model.reference import normalise_key

HS2022: Final = "2022-01-01"  # HS 2022 entered into force
CN_2018: Final = "2018-08-01"  # 关检融合 declaration reform: post-2018 China lists
DEFAULT_FROM: Final = "2024-01-01"  # when no effective date is known (start of the SSDD era)
PYCOUNTRY: Final = "pycountry-26.2.16"


@dataclass
class Out:
    """One output table: columns (without validity), rows (with ``valid_from``/``valid_to``)."""

    name: str
    columns: tuple[str, ...]
    rows: list[dict[str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    #: copied from the official customs tables: checks may hold a trip on these rows
    official: bool = False

    def add(self, valid_from: str = DEFAULT_FROM, valid_to: str = "", **values: str) -> None:
        missing = set(self.columns) - set(values)
        extra = set(values) - set(self.columns)
        if missing or extra:
            raise ValueError(f"{self.name}: missing {sorted(missing)}, unexpected {sorted(extra)}")
        self.rows.append({**values, "valid_from": valid_from, "valid_to": valid_to})

    def source(self, *texts: str) -> None:
        for text in texts:
            if text and text not in self.sources:
                self.sources.append(text)

    def col(self, name: str) -> list[str]:
        return [r[name] for r in self.rows]

    def by(self, key: str) -> dict[str, dict[str, str]]:
        return {r[key]: r for r in self.rows}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def row_sources(rows: Iterable[dict[str, str]]) -> list[str]:
    """The distinct ``source`` texts of an input list's rows, in first-seen order: they go to the
    manifest, not the output rows."""
    seen: list[str] = []
    for row in rows:
        text = (row.get("source") or row.get("sources") or "").strip()
        if text and text not in seen:
            seen.append(text)
    return seen


def dedupe(texts: Iterable[str], exclude: Iterable[str] = ()) -> str:
    """``|``-join texts once each (by normalised key), leaving out ``exclude`` and blanks."""
    seen = {normalise_key(x) for x in exclude if x}
    kept: list[str] = []
    for text in texts:
        key = normalise_key(text)
        if key and key not in seen and "|" not in text:
            seen.add(key)
            kept.append(text.strip())
    return "|".join(kept)


class Tables:
    """The build's input folders and the tables made so far, by name: a later table reads an earlier
    one (a crosswalk checks both its ends), so the builders run in the order
    :func:`transforms.devtools.reference_build.build` gives."""

    def __init__(self, shared: Path) -> None:
        self.codelists = shared / "codelists"
        self.corpus = shared / "corpus" / "reference"
        self.pack = shared / "reference" / "cn-customs" / "codes"
        for folder in (self.codelists, self.corpus, self.pack):
            if not folder.is_dir():
                raise FileNotFoundError(f"missing input folder {folder}")
        self.out: dict[str, Out] = {}

    def cl(self, name: str) -> list[dict[str, str]]:
        return read_csv(self.codelists / name)

    def put(self, table: Out) -> Out:
        self.out[table.name] = table
        return table

    def make(self, name: str, columns: tuple[str, ...], official: bool = False) -> Out:
        """A new empty table, registered under ``name``."""
        return self.put(Out(name, columns, official=official))
