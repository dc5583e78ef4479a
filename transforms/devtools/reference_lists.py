"""The code lists of ``data/reference``: the international ones (control points, ISO 3166 countries,
ISO 4217 currencies, UN/ECE Rec 19/20/21, HS 2022 subheadings) and the Mainland's (the official
tables of the customs interface pack, other China lists, the illustrative tariff lines).

Each list is copied from a file of the research snapshot and records that file as its source; the
curated spellings in the ``names`` / ``aliases`` columns come from :mod:`reference_aliases`.
"""

from __future__ import annotations

import json
import re
from typing import Final

from transforms.devtools.reference_aliases import (
    CONTROL_POINT_NAMES,
    COUNTRY_ALIASES,
    CURATED,
    CURRENCY_ALIASES,
    TRANSPORT_MODE_ALIASES,
)
from transforms.devtools.reference_official import official_tables
from transforms.devtools.reference_table import (
    CN_2018,
    DEFAULT_FROM,
    HS2022,
    PYCOUNTRY,
    Out,
    Tables,
    dedupe,
    read_csv,
    row_sources,
)

# Illustrative China tariff lines used by the sample data: NOT from GACC (see README).
# 申报要素 names in tariff order without 品名: 品名 is declared in GName, and GModel starts with 品牌类型.
TARIFF_LINES: Final = (
    ("0303899000", "其他冻鱼", "035", "", "品牌类型|出口享惠情况|加工方法|种类(中文及拉丁学名)|品牌"),
    ("0805100000", "鲜或干的橙", "035", "", "品牌类型|出口享惠情况|状态|品种|品牌"),
    ("0810100000", "鲜草莓", "035", "", "品牌类型|出口享惠情况|状态|品种|品牌"),
    ("3923100000", "供运输或包装货物用的塑料盒、箱及类似品", "035", "",
     "品牌类型|出口享惠情况|用途|材质|品牌|型号"),
    ("3926909090", "其他塑料制品", "035", "", "品牌类型|出口享惠情况|用途|材质|品牌|型号"),
    ("6109100010", "棉制针织或钩编T恤衫", "011", "035",
     "品牌类型|出口享惠情况|织造方法|种类|类别|成分含量|品牌|货号"),
    ("6204620000", "棉制女式长裤及短裤", "015", "035",
     "品牌类型|出口享惠情况|织造方法|种类|类别|成分含量|品牌|货号"),
    ("6404110000", "纺织材料鞋面的运动鞋靴", "025", "035",
     "品牌类型|出口享惠情况|鞋面材料|外底材料|款式|品牌|货号"),
    ("8471300000", "便携式自动数据处理设备", "001", "035", "品牌类型|出口享惠情况|用途|功能|品牌|型号"),
    ("8471607100", "键盘", "001", "035", "品牌类型|出口享惠情况|用途|接口类型|品牌|型号"),
    ("8504401400", "直流稳压电源(充电器)", "007", "035", "品牌类型|出口享惠情况|用途|输出功率|品牌|型号"),
    ("8507600090", "锂离子蓄电池", "007", "035", "品牌类型|出口享惠情况|用途|电压|容量|品牌|型号"),
    ("8516310000", "电吹风机", "001", "035", "品牌类型|出口享惠情况|用途|功率|品牌|型号"),
    ("8517130000", "智能手机", "001", "035", "品牌类型|出口享惠情况|用途|品牌|型号"),
    ("9401710000", "带软垫的金属框架坐具", "007", "035", "品牌类型|出口享惠情况|用途|材质|品牌|型号"),
    ("9403200000", "其他金属家具", "011", "035", "品牌类型|出口享惠情况|用途|材质|品牌|型号"),
    ("9503002100", "玩具动物(填充)", "007", "035", "品牌类型|出口享惠情况|用途|材质|品牌|型号"),
)
SEED_TARIFF: Final = "illustrative seed rows, not from GACC; replace with the official tariff before production"


