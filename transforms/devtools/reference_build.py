"""Build the product's own reference tables (``data/reference``) from the research snapshot.

    python -m transforms.devtools.reference_build --shared ../shared --out data/reference

Reads ``<shared>/reference/cn-customs/codes/`` (the official code tables of the customs interface
pack: units, packages, currencies, countries, trade and transport modes, ports, domestic ports and
districts — see :mod:`transforms.devtools.reference_official`), ``<shared>/codelists/*.csv`` and
``<shared>/corpus/reference/`` (HS 2022, ISO 4217 minor units, UNSD Chinese country names, the
pycountry 26.2.16 databases) and writes normalised UTF-8
CSVs with ``valid_from``/``valid_to``, a ``manifest.json`` (version, rows, sha256, sources) and a
``README.md``. The output is deterministic: the same inputs give byte-identical files (a test checks
the committed tables against a fresh build). Long ``source`` texts go to the manifest, not the rows.

This module is the command and the order of the build; the tables are made by kind, in the modules
beside it (all ``transforms.devtools``):

- ``reference_table``: the output table type and the build's inputs;
- ``reference_lists``: the code lists, international and Mainland (with the illustrative tariff lines);
- ``reference_aliases``: the spellings traders write, and the alias tables;
- ``reference_crosswalks``: international → Mainland codes; ``reference_build_dec`` and
  ``reference_official``: what the 报关单 needs beyond them;
- ``reference_write``: the CSVs, ``manifest.json`` and the README.

Curated facts that no shared file holds (trader aliases, crosswalk decisions, illustrative tariff
lines) are declared as data in the module that builds their table, each with the reason for the
choice; ``manifest.json`` cites that module, and the build checks every fact against the lists it
points into and fails rather than write a dangling code.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from transforms.devtools.reference_aliases import alias_tables, check_aliases
from transforms.devtools.reference_build_dec import dec_crosswalks
from transforms.devtools.reference_crosswalks import crosswalks
from transforms.devtools.reference_lists import china_lists, international_lists
from transforms.devtools.reference_official import declaration_element_codes, duty_modes
from transforms.devtools.reference_table import Out, Tables
from transforms.devtools.reference_write import write

REPO: Final = Path(__file__).resolve().parents[2]


def build(shared: Path) -> dict[str, Out]:
    """Every table of ``data/reference``, by name, made from ``shared`` and checked.

    The order matters: a table built later reads the ones before it (the China lists check the
    countries, the crosswalks both their ends, the duty modes the levy natures)."""
    tables = Tables(shared)
    international_lists(tables)
    china_lists(tables)
    alias_tables(tables)
    crosswalks(tables)
    declaration_element_codes(tables.make)
    duty_modes(tables.make, tables.out["cn_levy_nature"].by("code"))
    dec_crosswalks(tables.codelists.parent, tables.make)
    check(tables)
    return tables.out


def check(tables: Tables) -> None:
    """No key twice on the same date in a code list or crosswalk, and every alias readable one way."""
    for table in tables.out.values():
        first = table.columns[0]
        keys = [(r[first], r["valid_from"]) for r in table.rows]
        if len(keys) != len(set(keys)) and not table.name.endswith("aliases"):
            raise ValueError(f"{table.name}: duplicate {first}")
    check_aliases(tables)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared research folder")
    parser.add_argument("--out", type=Path, default=REPO / "data" / "reference", help="output folder")
    args = parser.parse_args(argv)
    manifest = write(build(args.shared), args.out)
    for name, entry in manifest.items():
        print(f"{name:32} {entry['rows']:>6} rows  version {entry['version']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
