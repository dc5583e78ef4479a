"""The crosswalk the 报关单 ``DecMessage`` writer (``transforms/filing/writers/cn_dec.py``) adds to
``data/reference``, built by :mod:`transforms.devtools.reference_build` like every other table.

``xw_container_iso_cn``: ISO 6346 size-type code (``equipment.size_type``) → 集装箱规格 (``ContainerMd``),
target codes checked against the official table ``reference/cn-customs/codes/container_specs.csv``.
The levy nature → DutyMode crosswalk is ``xw_levy_nature_duty_mode_cn`` of
:mod:`transforms.devtools.reference_official`.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Final, Protocol

CN_2018: Final = "2018-08-01"
CURATED: Final = "curated in transforms/devtools/reference_build_dec.py"
CONTAINER_SPECS: Final = Path("reference/cn-customs/codes/container_specs.csv")

# ISO 6346 size-type: 1st character length (2 = 20 ft, 4 = 40 ft), 3rd-4th type (G general, R reefer, T tank).
_S20, _L40 = "20 ft", "40 ft"
XW_CONTAINER: Final = (
    *((c, "21", "proposed", f"{_S20} general purpose → 普通标准箱（S）") for c in ("20G0", "20G1", "22G0", "22G1")),
    *((c, "22", "proposed", f"{_S20} reefer → 冷藏标准箱（S）") for c in ("22R0", "22R1")),
    *((c, "23", "proposed", f"{_S20} tank → 罐式标准箱（S）") for c in ("22T0", "22T1", "22T2", "22T6")),
    *((c, "11", "proposed", f"{_L40} general purpose → 普通2*标准箱（L）") for c in ("42G0", "42G1", "45G0", "45G1")),
    *((c, "12", "proposed", f"{_L40} reefer → 冷藏2*标准箱（L）") for c in ("42R1", "45R1")),
)


class _Table(Protocol):
    name: str

    def add(self, valid_from: str = ..., valid_to: str = "", **values: str) -> None: ...

    def source(self, *texts: str) -> None: ...


def dec_crosswalks(shared: Path, make: Callable[[str, tuple[str, ...]], _Table]) -> None:
    """Add the container crosswalk through ``make(name, columns)``; fails on a code missing from its list."""
    with (shared / CONTAINER_SPECS).open(encoding="utf-8", newline="") as fh:
        specs = {r["代码"]: r["中文名称"] for r in csv.DictReader(fh) if r["代码"]}
    box = make("xw_container_iso_cn", ("iso_size_type", "cn_code", "cn_name_zh", "status", "note"))
    for iso, code, status, note in XW_CONTAINER:
        if code not in specs:
            raise ValueError(f"xw_container_iso_cn: {code!r} not in {CONTAINER_SPECS}")
        box.add(CN_2018, iso_size_type=iso, cn_code=code, cn_name_zh=specs[code], status=status, note=note)
    box.source(f"{CURATED}; ISO 6346 size-type codes; targets from ../shared/{CONTAINER_SPECS} (official, 2018)")


DEC_TABLE_DOCS: Final = {
    "xw_container_iso_cn": (
        "ISO 6346 size-type → 报关单 集装箱规格 (`ContainerMd`). An unlisted size-type has no mapping: the "
        "declaration writer holds the trip.", "iso_size_type, cn_code, cn_name_zh, status, note",
        "curated; targets from reference/cn-customs/codes/container_specs.csv (official interface pack 2018)",
        "proposed: confirm with a broker"),
}