def international_lists(tables: Tables) -> None:
    """The international code lists the canonical record uses."""
    _control_points(tables)
    _countries(tables)
    _currencies(tables)
    _unece_lists(tables)
    _hs2022(tables)


def _control_points(tables: Tables) -> None:
    """The six road control points, their names on both sides and every spelling traders write."""
    src = tables.cl("control_points.csv")
    cp = tables.make("control_points", ("immd_code", "hk_name_en", "hk_name_zh", "mainland_port_zh",
                                        "mainland_port_en", "names"))
    for r in src:
        opened = re.search(r"since (\d{4}-\d{2}-\d{2})", r["notes"])  # e.g. HYW cargo 2020-08-26
        fields = (r["hk_name_en"], r["hk_name_zh"], r["mainland_port_zh"], r["mainland_port_en"])
        cp.add(opened.group(1) if opened else DEFAULT_FROM, immd_code=r["immd_code"],
               hk_name_en=r["hk_name_en"], hk_name_zh=r["hk_name_zh"], mainland_port_zh=r["mainland_port_zh"],
               mainland_port_en=r["mainland_port_en"],
               names=dedupe([*fields, *CONTROL_POINT_NAMES.get(r["immd_code"], "").split("|")]))
    cp.source(*row_sources(src), f"names: {CURATED} from source-formats.md §F")


def _countries(tables: Tables) -> None:
    """ISO 3166-1 from pycountry, with the UNSD Chinese name and every name traders may write."""
    iso = json.loads((tables.corpus / PYCOUNTRY / "iso3166-1.json").read_text(encoding="utf-8"))["3166-1"]
    unsd_rows = read_csv(tables.corpus / "unsd_m49_countries_chinese.csv")
    unsd = {r["ISO-alpha2 Code"]: r["Country or Area"] for r in unsd_rows}
    cn = {r["iso3166_alpha2"]: r for r in tables.cl("cn_countries_declaration.csv") if r["iso3166_alpha2"]}
    countries = tables.make("countries", ("alpha2", "alpha3", "numeric", "name_en", "name_zh", "aliases"))
    for c in sorted(iso, key=lambda c: str(c["alpha_2"])):
        a2, name_zh, gacc = c["alpha_2"], unsd.get(c["alpha_2"], ""), cn.get(c["alpha_2"], {})
        extra = [*COUNTRY_ALIASES.get(a2, "").split("|"), gacc.get("name_zh", ""), gacc.get("name_en", ""),
                 c.get("common_name", ""), c.get("official_name", "")]
        countries.add(alpha2=a2, alpha3=c["alpha_3"], numeric=c["numeric"], name_en=c["name"], name_zh=name_zh,
                      aliases=dedupe(extra, exclude=(a2, c["alpha_3"], c["name"], name_zh)))
    countries.source(f"ISO 3166-1: pycountry 26.2.16 database (corpus/reference/{PYCOUNTRY}/iso3166-1.json, "
                     "Debian iso-codes, LGPL-2.1)",
                     "name_zh: UNSD M49 Chinese names (corpus/reference/unsd_m49_countries_chinese.csv, "
                     "datasets/country-codes, ODC-PDDL-1.0)",
                     "aliases: names of codelists/cn_countries_declaration.csv (ryanrong95/HXT "
                     f"DeclarationBase.cs), pycountry common/official names, and short names {CURATED}")


