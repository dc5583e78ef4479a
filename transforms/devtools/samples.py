"""Deterministic generator of trader inboxes: the shipped sample inbox, test fixtures, benchmarks.

``python -m transforms.devtools.samples data/samples`` rewrites ``data/samples/inbox`` and ``AS_OF``
byte for byte (fixed content, fixed file times), so ``make run`` files the same submissions on
any day. Files are written the way each ERP writes them (encodings, title rows, totals rows).
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook

AS_OF = "2026-11-25T20:00:00+08:00"
# fixed file times keep "newest export wins" ordering deterministic
_BASE_MTIME = 1_795_000_000


@dataclass(frozen=True)
class Item:
    sku: str
    description_en: str
    description_zh: str
    model: str
    hs_hk: str
    hs_cn: str
    unit_zh: str        # unit as a Chinese ERP writes it
    unit_code: str      # unit as an English ERP writes it
    legal_1: str
    legal_2: str
    elements: str       # 申报要素, '|'-separated
    brand: str
    net_kg: float       # net kg per unit
    gross_kg: float     # gross kg per unit
    price: float        # unit price
    # 检验检疫编码: 999, the value of the official sample (reference/cn-customs/declaration/official-sample-3.1.xml).
    # Assumption for these fictional items: a tariff line with a single CIQ subdivision takes 999 (practice
    # the official pack does not state); a real trader copies the code beside the 10-digit 商品编号.
    ciq: str = "999"


CATALOG: tuple[Item, ...] = (
    Item("MF-LAP-14", "Laptop computer 14 inch", "笔记本电脑", "MF14-i5", "84713000", "8471300000", "台", "PCS",
         "001", "035", "境内自主品牌|不享惠|办公|数据处理|MINGFAI|MF14-i5", "MINGFAI", 1.4, 2.1, 420.0),
    Item("MF-PHN-6", "Smartphone 6.1 inch", "智能手机", "MF61-5G", "85171300", "8517130000", "台", "PCS",
         "001", "035", "境内自主品牌|不享惠|通讯|MINGFAI|MF61-5G", "MINGFAI", 0.18, 0.35, 185.0),
    Item("MF-ADP-65", "Power adapter 65W", "电源适配器", "PA65", "85044019", "8504401400", "个", "PCS",
         "007", "035", "境内自主品牌|不享惠|笔记本电脑用|65W|MINGFAI|PA65", "MINGFAI", 0.25, 0.32, 6.5),
    Item("AC-TS-COT", "Men's cotton T-shirt", "男式棉制T恤衫", "TS-M-WHT", "61091000", "6109100010", "件", "PCS",
         "011", "035", "境内自主品牌|不享惠|针织|T恤衫|男式|棉100%|ACME|TS-M-WHT", "ACME", 0.2, 0.25, 3.2),
    Item("AC-SHOE-RN", "Running shoes, textile upper", "纺织鞋面运动鞋", "RN-42", "64041100", "6404110000", "双", "PR",
         "025", "035", "境内自主品牌|不享惠|纺织材料|橡胶|低帮|ACME|RN-42", "ACME", 0.6, 0.9, 14.0),
    Item("AC-CHAIR-O", "Office chair, upholstered metal frame", "办公转椅", "OC-200", "94017100", "9401710000", "把",
         "PCS", "007", "035", "境内自主品牌|不享惠|办公|金属框架带软垫|ACME|OC-200", "ACME", 9.5, 12.0, 38.0),
)


def _write_csv(path: Path, rows: Sequence[Sequence[Any]], encoding: str, delimiter: str = ",",
               newline: str = "\r\n") -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    data = buf.getvalue()
    path.write_bytes(data.encode(encoding))


def _write_xlsx(path: Path, sheets: Sequence[tuple[str, Sequence[Sequence[Any]], bool]],
                merges: Sequence[tuple[int, str]] = ()) -> None:
    """Write an xlsx deterministically (fixed document times, so bytes never change)."""
    wb = Workbook()
    first = True
    for title, rows, hidden in sheets:
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        first = False
        ws.title = title
        for r in rows:
            ws.append(list(r))
        if hidden:
            ws.sheet_state = "hidden"
    for sheet_idx, rng in merges:
        wb.worksheets[sheet_idx].merge_cells(rng)
    fixed = datetime(2026, 11, 25, 12, 0, 0)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "ssdd sample generator"
    wb.save(path)
    _fix_zip_times(path)


def _fix_zip_times(path: Path) -> None:
    import zipfile

    src = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in sorted(zin.infolist(), key=lambda i: i.filename):
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time into dcterms:modified whatever the properties say
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>2026-11-25T12:00:00Z\g<2>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=(2026, 11, 25, 12, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, data)
    path.write_bytes(out.getvalue())


def _touch(path: Path, n: int) -> None:
    os.utime(path, (_BASE_MTIME + n * 60, _BASE_MTIME + n * 60))


def _master_rows(items: Sequence[Item]) -> list[list[Any]]:
    rows: list[list[Any]] = [["sku", "description_en", "description_zh", "hs_hk", "hs_cn", "ciq_code",
                              "cn_legal_unit_1", "cn_legal_unit_2", "declaration_elements", "brand",
                              "net_weight_kg_per_unit"]]
    for it in items:
        rows.append([it.sku, it.description_en, it.description_zh, it.hs_hk, it.hs_cn, it.ciq, it.legal_1,
                     it.legal_2, it.elements, it.brand, it.net_kg])
    return rows


TRIP_HEADER = ["trip_ref", "control_point", "expected_crossing", "direction", "hk_plate", "cn_plate",
               "driver_name", "driver_cn_code", "carrier_code", "vehicle_customs_code", "trailer_no",
               "container_no", "seal_no", "invoice_nos", "cn_batch_no", "bill_nos", "trailer_tare_kg",
               "trailer_type", "container_size_type", "container_tare_kg", "seal_type", "sealing_party"]


def _trader_yaml(trader: str, **extra: Any) -> str:
    doc = {"trader": trader, **extra}
    return ("# Trader settings; every key is explained in README.md, section 'trader.yaml'. Written once by a person, "
            "no code.\n") + yaml.safe_dump(
        doc, allow_unicode=True, sort_keys=False)


MINGFAI = {
    "profile": "kingdee_sales_outbound",
    "self": {"name_en": "Shenzhen Mingfai Electronics Co., Ltd.", "name_zh": "深圳市明辉电子有限公司",
             "address": "18 Example Road, Futian District, Shenzhen", "city": "Shenzhen", "country": "CN",
             "ids": {"cn_uscc": "91440300MA5F1234XC", "cn_customs_code": "4403941779"}},
    "customers": [{"names": ["香港明辉贸易有限公司", "明辉贸易", "Ming Fai Trading"],
                   "name_en": "Ming Fai Trading Co. Ltd.", "name_zh": "香港明輝貿易有限公司",
                   "address": "Unit 5, 9/F, Example Centre, 50 Example Road, Kwai Chung, N.T.", "city": "Hong Kong",
                   "country": "HK", "ids": {"hk_brn": "87654321"}}],
    "carrier": {"name_en": "Example Logistics Ltd.", "cn_customs_code": "4403960000", "seal_type": "M",
                "sealing_party": "CA"},
    "declaration": {"cn_trade_mode": "0110", "cn_transaction_method": "3", "cn_levy_nature": "101",
                    "cn_origin_district": "44031"},
    "language": "zh-Hans",
    "defaults": {"package_type": "CT"},
    "mainland": {
        "owner": {"name_zh": "深圳市明辉电子有限公司", "customs_code": "4403941779", "uscc": "91440300MA5F1234XC"},
        "declarant": {"name_zh": "深圳市示例报关有限公司", "customs_code": "4403980001", "uscc": "91440300MA5G0001XL"},
        "trade_party": {"name_zh": "深圳市明辉电子有限公司", "customs_code": "4403941779",
                        "uscc": "91440300MA5F1234XC"},
        "contract_no": "MF-HK-2026-07", "foreign_port": "HKG000", "trading_country": "HK",
        "marks_and_numbers": "N/M", "goods_place": "皇岗海关监管场站", "entry_type": "M", "decl_trn_rel": "0"},
    "hk": {"declarant": {"name_en": "Ming Fai Trading Co. Ltd.", "name_zh": "香港明輝貿易有限公司",
                         "hk_brn": "87654321"},
           "place_of_loading": "CNSZX"},
}

ACME = {
    "self": {"name_en": "Dongguan Acme Garments Co., Ltd.", "name_zh": "东莞市艾克美服装有限公司",
             "address": "3 Industrial Avenue, Chang'an Town, Dongguan", "city": "Dongguan", "country": "CN",
             "ids": {"cn_uscc": "91441900MA4UKL8X5R", "cn_customs_code": "4419960123"}},
    "customers": [{"names": ["Acme HK Distribution", "艾克美香港"], "name_en": "Acme HK Distribution Ltd.",
                   "name_zh": "艾克美香港分銷有限公司",
                   "address": "12/F, Harbour Industrial Building, 8 Sheung Yuet Road, "
                   "Kowloon Bay", "city": "Hong Kong", "country": "HK", "ids": {"hk_brn": "31415926"}}],
    "carrier": {"name_en": "Harbour Trucking Co.", "cn_customs_code": "4403961234"},
    "declaration": {"cn_trade_mode": "0110", "cn_transaction_method": "3", "cn_levy_nature": "101",
                    "cn_origin_district": "44199"},
    "language": "zh-Hant",
    "mainland": {
        "owner": {"name_zh": "东莞市艾克美服装有限公司", "customs_code": "4419960123", "uscc": "91441900MA4UKL8X5R"},
        "declarant": {"name_zh": "东莞市艾克美服装有限公司", "customs_code": "4419960123",
                      "uscc": "91441900MA4UKL8X5R"},
        "trade_party": {"name_zh": "东莞市艾克美服装有限公司", "customs_code": "4419960123",
                        "uscc": "91441900MA4UKL8X5R"},
        "contract_no": "ACME-HK-2026-01", "foreign_port": "HKG000", "trading_country": "HK",
        "marks_and_numbers": "N/M", "goods_place": "文锦渡海关监管场站", "entry_type": "M", "decl_trn_rel": "0"},
    "hk": {"declarant": {"name_en": "Acme HK Distribution Ltd.", "name_zh": "艾克美香港分銷有限公司",
                         "hk_brn": "31415926"},
           "place_of_loading": "CNDGG"},
}


#: data/samples/ssdd.toml: the demo workspace's settings (``make run`` copies it into data/workspace).
SETTINGS_TOML = """# Settings of the demo workspace: `make run` copies this file to data/workspace/ssdd.toml when that
# workspace has none (an ssdd.toml you edited there is never overwritten). Every key is a setting of
# transforms/plumbing/settings.py; `ssdd config show --workspace data/workspace` prints where each value came from.

