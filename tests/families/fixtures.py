"""Fixture files per source family, written the way each ERP writes them, quirks included."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from openpyxl import Workbook

KINGDEE_HEADER = ["单据编号", "日期", "客户", "物料编码", "物料名称", "规格型号", "库存单位", "实发数量", "含税单价",
                  "价税合计", "币别", "原产地", "HS编码", "毛重", "净重", "件数", "包装方式", "备注"]
YONYOU_HEADER = ["发票号", "开票日期", "客户简称", "存货编码", "存货名称", "规格型号", "计量单位", "数量", "原币单价",
                 "原币价税合计", "币种", "产地", "商品编码", "毛重", "净重", "件数"]
SAP_HEADER = ["Billing Document", "Billing Date", "Item", "Material", "Material Description", "Billed Quantity",
              "Sales Unit", "Net Value", "Document Currency", "Gross Weight", "Net Weight", "Weight Unit",
              "Commodity Code", "Country of Origin", "Incoterms", "Sold-To Party", "Ship-To Party"]
HK_HEADER = ["發票編號", "發票日期", "收貨人", "貨品編號", "貨品說明", "數量", "單位", "單價", "總值", "貨幣", "原產地",
             "香港商品編號", "毛重(公斤)", "淨重(公斤)", "箱數"]


def write_csv(path: Path, rows: list[list[Any]], encoding: str, delimiter: str = ",", newline: str = "\r\n") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def kingdee_csv(path: Path) -> Path:
    """GB18030, CRLF, quoted thousands separators, a 合计 row and trailing blank lines."""
    rows = [KINGDEE_HEADER,
            ["XS-1", "2026/11/3", "明辉", "SKU-1", "笔记本电脑", "X1", "台", "1,200", "420.00", "504,000.00", "美元",
             "中国", "8471300000", "2520.5", "1680", "120", "纸箱", ""],
            ["XS-1", "2026-11-03", "明辉", "SKU-2", "电源适配器", "P1", "千克", "12.5", "6.50", "81.25", "港币",
             "越南", "8504401400", "15", "12.5", "1", "木箱", "备注"],
            ["合计", "", "", "", "", "", "", "1,212.5", "", "504,081.25", "", "", "", "2535.5", "1692.5", "121", "",
             ""],
            [""] * len(KINGDEE_HEADER), [""] * len(KINGDEE_HEADER)]
    return write_csv(path, rows, "gb18030")


def yonyou_xlsx(path: Path) -> Path:
    """Merged title rows, header on row 4, real Excel dates, 商品编码 stored as a number (lost
    leading zero), numbers stored as text, a hidden sheet and a 合计 row."""
    import datetime as dt

    wb = Workbook()
    hidden = wb.active
    assert hidden is not None
    hidden.title = "参数"
    hidden.append(["发票号", "商品编码"])
    hidden.append(["IGNORED", "1"])
    hidden.sheet_state = "hidden"
    ws = wb.create_sheet("出口销售发票")
    ws.append(["出口销售发票列表"])
    ws.append(["制表日期：2026-11-25"])
    ws.append([])
    ws.append(YONYOU_HEADER)
    ws.append(["INV-Y1", dt.datetime(2026, 11, 24), "明辉", "FISH-1", "冻鱼", "1kg装", "千克", 500, 3.2, 1600, "USD",
               "中国", 303899000, 520, 500, 50])
    ws.append(["INV-Y1", dt.datetime(2026, 11, 24), "明辉", "ORG-2", "鲜橙", "10kg箱", "千克", "200", "1.5", "300",
               "美元", "中国", 805100000, 220, 200, 20])
    ws.append(["合计", None, None, None, None, None, None, 700, None, 1900, None, None, None, 740, 700, 70])
    ws.merge_cells("A1:P1")
    ws.merge_cells("A2:P2")
    wb.save(path)
    return path


def sap_csv(path: Path) -> Path:
    """';' delimiter, decimal comma, '.' thousands, UTF-8 with BOM, weights in G and LB."""
    rows = [SAP_HEADER,
            ["90001234", "03.11.2026", "10", "M-100", "Laptop 14", "1.200", "ST", "504.000,00", "USD", "2.520.500",
             "1.680.000", "G", "84713000", "CN", "FOB", "Ming Fai Trading", "Ming Fai Trading"],
            ["90001234", "03.11.2026", "20", "M-200", "Adapter", "10", "PC", "65,50", "USD", "22,05", "11,025", "LB",
             "85044019", "VN", "FOB", "Ming Fai Trading", "Ming Fai Trading"]]
    return write_csv(path, rows, "utf-8-sig", delimiter=";")


def sap_xlsx(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Sheet1"
    import datetime as dt

    ws.append(SAP_HEADER)
    ws.append(["90001235", dt.datetime(2026, 11, 3), 10, "M-100", "Laptop 14", 5, "ST", 2100, "EUR", 10.5, 7, "KG",
               "84713000", "CN", "FOB", "Ming Fai Trading", "Ming Fai Trading"])
    wb.save(path)
    return path


def hk_trader_csv(path: Path) -> Path:
    """Big5-HKSCS with an HKSCS-only character (𨋢, lift) in a description; dd/mm/yyyy dates."""
    rows = [HK_HEADER,
            ["HK-001", "03/11/2026", "明輝貿易", "L-9", "𨋢零件", "10", "PCS", "12.5", "125", "HKD", "中國",
             "84313100", "20", "18", "2"],
            ["HK-001", "03/11/2026", "明輝貿易", "S-1", "運動鞋", "5", "PR", "100", "500", "HKD", "VN", "64041100",
             "6", "5", "1"]]
    return write_csv(path, rows, "big5hkscs")