def _currencies(tables: Tables) -> None:
    """Active ISO 4217 currencies, with their minor units and the Chinese customs name."""
    cur = json.loads((tables.corpus / PYCOUNTRY / "iso4217.json").read_text(encoding="utf-8"))["4217"]
    minor: dict[str, str] = {}
    for r in read_csv(tables.corpus / "iso4217_currency_codes-all.csv"):
        if not r["WithdrawalDate"] and r["AlphabeticCode"] and r["MinorUnit"].isdigit():
            minor.setdefault(r["AlphabeticCode"], r["MinorUnit"])
    cn_cur = {r["code"]: r for r in tables.cl("cn_currencies_declaration.csv")}
    currencies = tables.make("currencies", ("code", "numeric", "name_en", "name_zh", "aliases", "minor_units"))
    for c in sorted(cur, key=lambda c: str(c["alpha_3"])):
        code = c["alpha_3"]
        name_zh = cn_cur.get(code, {}).get("name_zh", "")
        aliases = dedupe(CURRENCY_ALIASES.get(code, "").split("|"), exclude=(code, c["name"], name_zh))
        currencies.add(code=code, numeric=c["numeric"], name_en=c["name"], name_zh=name_zh, aliases=aliases,
                       minor_units=minor.get(code, ""))
    currencies.source(f"ISO 4217: pycountry 26.2.16 database (corpus/reference/{PYCOUNTRY}/iso4217.json)",
                      "minor_units: corpus/reference/iso4217_currency_codes-all.csv (datasets/currency-codes, SIX)",
                      "name_zh: codelists/cn_currencies_declaration.csv (ryanrong95/HXT DeclarationBase.cs)",
                      f"aliases: {CURATED}")


def _unece_lists(tables: Tables) -> None:
    """UN/ECE Rec 19 transport modes, Rec 20 units (with every Rec 21 code in its X-form) and Rec 21."""
    rec19 = tables.cl("unece_rec19_transport_modes.csv")
    t19 = tables.make("rec19_transport_modes", ("code", "name", "aliases"))
    for r in rec19:
        t19.add(code=r["code"], name=r["name"],
                aliases=dedupe(TRANSPORT_MODE_ALIASES.get(r["code"], "").split("|"), exclude=(r["name"],)))
    t19.source(*row_sources(rec19), f"aliases: {CURATED} (Chinese names after the China manifest list CN012 and "
               "the declaration's 运输方式)")

    rec20, rec21 = tables.cl("unece_rec20_units_subset.csv"), tables.cl("unece_rec21_package_types.csv")
    t20 = tables.make("rec20_units", ("code", "name", "kind"))
    for r in rec20:
        t20.add(code=r["code"], name=r["name"], kind="unit")
    for r in rec21:  # Rec 20 admits every Rec 21 code prefixed with X as a unit of quantity
        t20.add(code=r["rec20_x_code"], name=r["name"], kind="package")
    t20.source(*row_sources(rec20), *row_sources(rec21))

    t21 = tables.make("rec21_package_types", ("code", "rec20_code", "name", "description"))
    for r in rec21:
        t21.add(code=r["rec21_code"], rec20_code=r["rec20_x_code"], name=r["name"], description=r["description"])
    t21.source(*row_sources(rec21))


def _hs2022(tables: Tables) -> None:
    """Every 6-digit HS 2022 subheading."""
    hs = tables.make("hs2022_subheadings", ("code", "description"))
    for r in read_csv(tables.corpus / "hs_harmonized-system.csv"):
        # level-6 rows; 999999 is UN Comtrade's "not specified according to kind", not an HS subheading
        if r["level"] == "6" and r["hscode"].isdigit() and r["hscode"] != "999999":
            hs.add(HS2022, code=r["hscode"], description=r["description"])
    hs.source("corpus/reference/hs_harmonized-system.csv (datasets/harmonized-system @ 905e5a0fa2, "
              "HS 2022 via UN Comtrade, ODC-PDDL-1.0)")


def china_lists(tables: Tables) -> None:
    """The Mainland's code lists; the international lists must be built already (countries for the
    official tables' alpha-3 check, HS 2022 for the tariff lines)."""
    # units, packages, currencies, countries, trade and transport modes, ports, domestic ports and
    # districts: the official tables of the customs interface pack
    alpha3 = set(tables.out["countries"].col("alpha3"))
    for name in official_tables(lambda n, c: tables.make(n, c, official=True), tables.pack, alpha3):
        tables.out[name].official = True
    _simple(tables, "cn_transaction_methods", "cn_transaction_methods.csv", {"code": "code", "name": "name"})
    _simple(tables, "cn_levy_nature", "cn_levy_nature.csv",
            {"code": "code", "name_zh": "short_name_zh", "description_zh": "description_zh"})
    for name, file in (("cn_manifest_function_codes", "cn_road_manifest_function_codes.csv"),
                       ("cn_manifest_change_reasons", "cn_road_manifest_change_reasons.csv"),
                       ("cn_manifest_response_codes", "cn_road_manifest_response_codes.csv")):
        _simple(tables, name, file, {"code": "code", "name_zh": "name_zh"}, DEFAULT_FROM)
    _customs_offices(tables)
    _message_types(tables)
    _legacy_currencies(tables)
    _tariff_lines(tables)