# The Mainland single-window sender id (Head/SenderID of the road manifests and conveyance
# confirmations): <13-character customs registration code>_DXPESW<client number>. This is the sender
# id of the official road manifest samples (../shared/reference/cn-manifest/samples/), used here so the
# demo writes real messages; a filing agent sets its own registered id.
cn_sender_id = "5345766374655_DXPESW0000001256"

# 舱单传输人 (RepresentativePerson/Name of the road messages): the demo's fictional customs broker, the
# 申报单位 of the sample trader mingfai.
cn_transmitter_name = "深圳市示例报关有限公司"
"""


def _kingdee_line(inv: str, day: str, customer: str, it: Item, qty: int, pkgs: int) -> list[Any]:
    amount = round(qty * it.price, 2)
    return [inv, day, customer, it.sku, it.description_zh, it.model, it.unit_zh, f"{qty:,}", f"{it.price:.2f}",
            f"{amount:,.2f}", "美元", "中国", it.hs_cn, f"{qty * it.gross_kg:.3f}", f"{qty * it.net_kg:.3f}", pkgs,
            "纸箱", ""]


def write_sample_inbox(root: Path) -> Path:
    """The shipped demo: two traders, three trips (one held at HZM), one pending invoice."""
    inbox = root / "inbox"
    for trader in ("mingfai", "acme"):
        (inbox / trader).mkdir(parents=True, exist_ok=True)
    lap, phone, adp, tee, shoe, chair = CATALOG

    # -- mingfai: Kingdee CSV in GB18030, xlsx item master and trip plan ---------------------------
    mf = inbox / "mingfai"
    (mf / "trader.yaml").write_text(_trader_yaml("mingfai", **MINGFAI), encoding="utf-8")
    _write_xlsx(mf / "item_master.xlsx", [("物料", _master_rows([lap, phone, adp]), False)])
    trips: list[list[Any]] = [TRIP_HEADER,
             ["MF-T001", "落馬洲", "2026-11-26 09:30", "南下", "AB1234", "粤Z·A123港", "陳大文", "D440300123",
              "EXLOG", "V4403001", "TR-5521", "MSKU1234565", "SL778899", "XS-2611-001; XS-2611-002",
              "4403960000001", "EXL26112501; EXL26112502", 5800, "03", "22G1", 2200, "", ""],
             ["MF-T002", "HZM", "2026-11-26 14:00", "HK_IMPORT", "CD5678", "粤Z·B456港", "李小明", "D440300456",
              "EXLOG", "V4403002", "", "", "SL778900", "XS-2611-003", "4403960000002", "EXL26112503", "", "", "",
              "", "", ""]]
    _write_xlsx(mf / "trip_plan.xlsx", [("車次", trips, False)])
    cust = "香港明辉贸易有限公司"
    header = ["单据编号", "日期", "客户", "物料编码", "物料名称", "规格型号", "库存单位", "实发数量", "含税单价",
              "价税合计", "币别", "原产地", "HS编码", "毛重", "净重", "件数", "包装方式", "备注"]
    lines = [
        _kingdee_line("XS-2611-001", "2026/11/25", cust, lap, 120, 12),
        _kingdee_line("XS-2611-001", "2026/11/25", cust, adp, 1200, 6),
        _kingdee_line("XS-2611-002", "2026/11/25", cust, phone, 300, 10),
        _kingdee_line("XS-2611-003", "2026/11/25", cust, lap, 40, 4),
        _kingdee_line("XS-2611-004", "2026/11/25", cust, phone, 50, 2),
    ]
    total_q = 120 + 1200 + 300 + 40 + 50
    total_amt = sum(float(str(r[9]).replace(",", "")) for r in lines)
    totals = ["合计", "", "", "", "", "", "", f"{total_q:,}", "", f"{total_amt:,.2f}", "", "", "", "", "", "", "", ""]
    _write_csv(mf / "销售出库单_20261125.csv", [header, *lines, totals, [""] * len(header)], "gb18030")

    # -- acme: the canonical template workbook, CSV item master and trip plan ----------------------
    ac = inbox / "acme"
    (ac / "trader.yaml").write_text(_trader_yaml("acme", profile="ssdd_canonical", **ACME), encoding="utf-8")
    _write_csv(ac / "item_master.csv", _master_rows([tee, shoe, chair]), "utf-8-sig", newline="\n")
    _write_csv(ac / "trip_plan.csv", [TRIP_HEADER, [
        "AC-T101", "MKT", "2026-11-26 07:45", "HK_IMPORT", "EF9012", "粤Z·C789港", "黃志強", "D440300789", "HKTRUCK",
        "V4403009", "TR-7788", "", "SL120034", "ACME-INV-7001", "4403961230001", "", 4600, "02", "", "", "M", "CA"]],
        "utf-8-sig", newline="\n")
    # acme's goods lines carry the waybill number (提运单号) themselves; mingfai's trip plan lists them
    template_rows: list[list[Any]] = [[*canonical_template_header(), "cn_bill_no"]]
    for it, qty, pkgs in ((tee, 2400, 40), (shoe, 600, 30), (chair, 50, 50)):
        template_rows.append(["ACME-INV-7001", "2026-11-25", "Acme HK Distribution", it.sku, it.description_en,
                              it.description_zh, it.model, it.brand, it.hs_hk, it.hs_cn, qty, it.unit_code,
                              it.price, round(qty * it.price, 2), "USD", "CN", round(qty * it.gross_kg, 3),
                              round(qty * it.net_kg, 3), pkgs, "CT", "HT2611250701"])
    _write_xlsx(ac / "goods_lines_20261125.xlsx", [("goods_items", template_rows, False)])
    for n, p in enumerate(sorted(inbox.rglob("*"))):
        if p.is_file():
            _touch(p, n)
    (root / "AS_OF").write_text(AS_OF + "\n", encoding="utf-8")
    (root / "ssdd.toml").write_text(SETTINGS_TOML, encoding="utf-8")
    return inbox


def canonical_template_header() -> list[str]:
    return ["invoice_no", "invoice_date", "consignee", "sku", "description_en", "description_zh", "model", "brand",
            "hs_hk", "hs_cn", "quantity_value", "quantity_unit", "unit_price", "line_amount_value",
            "line_amount_currency", "country_of_origin", "gross_mass_kg", "net_mass_kg", "packages_qty",
            "packages_type"]


def write_template(path: Path) -> None:
    """The blank canonical template workbook traders can fill by hand."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_xlsx(path, [("goods_items", [canonical_template_header()], False)])


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "data/samples")
    write_sample_inbox(target)
    write_template(target.parent / "templates" / "ssdd-goods-lines.xlsx"
                   if target.name == "samples" else target / "ssdd-goods-lines.xlsx")
    print(f"sample inbox written to {target / 'inbox'} (as of {AS_OF})")
