"""Reference tables built from the official code tables of the Mainland customs interface pack
(``<shared>/reference/cn-customs/codes/``), and the code sets and crosswalks the Mainland
declaration needs beyond them (品牌类型, 出口享惠情况, 征免性质 → 征减免税方式).

Called by :func:`transforms.devtools.reference_build.build`; every table here records its source file,
and the tables copied from the official pack are marked ``official`` in ``manifest.json`` so a
check knows it may hold a trip on them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final, Protocol

CN_2018: Final = "2018-08-01"
PACK: Final = ("official code tables of the Shenzhen International Trade Single Window interface pack "
               "(关检融合版, 2018-08-01; 海关总署公告2018年第67号)")
# 报关单填制规范 (海关总署公告2019年第18号, 规格型号): GModel starts with these two codes.
FILLING_NORMS: Final = ("报关单填制规范 (海关总署公告2019年第18号), 规格型号: 品牌类型 and 出口享惠情况 code values; "
                        "an accepted 2024 import declaration's GModel starts '4|3|' (shared/reference/cn-customs)")


class Table(Protocol):
    name: str
    columns: tuple[str, ...]
    rows: list[dict[str, str]]

    def add(self, valid_from: str = ..., valid_to: str = ..., **values: str) -> None: ...

    def source(self, *texts: str) -> None: ...

    def by(self, key: str) -> dict[str, dict[str, str]]: ...


Put = Callable[[str, tuple[str, ...]], Table]

BRAND_TYPES: Final = (("0", "无品牌"), ("1", "境内自主品牌"), ("2", "境内收购品牌"), ("3", "境外品牌(贴牌生产)"),
                      ("4", "境外品牌(其他)"))
EXPORT_PREFERENCES: Final = (
    ("0", "出口货物在最终目的国（地区）不享受优惠关税"), ("1", "出口货物在最终目的国（地区）享受优惠关税"),
    ("2", "出口货物不能确定在最终目的国（地区）享受优惠关税"), ("3", "不适用于进口报关单"))
# Words traders write for them (item masters, 申报要素 columns) besides the official names; lookups
# normalise with NFKC, so full-width brackets (境外品牌（其他）) already match the official names.
BRAND_WORDS: Final = (("贴牌", "3", "short form"), ("自主品牌", "1", "short form"), ("收购品牌", "2", "short form"))
PREFERENCE_WORDS: Final = (("不享惠", "0", "short form used in 申报要素"), ("享惠", "1", "short form"),
                           ("不享受优惠关税", "0", "short form"), ("享受优惠关税", "1", "short form"),
                           ("不能确定", "2", "short form"), ("不确定", "2", "short form"),
                           ("不适用", "3", "short form"), ("进口不适用", "3", "short form"))


def declaration_element_codes(put: Put) -> None:
    """品牌类型 and 出口享惠情况: the code sets and the words → codes crosswalks."""
    for table, codes, words, xw in (("cn_brand_types", BRAND_TYPES, BRAND_WORDS, "xw_brand_type_cn"),
                                    ("cn_export_preferences", EXPORT_PREFERENCES, PREFERENCE_WORDS,
                                     "xw_export_preference_cn")):
        t = put(table, ("code", "name_zh"))
        for code, name in codes:
            t.add(CN_2018, code=code, name_zh=name)
        t.source(FILLING_NORMS)
        x = put(xw, ("word", "cn_code", "status", "note"))
        for code, name in codes:
            x.add(CN_2018, word=name, cn_code=code, status="verified", note="official name")
        known = {c for c, _ in codes}
        for word, code, note in words:
            if code not in known:
                raise ValueError(f"{xw}: {code} not in {table}")
            x.add(CN_2018, word=word, cn_code=code, status="proposed", note=note)
        x.source(FILLING_NORMS, "short forms curated from trader item masters")


def read_pack(folder: Path, name: str) -> list[dict[str, str]]:
    import csv

    with (folder / name).open(encoding="utf-8-sig", newline="") as fh:
        return [{k.strip(): (v or "").strip() for k, v in r.items()} for r in csv.DictReader(fh)]


def pack_source(file: str) -> str:
    return f"shared/reference/cn-customs/codes/{file} ({PACK})"


# output table -> (pack file, output column -> pack column)
OFFICIAL_TABLES: Final[dict[str, tuple[str, dict[str, str]]]] = {
    "cn_units": ("units.csv", {"code": "代码", "name_zh": "中文名称"}),
    "cn_package_types": ("package_types.csv", {"code": "国标码", "name_zh": "中文名称"}),
    "cn_currencies": ("currencies.csv", {"code": "代码", "name_zh": "中文名称", "name_en": "英文名称"}),
    "cn_trade_modes": ("trade_modes.csv", {"code": "代码", "name_zh": "中文名称"}),
    "cn_transport_modes": ("transport_modes.csv", {"code": "代码", "name_zh": "中文名称"}),
    "cn_ports": ("ports.csv", {"code": "代码", "name_zh": "中文名称", "name_en": "英文名称"}),
    "cn_domestic_ports": ("domestic_ports.csv", {"code": "国内口岸代码", "name_zh": "国内口岸中文名称"}),
    "cn_domestic_districts": ("domestic_districts.csv", {"code": "国内地区代码", "name_zh": "国内地区名称"}),
}


def official_tables(put: Put, pack: Path, iso_alpha3: set[str]) -> list[str]:
    """The China code lists copied from the official pack (valid from its date); returns their names."""
    names = []
    for name, (file, cols) in OFFICIAL_TABLES.items():
        t = put(name, tuple(cols))
        rows, dropped = _first_per_code(read_pack(pack, file), cols["code"])
        for r in rows:
            t.add(CN_2018, **{out: r[src] for out, src in cols.items()})
        t.source(pack_source(file), dropped)
        names.append(name)
    t = put("cn_countries", ("code", "name_zh", "name_en", "customs_specific"))
    rows, dropped = _first_per_code(read_pack(pack, "countries.csv"), "代码")
    for r in rows:
        t.add(CN_2018, code=r["代码"], name_zh=r["中文名称"], name_en=r["英文名称"],
              customs_specific="" if r["代码"] in iso_alpha3 else "yes")
    t.source(pack_source("countries.csv"), "customs_specific: the code is not an ISO 3166-1 alpha-3 code", dropped)
    return [*names, "cn_countries"]


def _first_per_code(rows: list[dict[str, str]], code: str) -> tuple[list[dict[str, str]], str]:
    """The official tables repeat a few codes (ports NZL008 and ZAF000, country ZAF, each a second time
    with another name): the first row wins; the dropped ones are named in the table's sources."""
    seen: set[str] = set()
    kept, dropped = [], []
    for r in rows:
        if r[code] in seen:
            dropped.append(f"{r[code]} {r.get('中文名称', '')}".strip())
            continue
        seen.add(r[code])
        kept.append(r)
    return kept, ("repeated codes, later rows dropped: " + "; ".join(dropped)) if dropped else ""


