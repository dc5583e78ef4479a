"""``ssdd reference import-tariff FILE``: load an official China tariff workbook into the workspace.

The shipped ``cn_tariff_lines`` rows are illustrative, so the tariff checks (legal units, 申报要素
count) only warn. A tariff workbook the user obtained from an official source is read here, checked,
and written to ``<workspace>/reference/cn_tariff_lines.csv`` with a ``cn_tariff_lines.source.json``
naming the file, its sha256 and when it was loaded; runs then use it instead of the shipped rows and
its rows may hold a trip. Nothing is written into the repository.

Columns (first sheet of an xlsx, or a UTF-8 CSV), by header, English or Chinese:
- ``hs_cn`` / 商品编号: 10 digits;
- ``description_zh`` / 商品名称;
- ``unit_1`` / 法定第一单位 and ``unit_2`` / 法定第二单位: China 3-digit unit codes (unit_2 may be empty);
- ``elements`` / 申报要素: the element names in tariff order, separated by ``|`` or ``;``, each
  optionally numbered (``0:品牌类型;1:出口享惠情况;2:用途``); 品名 is dropped (it is declared in GName).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import pandas as pd

TARIFF_TABLE: Final = "cn_tariff_lines"
COLUMNS: Final = {"hs_cn": ("hs_cn", "商品编号", "商品编码"), "description_zh": ("description_zh", "商品名称"),
                  "unit_1": ("unit_1", "法定第一单位"), "unit_2": ("unit_2", "法定第二单位"),
                  "elements": ("elements", "申报要素")}
_NUMBERED = re.compile(r"^\s*\d+\s*[:：]\s*")


class TariffImportError(Exception):
    """One sentence naming the file, row, column and what was expected."""


@dataclass(frozen=True)
class TariffImport:
    rows: int
    table: Path
    source: Path


def _element_names(text: str) -> list[str]:
    names = [_NUMBERED.sub("", n).strip() for n in re.split(r"[|;；]", text)]
    return [n for n in names if n and n != "品名"]


def _read(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        frame = pd.read_excel(path, dtype=str, sheet_name=0)
    elif path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    else:
        raise TariffImportError(f"{path.name} is not an .xlsx or .csv file; export the tariff as one of them.")
    rename = {}
    for col in frame.columns:
        for target, headers in COLUMNS.items():
            if str(col).strip() in headers:
                rename[col] = target
    frame = frame.rename(columns=rename)
    missing = [f"{k} ({'/'.join(v[1:])})" for k, v in COLUMNS.items() if k not in frame.columns and k != "unit_2"]
    if missing:
        raise TariffImportError(f"{path.name} has no column {', '.join(missing)}; the tariff needs them.")
    if "unit_2" not in frame.columns:
        frame["unit_2"] = ""
    return frame.fillna("")


def tariff_rows(path: Path, units: frozenset[str], valid_from: str) -> pd.DataFrame:
    """The workbook as ``cn_tariff_lines`` rows; the first bad cell raises with its place."""
    frame = _read(path)
    rows = []
    for i, r in enumerate(frame.to_dict("records"), start=2):
        hs = str(r["hs_cn"]).strip()
        if not re.fullmatch(r"\d{10}", hs):
            raise TariffImportError(f"{path.name} row {i}, column hs_cn: '{hs}' is not a 10-digit 商品编号.")
        u1, u2 = str(r["unit_1"]).strip(), str(r["unit_2"]).strip()
        for col, unit in (("unit_1", u1), ("unit_2", u2)):
            if (unit or col == "unit_1") and unit not in units:
                raise TariffImportError(f"{path.name} row {i}, column {col}: '{unit}' is not a China unit code "
                                        "(cn_units, e.g. 035 千克).")
        names = _element_names(str(r["elements"]))
        if not names:
            raise TariffImportError(f"{path.name} row {i}, column elements: no 申报要素 names.")
        rows.append({"hs_cn": hs, "description_zh": str(r["description_zh"]).strip(), "unit_1": u1, "unit_2": u2,
                     "element_count": str(len(names)), "element_names": "|".join(names),
                     "valid_from": valid_from, "valid_to": ""})
    out = pd.DataFrame(rows)
    dup = out["hs_cn"][out["hs_cn"].duplicated()].tolist() if rows else []
    if dup:
        raise TariffImportError(f"{path.name} lists 商品编号 {dup[0]} twice; each tariff line once.")
    return out


def import_tariff(path: Path, workspace: Path, units: frozenset[str], valid_from: str,
                  now: datetime) -> TariffImport:
    """Write the checked tariff and its source record into ``<workspace>/reference/``."""
    rows = tariff_rows(path, units, valid_from)
    folder = workspace / "reference"
    folder.mkdir(parents=True, exist_ok=True)
    table = folder / f"{TARIFF_TABLE}.csv"
    rows.to_csv(table, index=False, encoding="utf-8", lineterminator="\n")
    source = folder / f"{TARIFF_TABLE}.source.json"
    source.write_text(json.dumps({
        "table": TARIFF_TABLE, "file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "rows": len(rows), "valid_from": valid_from, "imported_at": now.isoformat(), "official": True,
    }, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return TariffImport(len(rows), table, source)
