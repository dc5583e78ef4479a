"""Generate a large inbox in every source family, for the benchmark (``make bench LINES=…``).

Deterministic for a given (lines, seed). Lines are spread over traders of all families, in files
of at most 100k lines; about half of the lines are in xlsx; GB18030 and Big5-HKSCS CSVs are among
them; 5 % of lines are bad (concentrated in 5 % of the trips, so a bad row holds its own truck).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook

from transforms.devtools.samples import ACME, CATALOG, MINGFAI, TRIP_HEADER, _master_rows, _trader_yaml, _write_csv

FAMILIES = ("kingdee_csv", "yonyou_xlsx", "sap_csv", "canonical_xlsx", "hk_csv", "sap_xlsx")
LINES_PER_INVOICE = 10
INVOICES_PER_TRIP = 5
MAX_LINES_PER_FILE = 100_000
CONTROL_POINTS = ("LMC", "MKT", "STK")  # the crossings whose Mainland codes are all published


def _write_xlsx_fast(path: Path, header: list[str], rows: list[list[Any]], title: str = "Sheet1") -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)


def _line(family: str, inv: str, day: str, it: Any, qty: int, bad: bool) -> tuple[list[str], list[Any]]:
    amount = round(qty * it.price, 2)
    q: Any = "n/a" if bad else qty
    if family == "kingdee_csv":
        return [], [inv, day.replace("-", "/"), "香港明辉贸易有限公司", it.sku, it.description_zh, it.model, it.unit_zh,
                    q, it.price, amount, "美元", "中国", it.hs_cn, round(qty * it.gross_kg, 3),
                    round(qty * it.net_kg, 3), max(1, qty // 10), "纸箱", ""]
    if family == "yonyou_xlsx":
        return [], [inv, day, "香港明辉贸易有限公司", it.sku, it.description_zh, it.model, it.unit_zh, q, it.price,
                    amount, "USD", "中国", int(it.hs_cn), round(qty * it.gross_kg, 3), round(qty * it.net_kg, 3),
                    max(1, qty // 10)]
    if family in ("sap_csv", "sap_xlsx"):
        def dc(v: float) -> str:
            return f"{v:.2f}".replace(".", ",") if family == "sap_csv" else v  # type: ignore[return-value]
        d = ".".join(reversed(day.split("-")))
        return [], [inv, d, "10", it.sku, it.description_en, q if bad else dc(qty) if family == "sap_csv" else qty,
                    "ST" if it.unit_code == "PCS" else it.unit_code, dc(amount), "USD", dc(qty * it.gross_kg),
                    dc(qty * it.net_kg), "KG", it.hs_hk, "CN", "FOB", "香港明辉贸易有限公司", "香港明辉贸易有限公司"]
    if family == "hk_csv":
        d = "/".join(reversed(day.split("-")))
        return [], [inv, d, "香港明輝貿易有限公司", it.sku, it.description_en, q, it.unit_code,
                    it.price, amount, "USD", "CN", it.hs_hk, round(qty * it.gross_kg, 3), round(qty * it.net_kg, 3),
                    max(1, qty // 10)]
    return [], [inv, day, "香港明辉贸易有限公司", it.sku, it.description_en, it.description_zh, it.model, it.brand,
                it.hs_hk, it.hs_cn, q, it.unit_code, it.price, amount, "USD", "CN", round(qty * it.gross_kg, 3),
                round(qty * it.net_kg, 3), max(1, qty // 10), "CT"]


_HEADERS = {
    "kingdee_csv": ["单据编号", "日期", "客户", "物料编码", "物料名称", "规格型号", "库存单位", "实发数量",
                    "含税单价", "价税合计", "币别", "原产地", "HS编码", "毛重", "净重", "件数", "包装方式", "备注"],
    "yonyou_xlsx": ["发票号", "开票日期", "客户简称", "存货编码", "存货名称", "规格型号", "计量单位", "数量",
                    "原币单价", "原币价税合计", "币种", "产地", "商品编码", "毛重", "净重", "件数"],
    "sap_csv": ["Billing Document", "Billing Date", "Item", "Material", "Material Description", "Billed Quantity",
                "Sales Unit", "Net Value", "Document Currency", "Gross Weight", "Net Weight", "Weight Unit",
                "Commodity Code", "Country of Origin", "Incoterms", "Sold-To Party", "Ship-To Party"],
    "hk_csv": ["發票編號", "發票日期", "收貨人", "貨品編號", "貨品說明", "數量", "單位", "單價", "總值", "貨幣",
               "原產地", "香港商品編號", "毛重(公斤)", "淨重(公斤)", "箱數"],
    "canonical_xlsx": ["invoice_no", "invoice_date", "consignee", "sku", "description_en", "description_zh", "model",
                       "brand", "hs_hk", "hs_cn", "quantity_value", "quantity_unit", "unit_price",
                       "line_amount_value", "line_amount_currency", "country_of_origin", "gross_mass_kg",
                       "net_mass_kg", "packages_qty", "packages_type"],
}
_HEADERS["sap_xlsx"] = _HEADERS["sap_csv"]
_PROFILES = {"kingdee_csv": "kingdee_sales_outbound", "yonyou_xlsx": "yonyou_u8_export_invoice",
             "sap_csv": "sap_billing", "sap_xlsx": "sap_billing", "hk_csv": "hk_trader_invoice",
             "canonical_xlsx": "ssdd_canonical"}


def write_bench_inbox(root: Path, lines: int, seed: int = 7, bad_share: float = 0.05) -> dict[str, Any]:
    """Write ``lines`` goods lines into ``root``; returns a manifest of what was written."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    n_traders = max(len(FAMILIES), -(-lines // 50_000))
    per_trader = [lines // n_traders + (1 if i < lines % n_traders else 0) for i in range(n_traders)]
    manifest: dict[str, Any] = {"lines": lines, "files": [], "traders": n_traders}
    trip_no = 0
    for t, n_lines in enumerate(per_trader):
        family = FAMILIES[t % len(FAMILIES)]
        folder = _trader_folder(root, t, family)
        trip_no = _write_trader_exports(folder, family, t, n_lines, trip_no, rng, bad_share, manifest["files"])
    (root / "MANIFEST.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return manifest


def _trader_folder(root: Path, t: int, family: str) -> Path:
    """Trader number ``t``'s folder with its settings and item master; the settings alternate between
    the two sample traders, with this family's profile."""
    trader = f"t{t:03d}_{family.split('_')[0]}"
    folder = root / trader
    folder.mkdir(exist_ok=True)
    base: dict[str, Any] = dict(MINGFAI) if t % 2 == 0 else dict(ACME)
    base["profile"] = _PROFILES[family]
    first_customer: dict[str, Any] = base["customers"][0]
    base["customers"] = [{**first_customer, "names": ["香港明辉贸易有限公司", "香港明輝貿易有限公司"]}]
    base["defaults"] = {"package_type": "CT"}   # families without a package column need it
    (folder / "trader.yaml").write_text(_trader_yaml(trader, **base), encoding="utf-8")
    _write_csv(folder / "item_master.csv", _master_rows(CATALOG), "utf-8-sig", newline="\n")
    return folder


def _write_trader_exports(folder: Path, family: str, t: int, n_lines: int, trip_no: int, rng: random.Random,
                          bad_share: float, files: list[dict[str, Any]]) -> int:
    """One trader's export files (appended to ``files``) and trip plan; trips are numbered on from
    ``trip_no`` across traders, and the last number used is returned."""
    trader = folder.name
    # SAP exports carry no package counts: its trips carry one invoice each, with the trucking
    # company's stated package total in the trip plan (the ROCARS count needs one or the other)
    per_trip = 1 if family.startswith("sap") else INVOICES_PER_TRIP
    n_inv = -(-n_lines // LINES_PER_INVOICE)
    n_trips = -(-n_inv // per_trip)
    bad_trips = set(rng.sample(range(n_trips), k=round(n_trips * bad_share)))
    trips: list[list[Any]] = [[*TRIP_HEADER, "total_packages"]]
    rows: list[list[Any]] = []
    written = 0
    file_no = 0
    for trip in range(n_trips):
        trip_no += 1
        invs = [f"{trader.upper()}-{trip:05d}-{k}" for k in range(per_trip) if trip * per_trip + k < n_inv]
        packages = 0
        for inv in invs:
            for _ in range(LINES_PER_INVOICE):
                if written >= n_lines:
                    break
                it = CATALOG[rng.randrange(len(CATALOG))]
                qty = rng.randint(1, 500)
                packages += max(1, qty // 10)
                _, row = _line(family, inv, "2026-11-25", it, qty, trip in bad_trips)
                rows.append(row)
                written += 1
                if len(rows) >= MAX_LINES_PER_FILE:
                    files.append(_flush(folder, family, rows, file_no))
                    rows, file_no = [], file_no + 1
        trips.append(_trip_row(t, trip, trip_no, invs, packages if per_trip == 1 else ""))
    if rows:
        files.append(_flush(folder, family, rows, file_no))
    _write_csv(folder / "trip_plan.csv", trips, "utf-8-sig", newline="\n")
    return trip_no


def _trip_row(t: int, trip: int, trip_no: int, invs: list[str], total_packages: int | str) -> list[Any]:
    """The trip plan row of trader ``t``'s trip ``trip`` (``trip_no`` across the inbox)."""
    day = f"2026-11-{26 + trip % 3:02d}"
    cp = CONTROL_POINTS[trip % len(CONTROL_POINTS)]
    return [f"TR{trip_no:07d}", cp, f"{day} {6 + trip % 14:02d}:{(trip * 7) % 60:02d}", "HK_IMPORT",
            f"HK{trip_no % 9999:04d}", f"粤Z·{trip_no % 99999:05d}港", "陳大文", f"D{trip_no:09d}",
            f"CAR{t:03d}", f"V{trip_no:07d}", "", "", f"SL{trip_no:08d}", ";".join(invs),
            f"4403{t:04d}0{trip_no % 10000:04d}",  # 货物运输批次号: 13 characters, 0 = export
            ";".join(f"WB{trip_no:07d}{k:02d}" for k in range(len(invs))),   # 提运单号 per invoice
            "", "", "", "", "M", "CA",          # no trailer or container; a mechanical carrier seal
            total_packages]


def _flush(folder: Path, family: str, rows: list[list[Any]], n: int) -> dict[str, Any]:
    header = _HEADERS[family]
    if family.endswith("xlsx"):
        path = folder / f"export_{n:03d}.xlsx"
        _write_xlsx_fast(path, header, rows)
    else:
        enc = {"kingdee_csv": "gb18030", "hk_csv": "big5hkscs", "sap_csv": "utf-8-sig"}[family]
        path = folder / f"export_{n:03d}.csv"
        _write_csv(path, [header, *rows], enc, delimiter=";" if family == "sap_csv" else ",")
    return {"path": path.name, "trader": folder.name, "family": family, "lines": len(rows)}