def _simple(tables: Tables, name: str, file: str, cols: dict[str, str], valid_from: str = CN_2018) -> Out:
    """A China list copied with renamed columns (``cols``: output column → input column)."""
    rows = tables.cl(file)
    table = tables.make(name, tuple(cols))
    for r in rows:
        table.add(valid_from, **{out: r[src].strip() for out, src in cols.items()})
    table.source(*row_sources(rows))
    return table


def _customs_offices(tables: Tables) -> None:
    """关区 codes (4 digits), each with the district that administers it."""
    rows = tables.cl("cn_customs_district_codes.csv")
    t = tables.make("cn_customs_offices", ("code", "name_zh", "district", "note"))
    for r in rows:
        if not re.fullmatch(r"\d{4}", r["code"]):  # 港珠澳大桥海关: code NOT FOUND, never invented
            continue
        t.add(CN_2018, code=r["code"], name_zh=r["name_zh"],
              district="" if r["code"].endswith("00") else r["code"][:2] + "00", note=r["notes"])
    t.source(*row_sources(rows))


def _message_types(tables: Tables) -> None:
    """Road manifest message types (CC002), the source's "中文 (English)" name split in two."""
    rows = tables.cl("cn_road_manifest_message_types.csv")
    t = tables.make("cn_manifest_message_types", ("code", "name_zh", "name_en"))
    for r in rows:
        m = re.fullmatch(r"(.*?)\s*\((.*)\)", r["name"])
        zh, en = (m.group(1), m.group(2)) if m else (r["name"], "")
        if not zh:  # "(name not found in sources)"
            zh, en = "", ""
        t.add(code=r["message_type"], name_zh=zh, name_en=en)
    t.source(*row_sources(rows))


def _legacy_currencies(tables: Tables) -> None:
    """Pre-2018 numeric currency codes → ISO 4217, for reading old files."""
    rows = tables.cl("cn_currency_legacy_numeric_to_iso.csv")
    t = tables.make("cn_legacy_currency_numeric", ("code", "iso4217", "name_zh", "superseded_on"))
    for r in rows:
        t.add(code=r["legacy_numeric_code"], iso4217=r["iso4217"], name_zh=r["name_zh"], superseded_on=CN_2018)
    t.source(*row_sources(rows))


def _tariff_lines(tables: Tables) -> None:
    """The illustrative tariff lines, each checked against HS 2022 and the China units."""
    units = tables.out["cn_units"].by("code")
    hs6 = set(tables.out["hs2022_subheadings"].col("code"))
    t = tables.make("cn_tariff_lines", ("hs_cn", "description_zh", "unit_1", "unit_2", "element_count",
                                        "element_names"))
    for hs_cn, desc, u1, u2, elements in TARIFF_LINES:
        if not re.fullmatch(r"\d{10}", hs_cn) or hs_cn[:6] not in hs6:
            raise ValueError(f"tariff line {hs_cn}: not 10 digits or HS-6 not in HS 2022")
        if u1 not in units or (u2 and u2 not in units):
            raise ValueError(f"tariff line {hs_cn}: unknown legal unit {u1}/{u2}")
        t.add(hs_cn=hs_cn, description_zh=desc, unit_1=u1, unit_2=u2,
              element_count=str(len(elements.split("|"))), element_names=elements)
    t.source(SEED_TARIFF)
