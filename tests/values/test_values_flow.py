"""Bad values in one trader's lines hold only that trader's truck, each cell with one sentence that
shows what the trader wrote (never nan/None), and trader.yaml defaults fill only empty cells."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "samples" / "inbox"
AS_OF = "2026-11-25T20:00:00+08:00"
LINES = "acme/goods_lines_20261125.xlsx"
SHEET = f"{LINES} (sheet goods_items)"


def test_bad_values_are_cell_findings_one_per_cell_with_the_default_origin_applied(tmp_path: Path,
                                                                                  run_flow: Any) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(SAMPLE, inbox)
    settings = inbox / "acme" / "trader.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "defaults:\n  country_of_origin: CN\n",
                        encoding="utf-8")
    path = inbox / LINES
    wb = load_workbook(path)
    sheet = wb.active
    assert sheet is not None
    sheet["P2"] = None          # no origin: the trader default applies, with a warning
    for ref in ("C2", "C3", "C4"):
        sheet[ref] = None       # no customer on the invoice
    sheet["P3"] = "China-TW"    # an origin that cannot be read: one finding, not also "is empty"
    sheet["N4"] = "1e308"       # ended the run in bundle.py (ArrowInvalid)
    sheet["S4"] = "Infinity"    # ended the run in build.py (OverflowError)
    for ref in ("D4", "I4", "J4"):
        sheet[ref] = None       # no SKU and no HS code
    wb.save(path)

    summary = run_flow(inbox, ws, AS_OF)
    status = {s.trip_ref: s.status for s in summary.submissions}
    assert status == {"AC-T101": "held", "MF-T001": "filed", "MF-T002": "held"}
    held = next(s for s in summary.submissions if s.trip_ref == "AC-T101")
    for reason in (
            f"{SHEET} row 3, column country_of_origin: 'China-TW' is not an ISO 3166 country or its name "
            "(e.g. CN, 中国).",
            f"{SHEET} row 4, column line_amount_value: '1e308' is not a number below 1,000,000,000,000,000 "
            "(this one is out of range).",
            f"{SHEET} row 4, column packages_qty: 'Infinity' is not a number below 1,000,000,000,000,000 "
            "(this one is out of range).",
            f"{LINES} row 4: the line has neither a SKU nor an HS code; add the SKU (found in the item master) or "
            "the HS code.",
            f"{LINES}: invoice 'ACME-INV-7001' names no customer (the consignee); fill in the customer as "
            "trader.yaml lists it."):
        assert reason in held.reasons, held.reasons
    assert not [r for r in held.reasons if "row 3, column country_of_origin: country_of_origin is empty" in r]
    assert not [r for r in held.reasons if "row 2, column country_of_origin" in r]   # filled by the default
    for r in held.reasons:
        assert "nan" not in r.split("'") and "None" not in r.split("'"), r
    twin = (ws / "quarantine" / "acme" / "goods_lines_20261125.xlsx.errors.csv").read_text(encoding="utf-8-sig")
    assert "invoice 'ACME-INV-7001' states no country of origin; the trader default 'CN' from trader.yaml was used." \
        in twin
    assert twin.count("China-TW") >= 1 and "country_of_origin is empty" not in twin
    assert all(f.reconciles() for f in summary.files)