def domestic_port_of(port_zh: str, domestic: dict[str, str]) -> str:
    """国内口岸代码 of a Mainland port named like '皇岗口岸' ('' when the 2018 list has none)."""
    return domestic.get(port_zh.removesuffix("口岸"), "")


# 征减免税方式 (DecList DutyMode). Not in the pack's code tables: names as the customs parameter table
# publishes them; the official sample and real road declarations carry 1.
DUTY_MODES: Final = (("1", "照章征税"), ("2", "折半征税"), ("3", "全免"), ("4", "特案"), ("5", "随征免性质"),
                     ("6", "保证金"), ("7", "保函"), ("8", "折半补税"), ("9", "全额退税"))
# 征免性质 → 征减免税方式: only what follows from the code meanings (assumption, see README); any
# other levy nature has no row, so the Mainland writer holds the trip rather than guess.
LEVY_DUTY: Final = (("101", "1", "一般征税 is levied at the tariff rate: 照章征税"),
                    ("118", "1", "整车征税 is levied at the tariff rate: 照章征税"),
                    ("119", "1", "零部件征税 is levied at the tariff rate: 照章征税"))


def duty_modes(put: Put, levy: dict[str, dict[str, str]]) -> None:
    t = put("cn_duty_modes", ("code", "name_zh"))
    for code, name in DUTY_MODES:
        t.add(CN_2018, code=code, name_zh=name)
    t.source("customs parameter table 征减免税方式 (names); DutyMode 1 in shared/reference/cn-customs/declaration/"
             "official-sample-3.1.xml")
    x = put("xw_levy_nature_duty_mode_cn", ("levy_nature", "cn_code", "status", "note"))
    for nature, code, note in LEVY_DUTY:
        if nature not in levy:
            raise ValueError(f"xw_levy_nature_duty_mode_cn: {nature} not in cn_levy_nature")
        x.add(CN_2018, levy_nature=nature, cn_code=code, status="proposed", note=f"assumption: {note}")
    x.source("derived from the official code meanings of 征免性质 and 征减免税方式 (assumption, not a published "
             "correspondence)")


