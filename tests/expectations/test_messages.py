"""Exact trader-facing findings: message text (EN/ZH), source header, value, provenance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd

from expectations import validate
from expectations.synthetic import Frames
from transforms.model.canonical import FINDINGS
from transforms.model.reference import Reference

SetCell = Callable[[Frames, str, int, str, object], None]


def _only(findings: pd.DataFrame, rule_id: str) -> pd.Series:
    hits = findings[findings["rule_id"] == rule_id]
    assert len(hits) == 1, hits
    row: pd.Series = hits.iloc[0]
    return row


def _where(f: pd.Series) -> tuple[str, str]:
    """The place every sentence starts with: file, sheet, row and the trader's own header."""
    sheet = f" (sheet {f['src_sheet']})" if f["src_sheet"] else ""
    return (f"{f['src_file']}{sheet} row {f['src_row']}, column {f['src_column']}: ",
            f"{f['src_file']}{sheet} 第{f['src_row']}行「{f['src_column']}」列：")


def test_v05_hs_hk_message(frames: Frames, reference: Reference, as_of: datetime, set_cell: SetCell) -> None:
    set_cell(frames, "goods_items", 3, "hs_hk", "8517.13")
    f = _only(validate(frames, reference=reference, as_of=as_of).findings, "V05")
    assert f["message_en"] == _where(f)[0] + "hs_hk '8517.13' must be 8 digits (HKHS)."
    assert f["message_zh"] == _where(f)[1] + "香港商品编号「8517.13」应为8位数字。"
    assert (f["severity"], f["value"], f["src_column"]) == ("error", "8517.13", "hs_hk")


def test_v06_hs_cn_message_names_the_source_header(frames: Frames, reference: Reference, as_of: datetime,
                                                    set_cell: SetCell) -> None:
    set_cell(frames, "goods_items", 5, "hs_cn", "85171300")
    line = frames["goods_items"].iloc[5]
    headers = {line["src_file"]: {"hs_cn": "商品编码", "hs_hk": "HK HS Code"}}
    found = validate(frames, reference=reference, as_of=as_of, source_headers=headers).findings
    f = _only(found, "V06")
    assert f["message_en"] == _where(f)[0] + "hs_cn '85171300' must be 10 digits (China 商品编号)."
    assert f["message_zh"] == _where(f)[1] + "商品编码「85171300」应为10位数字。"
    assert f["src_column"] == "商品编码"
    assert (f["src_file"], f["src_sheet"], f["src_row"]) == (line["src_file"], line["src_sheet"], line["src_row"])
    assert (f["submission_id"], f["trader"]) == (line["submission_id"], line["trader"])
    sub = frames["submissions"].set_index("submission_id").loc[line["submission_id"]]
    assert (f["control_point"], f["crossing_date"]) == (sub["control_point"], sub["crossing_date"])


def test_v13_container_message(frames: Frames, reference: Reference, as_of: datetime, set_cell: SetCell) -> None:
    set_cell(frames, "equipment", 0, "container_no", "CSQU3054384")
    f = _only(validate(frames, reference=reference, as_of=as_of).findings, "V13")
    assert f["message_en"] == _where(f)[0] + "container_no 'CSQU3054384' fails the ISO 6346 check digit."
    assert f["message_zh"] == _where(f)[1] + "货柜号码「CSQU3054384」的ISO 6346校验位不正确。"


def test_v14_uscc_message(frames: Frames, reference: Reference, as_of: datetime, set_cell: SetCell) -> None:
    row = int((frames["parties"]["role"] == "CONSIGNOR").to_numpy().argmax())
    set_cell(frames, "parties", row, "ids_cn_uscc", "91350100M000100Y44")
    f = _only(validate(frames, reference=reference, as_of=as_of).findings, "V14")
    assert f["message_en"] == _where(f)[0] + ("ids_cn_uscc '91350100M000100Y44' fails the GB 32100 check "
                                              "character (统一社会信用代码).")
    assert f["message_zh"] == _where(f)[1] + "统一社会信用代码「91350100M000100Y44」校验码不正确。"


def test_v21_message_shows_the_control_character(frames: Frames, reference: Reference, as_of: datetime,
                                                 set_cell: SetCell) -> None:
    set_cell(frames, "goods_items", 0, "description_en", "bolts\x07")
    f = _only(validate(frames, reference=reference, as_of=as_of).findings, "V21")
    assert f["value"] == "bolts\x07"
    assert f["message_en"] == _where(f)[0] + ("description_en bolts\\u0007 contains a control character or a "
                                              "character XML 1.0 forbids.")


def test_findings_have_the_model_columns_and_stable_ids(frames: Frames, reference: Reference, as_of: datetime,
                                                        set_cell: SetCell) -> None:
    set_cell(frames, "goods_items", 1, "hs_cn", "x")
    set_cell(frames, "goods_items", 2, "hs_hk", None)
    first = validate(frames, reference=reference, as_of=as_of).findings
    second = validate(frames, reference=reference, as_of=as_of).findings
    assert list(first.columns) == [c for c in FINDINGS.names if c != "run_id"]
    assert first["finding_id"].is_unique
    assert first["finding_id"].tolist() == second["finding_id"].tolist()


def test_a_warning_shadowed_by_an_error_of_the_same_rule_is_not_repeated(
        frames: Frames, reference: Reference, as_of: datetime) -> None:
    # 20 minutes ahead breaks the ACI window (error) and the 45-minute margin (warning) on one cell.
    at = pd.Timestamp(as_of).tz_convert("UTC") + pd.Timedelta(minutes=20)
    frames["submissions"].loc[0, "expected_crossing_at"] = at
    out = validate(frames, reference=reference, as_of=as_of)
    v04 = out.findings[out.findings["rule_id"] == "V04"]
    assert len(v04) == 1
    assert v04.iloc[0]["severity"] == "error"
    assert v04.iloc[0]["message_en"].endswith("30 minutes to 14 days before crossing.")
    failing = {r.meta["rule_key"] for r in out.results["submissions"].results if r.success is False}
    assert {"V04.aci_window", "V04.cn_manifest_lead", "V04.aci_margin"} <= failing
