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


def _v04(frames: Frames, reference: Reference, as_of: datetime, lead: pd.Timedelta) -> pd.DataFrame:
    frames["submissions"].loc[0, "expected_crossing_at"] = pd.Timestamp(as_of).tz_convert("UTC") + lead
    findings = validate(frames, reference=reference, as_of=as_of).findings
    return findings[findings["rule_id"] == "V04"].reset_index(drop=True)


def test_v04_says_the_times_in_hong_kong_time_and_the_distance_in_words(
        frames: Frames, reference: Reference, as_of: datetime) -> None:
    """Not "'2026-11-26T06:00:00+00:00' is -12745.65672145 minutes after the run": the trip plan's
    own time (Hong Kong), the run's, and how far apart, in days, hours and minutes."""
    run = pd.Timestamp(as_of).tz_convert("Asia/Hong_Kong").strftime("%Y-%m-%d %H:%M")
    past = _v04(frames, reference, as_of, -pd.Timedelta(days=8, hours=20, minutes=26, seconds=30))
    crossing = (pd.Timestamp(as_of).tz_convert("Asia/Hong_Kong")
                - pd.Timedelta(days=8, hours=20, minutes=26, seconds=30)).strftime("%Y-%m-%d %H:%M")
    assert past["message_en"].tolist() == [
        _where(past.iloc[0])[0] + f"expected_crossing_at '{crossing}' (Hong Kong time) is 8 days 20 hours 26 minutes "
        f"before the run ({run}); ROCARS accepts the advance cargo information 30 minutes to 14 days before crossing."]
    # the cell's value as the trip plan states it, in Hong Kong time, not the model's UTC
    assert past["value"].tolist() == [(pd.Timestamp(as_of).tz_convert("Asia/Hong_Kong") - pd.Timedelta(
        days=8, hours=20, minutes=26, seconds=30)).isoformat()]
    assert past["value"].iloc[0].endswith("+08:00")
    assert past["message_zh"].tolist() == [
        _where(past.iloc[0])[1] + f"预计过境时间「{crossing}」（香港时间）早于本次运行（{run}）8天20小时26分钟；"
        "ROCARS预报须在过境前30分钟至14天内提交。"]
    soon = _v04(frames, reference, as_of, pd.Timedelta(minutes=29, seconds=40))
    assert soon["message_en"].iloc[0].endswith(
        f"is 29 minutes after the run ({run}); ROCARS accepts the advance cargo information 30 minutes to 14 days "
        "before crossing.")
    mainland = _v04(frames, reference, as_of, pd.Timedelta(minutes=40))   # inside ROCARS', short of 60 minutes
    assert mainland["message_en"].iloc[0].endswith(
        f"is 40 minutes after the run ({run}); the Mainland road manifest needs at least 60 minutes.")
    assert mainland["message_zh"].iloc[0].endswith(
        f"（香港时间）距本次运行（{run}）40分钟；内地公路舱单至少需提前60分钟申报。")
    far = _v04(frames, reference, as_of, pd.Timedelta(days=15, hours=1, minutes=1))
    assert far["message_en"].iloc[0].endswith(f"is 15 days 1 hour 1 minute after the run ({run}); ROCARS accepts the "
                                              "advance cargo information 30 minutes to 14 days before crossing.")


def test_v04_margin_warning_when_the_mainland_lead_allows_it(frames: Frames, reference: Reference,
                                                              as_of: datetime) -> None:
    """With the Mainland lead set to 30 minutes (cn_manifest_lead_minutes), 40 minutes ahead files with
    the ROCARS margin warning, said in words."""
    frames["submissions"].loc[0, "expected_crossing_at"] = pd.Timestamp(as_of).tz_convert("UTC") + pd.Timedelta(
        minutes=40)
    findings = validate(frames, reference=reference, as_of=as_of, cn_manifest_lead_minutes=30).findings
    f = _only(findings, "V04")
    run = pd.Timestamp(as_of).strftime("%Y-%m-%d %H:%M")
    crossing = (pd.Timestamp(as_of) + pd.Timedelta(minutes=40)).strftime("%Y-%m-%d %H:%M")
    assert f["severity"] == "warning"
    assert f["message_en"] == _where(f)[0] + (
        f"expected_crossing_at '{crossing}' (Hong Kong time) is only 40 minutes after the run ({run}); less than 45 "
        "minutes leaves little margin before the 30-minute ROCARS limit.")
    assert f["message_zh"] == _where(f)[1] + (
        f"预计过境时间「{crossing}」（香港时间）距本次运行（{run}）40分钟，距ROCARS的30分钟时限不足15分钟余量。")