_OFFICIAL = "official (see manifest.json)"
DOCS: Final[dict[str, tuple[str, str, str, str]]] = {
    "cn_units": ("China 计量单位 (declared/legal units, 3 digits, 035 = 千克).", "code, name_zh",
                 pack_source("units.csv"), _OFFICIAL),
    "cn_package_types": ("China declaration 包装种类 (2 digits, 22 = 纸制或纤维板制盒/箱).", "code, name_zh",
                         pack_source("package_types.csv"), _OFFICIAL),
    "cn_countries": ("China declaration 国别(地区) codes (3 letters; ISO alpha-3 except the customs-specific codes).",
                     "code, name_zh, name_en, customs_specific (yes when not an ISO alpha-3 code)",
                     pack_source("countries.csv"), _OFFICIAL),
    "cn_currencies": ("Currencies accepted on the China declaration (ISO 4217 since 2018).", "code, name_zh, name_en",
                      pack_source("currencies.csv"), _OFFICIAL),
    "cn_trade_modes": ("China 监管方式 (4 digits, 0110 = 一般贸易).", "code, name_zh", pack_source("trade_modes.csv"),
                       _OFFICIAL + "; the 2018 list: check for newer codes"),
    "cn_transport_modes": ("China declaration 运输方式 (road = 4).", "code, name_zh",
                           pack_source("transport_modes.csv"), _OFFICIAL),
    "cn_brand_types": ("China 品牌类型 codes, the first 申报要素 value of every GModel.", "code, name_zh",
                       "报关单填制规范 (海关总署公告2019年第18号)", "high"),
    "cn_export_preferences": ("China 出口享惠情况 codes, the second 申报要素 value of every GModel (3 on imports).",
                              "code, name_zh", "报关单填制规范 (海关总署公告2019年第18号)", "high"),
    "xw_brand_type_cn": ("Words traders write for the 品牌类型 → its code.", "word, cn_code, status, note",
                         "official names (verified); short forms curated", "official names high; short forms proposed"),
    "xw_export_preference_cn": ("Words traders write for the 出口享惠情况 (不享惠 …) → its code.",
                                "word, cn_code, status, note", "official names (verified); short forms curated",
                                "official names high; short forms proposed"),
    "cn_ports": ("China 港口代码 (ports world-wide, 6 characters: HKG000 中国香港), for 指运港/启运港 "
                 "(DistinatePort / DespPortCode).", "code, name_zh, name_en", pack_source("ports.csv"),
                 _OFFICIAL),
    "cn_domestic_ports": ("China 国内口岸代码 (6 digits: 470201 皇岗), the entry/exit port of a declaration. The "
                          "2018 list has no 莲塘/香园围 (opened 2020) and no 港珠澳大桥.", "code, name_zh",
                          pack_source("domestic_ports.csv"), _OFFICIAL),
    "cn_domestic_districts": ("China 国内地区代码 (5 digits), 境内货源地 / 境内目的地.", "code, name_zh",
                              pack_source("domestic_districts.csv"), _OFFICIAL),
    "cn_duty_modes": ("China 征减免税方式 (DecList DutyMode: 1 照章征税 …).", "code, name_zh",
                      "customs parameter table 征减免税方式 (not in the official pack's code tables)",
                      "medium: names as published; 1 in the official sample"),
    "xw_levy_nature_duty_mode_cn": (
        "征免性质 (CutMode) → 征减免税方式 (DutyMode). **Assumption:** no published correspondence was found; "
        "only levy natures whose meaning fixes the duty mode (101, 118, 119 → 1 照章征税) have a row, so any "
        "other levy nature holds the trip for the Mainland declaration.",
        "levy_nature, cn_code, status, note", "derived from the official code meanings",
        "proposed (assumption): confirm with a broker"),
}
