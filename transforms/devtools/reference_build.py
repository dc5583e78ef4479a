"""Build the product's own reference tables (``data/reference``) from the research snapshot.

    python -m transforms.devtools.reference_build --shared ../shared --out data/reference

Reads ``<shared>/reference/cn-customs/codes/`` (the official code tables of the customs interface
pack: units, packages, currencies, countries, trade and transport modes, ports, domestic ports and
districts — see :mod:`transforms.devtools.reference_official`), ``<shared>/codelists/*.csv`` and
``<shared>/corpus/reference/`` (HS 2022, ISO 4217 minor units, UNSD Chinese country names, the
pycountry 26.2.16 databases) and writes normalised UTF-8
CSVs with ``valid_from``/``valid_to``, a ``manifest.json`` (version, rows, sha256, sources) and a
``README.md``. The output is deterministic: the same inputs give byte-identical files (a test checks
the committed tables against a fresh build). Long ``source`` texts go to the manifest, not the rows.

Curated facts that no shared file holds (trader aliases, crosswalk decisions, illustrative tariff
lines) are declared below as data, each with the reason for the choice; the build checks every one
against the lists it points into and fails rather than write a dangling code.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from transforms.devtools.reference_build_dec import DEC_TABLE_DOCS, dec_crosswalks
from transforms.devtools.reference_official import DOCS as OFFICIAL_DOCS
from transforms.devtools.reference_official import (
    declaration_element_codes,
    domestic_port_of,
    duty_modes,
    official_tables,
)
from transforms.model.reference import normalise_key

REPO: Final = Path(__file__).resolve().parents[2]
HS2022: Final = "2022-01-01"  # HS 2022 entered into force
CN_2018: Final = "2018-08-01"  # 关检融合 declaration reform: post-2018 China lists
DEFAULT_FROM: Final = "2024-01-01"  # when no effective date is known (start of the SSDD era)
PYCOUNTRY: Final = "pycountry-26.2.16"


@dataclass
class Out:
    """One output table: columns (without validity), rows (with ``valid_from``/``valid_to``)."""

    name: str
    columns: tuple[str, ...]
    rows: list[dict[str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    #: copied from the official customs tables: checks may hold a trip on these rows
    official: bool = False

    def add(self, valid_from: str = DEFAULT_FROM, valid_to: str = "", **values: str) -> None:
        missing = set(self.columns) - set(values)
        extra = set(values) - set(self.columns)
        if missing or extra:
            raise ValueError(f"{self.name}: missing {sorted(missing)}, unexpected {sorted(extra)}")
        self.rows.append({**values, "valid_from": valid_from, "valid_to": valid_to})

    def source(self, *texts: str) -> None:
        for text in texts:
            if text and text not in self.sources:
                self.sources.append(text)

    def col(self, name: str) -> list[str]:
        return [r[name] for r in self.rows]

    def by(self, key: str) -> dict[str, dict[str, str]]:
        return {r[key]: r for r in self.rows}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _sources(rows: Iterable[dict[str, str]]) -> list[str]:
    seen: list[str] = []
    for row in rows:
        text = (row.get("source") or row.get("sources") or "").strip()
        if text and text not in seen:
            seen.append(text)
    return seen


def _dedupe(texts: Iterable[str], exclude: Iterable[str] = ()) -> str:
    """``|``-join texts once each (by normalised key), leaving out ``exclude`` and blanks."""
    seen = {normalise_key(x) for x in exclude if x}
    kept: list[str] = []
    for text in texts:
        key = normalise_key(text)
        if key and key not in seen and "|" not in text:
            seen.add(key)
            kept.append(text.strip())
    return "|".join(kept)


# ------------------------------------------------------------------------------------------------
# Curated data. Aliases are spellings traders write; every target is checked against its table.
# ------------------------------------------------------------------------------------------------

# ImmD code → extra accepted spellings (source-formats.md §F: both sides' ports, en/繁/简).
CONTROL_POINT_NAMES: Final = {
    "LMC": "落馬洲|落马洲|皇岗|皇崗|皇崗口岸|落馬洲管制站|落马洲管制站|Lok Ma Chau|Huanggang|Huanggang Port",
    "MKT": "文錦渡|文锦渡|文錦渡口岸|文锦渡管制站|文錦渡管制站|Man Kam To|Wenjindu|Wenjindu Port",
    "STK": "沙頭角|沙头角|沙頭角口岸|沙头角管制站|沙頭角管制站|Sha Tau Kok|Shatoujiao|Shatoujiao Port",
    "SBC": "深圳灣|深圳湾|深圳灣口岸|深圳湾管制站|深圳灣管制站|Shenzhen Bay|Shenzhen Bay Control Point",
    "HYW": "香園圍|香园围|莲塘|蓮塘|蓮塘口岸|香園圍管制站|香园围管制站|蓮塘/香園圍|莲塘/香园围|"
    "Heung Yuen Wai|Liantang|Liantang/Heung Yuen Wai",
    "HZM": "港珠澳大橋|港珠澳大桥|港珠澳大桥香港口岸|港珠澳大橋珠海公路口岸|港珠澳大桥珠海口岸|"
    "港珠澳大橋珠海口岸|HZMB|HZMB Hong Kong Port|Hong Kong-Zhuhai-Macao Bridge|"
    "Hong Kong-Zhuhai-Macau Bridge|Hong Kong-Zhuhai-Macao Bridge Zhuhai Port",
}

# alpha-2 → short names traders write (Simplified, Traditional, English). Names from the UNSD and
# Chinese customs lists and pycountry's common/official names are added automatically.
COUNTRY_ALIASES: Final = {
    "CN": "中国|中國|中国大陆|中國大陸|中国内地|中國內地|内地|內地|大陆|大陸|"
    "PRC|P.R.China|Mainland China|China Mainland",
    "HK": "香港|中国香港|中國香港|香港特别行政区|香港特別行政區|中國香港特別行政區|"
    "HK SAR|HKSAR|Hong Kong SAR|Hong Kong, China",
    "MO": "澳门|澳門|中国澳门|中國澳門|澳门特别行政区|澳門特別行政區|Macau|Macao SAR|Macau SAR|Macao, China",
    "TW": "台湾|台灣|臺灣|中国台湾|中國台灣|中國臺灣|Taiwan, China|Chinese Taipei",
    "JP": "日本", "VN": "越南|Vietnam", "KR": "韩国|韓國|南韩|南韓|大韓民國|Korea|South Korea|Republic of Korea",
    "KP": "朝鲜|朝鮮|北韩|北韓|North Korea", "US": "美国|美國|U.S.A.|U.S.",
    "GB": "英国|英國|UK|U.K.|Great Britain|Britain", "DE": "德国|德國", "FR": "法国|法國",
    "IT": "意大利|義大利", "ES": "西班牙", "NL": "荷兰|荷蘭|Holland", "BE": "比利时|比利時", "CH": "瑞士",
    "AT": "奥地利|奧地利", "SE": "瑞典", "DK": "丹麦|丹麥", "FI": "芬兰|芬蘭", "NO": "挪威", "IE": "爱尔兰|愛爾蘭",
    "PL": "波兰|波蘭", "CZ": "捷克|Czech Republic", "HU": "匈牙利", "PT": "葡萄牙",
    "RU": "俄罗斯|俄羅斯|Russia", "TR": "土耳其|Turkey", "IN": "印度", "ID": "印度尼西亚|印度尼西亞|印尼",
    "MY": "马来西亚|馬來西亞|大马|大馬", "SG": "新加坡", "TH": "泰国|泰國", "PH": "菲律宾|菲律賓",
    "KH": "柬埔寨", "MM": "缅甸|緬甸|Burma", "LA": "老挝|老撾|寮國|Laos", "BD": "孟加拉|孟加拉国|孟加拉國",
    "PK": "巴基斯坦", "LK": "斯里兰卡|斯里蘭卡", "AE": "阿联酋|阿聯酋|阿拉伯联合酋长国|阿拉伯聯合酋長國|UAE",
    "SA": "沙特|沙特阿拉伯|沙地阿拉伯", "IL": "以色列", "AU": "澳大利亚|澳大利亞|澳洲",
    "NZ": "新西兰|新西蘭|紐西蘭", "CA": "加拿大", "MX": "墨西哥", "BR": "巴西", "CL": "智利",
    "PE": "秘鲁|秘魯", "ZA": "南非", "EG": "埃及", "NG": "尼日利亚|尼日利亞",
}

# ISO 4217 → names traders write. The Chinese customs name is added automatically.
CURRENCY_ALIASES: Final = {
    "CNY": "人民币|人民幣|RMB", "USD": "美元|美金|US$|US Dollars", "HKD": "港币|港幣|港元|港纸|港紙|HK$",
    "EUR": "欧元|歐元|€", "JPY": "日元|日圓|日圆|日币|日幣|円", "GBP": "英镑|英鎊|£",
    "TWD": "新台币|新台幣|台币|台幣|NT$", "MOP": "澳门元|澳門元|澳门币|澳門幣|葡币|葡幣",
    "KRW": "韩元|韓元|韩圆|韓圓", "SGD": "新加坡元|新币|新幣|S$", "AUD": "澳元|澳币|澳幣|A$",
    "CAD": "加元|加币|加幣|C$", "CHF": "瑞郎", "THB": "泰铢|泰銖", "MYR": "马币|馬幣|林吉特|令吉",
    "VND": "越南盾", "INR": "印度卢比|印度盧比", "IDR": "印尼盾", "PHP": "菲律宾比索|菲律賓披索",
    "RUB": "卢布|盧布", "NZD": "新西兰元|紐西蘭元|纽币",
}

# Rec 19 code → words a trip plan's transport_mode column may hold (English, Simplified, Traditional).
# The Chinese names are those of the China manifest list CN012 (shared/reference/cn-manifest/codes/
# CN012_transport_mode.csv) and the declaration's 运输方式; 汽车运输 is the carriers' own word for a
# truck trip. A word that names two modes (水路, 陆运: sea or river, road or rail) is left out: it is
# never guessed.
TRANSPORT_MODE_ALIASES: Final = {
    "1": "sea|maritime|ocean|海运|海運|海上运输|海上運輸",
    "2": "rail|railway|train|铁路|鐵路|铁路运输|鐵路運輸|火车|火車",
    "3": "road|truck|lorry|公路|公路运输|公路運輸|汽车运输|汽車運輸|汽车|汽車|货车|貨車|卡车|卡車",
    "4": "air|air freight|airfreight|空运|空運|航空|航空运输|航空運輸",
    "5": "mail|post|postal|邮政|郵政|邮政运输|郵政運輸|邮件运输|郵件運輸",
    "6": "multimodal|多式联运|多式聯運",
    "7": "pipeline|管道运输|管道運輸|固定设施运输|固定設施運輸",
    "8": "inland water|inland waterway|river|内河|內河|内河运输|內河運輸",
}

# (aliases, Rec 20 code, note). A note starting "overrides" marks an alias that shadows a code.
_COUNT = "count word; the trader's word stays in quantity_unit_raw and has its own China unit in cn_units"
UNIT_ALIASES: Final = (
    ("PCS|PC|PCE|PCS.|PIECE|PIECES|UNIT|UNITS", "H87", "piece"),
    ("ST", "H87", "SAP unit ST = German Stück (piece); Rec 20 ST means sheet, which our traders do not use"),
    ("EA", "H87", "overrides Rec 20 EA (each): every piece count shares one canonical unit, H87"),
    ("个|個|件|台|臺|张|張|只|隻|片|块|塊|条|條|支|把|根|套件|盒装|辆|輛", "H87", _COUNT),
    ("KG|KGS|KILO|KILOS|千克|公斤", "KGM", "kilogram"),
    ("G|GRAM|GRAMS|克", "GRM", "gram (GR left out: it also means gross)"),
    ("LB|LBS|磅", "LBR", "pound"),
    ("吨|噸|公吨|公噸", "TNE", "metric tonne (MT/TON are left out: metre vs short/long ton is ambiguous)"),
    ("L|LITRE|LITER|升|公升", "LTR", "litre (LT left out: it also means long ton)"),
    ("ML|毫升", "MLT", "millilitre"),
    ("M|米|公尺", "MTR", "metre (SAP unit M)"),
    ("KM|公里|千米", "KMT", "kilometre"),
    ("M2|SQM|平方米", "MTK", "square metre"), ("M3|CBM|立方米", "MTQ", "cubic metre"),
    ("SETS|套", "SET", "set"),
    ("PRS|PAA|PAIR|PAIRS|双|雙|对|對", "PR", "pair (SAP unit PAA)"),
    ("DOZ|DZ|打", "DZN", "dozen"),
    ("CTN|CTNS|CAR|CARTON|CARTONS|箱", "XCT",
     "carton as a unit of quantity: Rec 20 form (X + Rec 21 CT) of the package code; SAP unit CAR; "
     "箱 in an ERP unit column is a shipping carton"),
    ("包", "XPK", "pack/package as a unit of quantity: Rec 20 form of Rec 21 PK"),
    ("卷|捲", "XRO", "roll as a unit of quantity: Rec 20 form of Rec 21 RO"),
)

# (aliases, Rec 21 code, note) — the package wording of ROCARS item (b) and 包装方式 columns.
PACKAGE_ALIASES: Final = (
    ("纸箱|紙箱|纸板箱|紙板箱|箱|箱数|箱數|CTN|CTNS|CARTON|CARTONS", "CT",
     "carton; 箱/箱數 alone (a bare box count in HK exports) is read as cartons"),
    ("木箱|WOODEN CASE|WOODEN BOX", "7B",
     "Rec 21 7B Case, wooden: the exact Rec 21 term for 木箱 (CS 'case' and BX 'box' say no material)"),
    ("托盘|托盤|栈板|棧板|卡板|木托|木托盘|木托盤|PALLET|PALLETS|PLT|PLTS", "PX", "pallet"),
    ("编织袋|編織袋", "BG", "woven bag; Rec 21 5H (Bag, woven plastic) is more specific but BG keeps one bag code"),
    ("袋|包|包装袋|包裝袋|BAG|BAGS", "BG", "bag; 包 follows the China declaration's 06 包/袋"),
    ("桶|DRUM|DRUMS", "DR", "drum"), ("捆|BUNDLE|BUNDLES", "BE", "bundle"), ("卷|捲|ROLL|ROLLS", "RO", "roll"),
    ("盒|BOX|BOXES", "BX", "box"), ("CASE|CASES", "CS", "case"), ("裸装|裸裝", "NE", "unpacked"),
    ("件|PKG|PKGS|PACKAGE|PACKAGES", "PK", "package of unstated kind"),
)

# Rec 19 → China declaration 运输方式 (cn_transport_modes). (rec19, cn, status, note)
XW_TRANSPORT: Final = (
    ("1", "2", "proposed", "maritime → 水路运输"), ("2", "3", "proposed", "rail → 铁路运输"),
    ("3", "4", "verified", "road → 公路运输 (manifest road = 3, declaration road = 4; ssdd-domain §3.1/§3.2)"),
    ("4", "5", "proposed", "air → 航空运输"), ("5", "6", "proposed", "mail → 邮件运输"),
    ("7", "G", "proposed", "fixed transport installation → 固定设施运输"),
    ("8", "2", "proposed", "inland water → 水路运输"),
)

# Rec 21 → China declaration 包装种类 (cn_package_types). Only listed codes map; others are absent.
_OTHER = "no specific China code: 99 其他包装"
XW_PACKAGE: Final = (
    ("CT", "22", "verified", "carton = 纸制或纤维板制盒/箱 (manifest CT vs declaration 22: ryanrong95/HXT)"),
    ("4G", "22", "proposed", "Box, fibreboard"),
    ("BX", "22", "proposed", "box of unstated material; export boxes are mostly fibreboard"),
    ("7B", "23", "proposed", "Case, wooden → 木制或竹藤等植物性材料制盒/箱"),
    ("4C", "23", "proposed", "Box, natural wood"), ("4D", "23", "proposed", "Box, plywood"),
    ("4F", "23", "proposed", "Box, reconstituted wood"),
    ("CS", "23", "proposed", "case: in shipping usage a case is normally wooden"),
    ("PX", "92", "proposed",
     "pallet of unstated material → 92 再生木托 (93 天然木托 is natural wood); confirm per trader with a broker"),
    ("BG", "06", "proposed", "bag → 包/袋"), ("5H", "06", "proposed", "Bag, woven plastic → 包/袋"),
    ("NE", "01", "proposed", "unpacked → 裸装"),
    ("VL", "00", "proposed", "bulk → 散装"), ("VG", "00", "proposed", "bulk → 散装"),
    ("VQ", "00", "proposed", "bulk → 散装"), ("VR", "00", "proposed", "bulk → 散装"),
    ("VY", "00", "proposed", "bulk → 散装"), ("VO", "00", "proposed", "bulk → 散装"),
    ("DR", "39", "proposed", "drum of unstated material; most drums are steel or plastic → 其他材料制桶"),
    ("1A", "39", "proposed", "Drum, steel → 其他材料制桶"),
    ("1B", "39", "proposed", "Drum, aluminium → 其他材料制桶"),
    ("IH", "39", "proposed", "Drum, plastic → 其他材料制桶"),
    ("1G", "32", "proposed", "Drum, fibre → 纸制或纤维板制桶"),
    ("1D", "33", "proposed", "Drum, plywood → 木制…桶"), ("1W", "33", "proposed", "Drum, wooden → 木制…桶"),
    ("PK", "99", "proposed", _OTHER), ("BE", "99", "proposed", _OTHER), ("RO", "99", "proposed", _OTHER),
)

# Rec 20 → China unit (cn_units), with the China name each code must carry (checked at build).
_COUNT_CN = "generic count; a writer should prefer the tariff line's legal count unit (台/件/双…)"
XW_UNIT: Final = (
    ("KGM", "035", "千克", ""), ("GRM", "036", "克", ""), ("TNE", "070", "吨", ""), ("LTR", "095", "升", ""),
    ("MLT", "096", "毫升", ""), ("MTR", "030", "米", ""), ("MTK", "032", "平方米", ""), ("MTQ", "033", "立方米", ""),
    ("KMT", "147", "千米", ""), ("PR", "025", "双", "pair; 026 对 is also a pair, 双 is the usual one (shoes, gloves)"),
    ("SET", "006", "套", ""), ("DZN", "127", "打", ""), ("LBR", "076", "磅", ""), ("ONZ", "083", "盎司", ""),
    ("CTM", "084", "克拉", ""), ("INH", "088", "英寸", ""), ("FOT", "067", "英尺", ""), ("YRD", "086", "码", ""),
    ("KWH", "062", "千瓦时", ""), ("KWT", "061", "千瓦", ""),
    ("H87", "007", "个", "piece; " + _COUNT_CN), ("C62", "007", "个", "one; " + _COUNT_CN),
    ("XCT", "120", "箱", "carton as a unit → 箱"), ("XBX", "120", "箱", "box as a unit → 箱"),
    ("XPK", "125", "包", ""), ("XBG", "136", "袋", ""), ("XRO", "018", "卷", ""), ("XDR", "123", "桶", ""),
    ("XBE", "135", "捆", ""), ("XBO", "142", "瓶", ""),
)

# Our function code (EDIFACT 1225 vocabulary) → China road manifest CN010.
XW_FUNCTION: Final = (
    ("9", "9", "", "verified",
     "original → 舱单主要数据申报: a new MT1401 carries FunctionCode 9 in ryanrong95/HXT ManifestExtend.cs "
     "and Zzaniu/loop_server MT1401.xml (not 2 新增)"),
    ("5", "5", "AMEND_DATA", "proposed", "replace → 变更申请, with a change reason"),
    ("1", "3", "CANCEL", "verified",
     "cancel → 删除申请: ryanrong95/HXT ManifestDeleteExtend.cs sends 3 with a CC001 change reason"),
)

# Our change reason → China CC001.
XW_CHANGE_REASON: Final = (
    ("AMEND_DATA", "004", "proposed", "default for amendments: 因疏忽而造成的舱单必填数据元差错"),
    ("AMEND_OPTIONAL_DATA", "005", "proposed", "更正因疏忽而造成的舱单选填数据元差错"),
    ("CANCEL", "002", "proposed",
     "default for cancellations: 临时拉货 (goods withdrawn before crossing, the usual reason a trip is "
     "cancelled); ryanrong95/HXT uses 999 其他 with a free-text reason instead"),
    ("CANCEL_DUPLICATE", "010", "proposed", "重复的舱单数据"),
    ("OTHER", "999", "verified", "其他 (with a free-text reason; used by ryanrong95/HXT for deletions)"),
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

CURATED = "curated in transforms/devtools/reference_build.py"
SEED_TARIFF = "illustrative seed rows, not from GACC; replace with the official tariff before production"


# ------------------------------------------------------------------------------------------------
# Builders
# ------------------------------------------------------------------------------------------------


class Builder:
    def __init__(self, shared: Path) -> None:
        self.codelists = shared / "codelists"
        self.corpus = shared / "corpus" / "reference"
        self.pack = shared / "reference" / "cn-customs" / "codes"
        for folder in (self.codelists, self.corpus, self.pack):
            if not folder.is_dir():
                raise FileNotFoundError(f"missing input folder {folder}")
        self.out: dict[str, Out] = {}

    def cl(self, name: str) -> list[dict[str, str]]:
        return read_csv(self.codelists / name)

    def put(self, table: Out) -> Out:
        self.out[table.name] = table
        return table

    def build(self) -> dict[str, Out]:
        self.international()
        self.china()
        self.aliases()
        self.crosswalks()
        declaration_element_codes(lambda name, cols: self.put(Out(name, cols)))
        duty_modes(lambda name, cols: self.put(Out(name, cols)), self.out["cn_levy_nature"].by("code"))
        dec_crosswalks(self.codelists.parent, lambda name, cols: self.put(Out(name, cols)))
        self.check()
        return self.out

    # -- international lists --------------------------------------------------------------------

    def international(self) -> None:
        src = self.cl("control_points.csv")
        cp = self.put(Out("control_points", ("immd_code", "hk_name_en", "hk_name_zh", "mainland_port_zh",
                                              "mainland_port_en", "names")))
        for r in src:
            opened = re.search(r"since (\d{4}-\d{2}-\d{2})", r["notes"])  # e.g. HYW cargo 2020-08-26
            fields = (r["hk_name_en"], r["hk_name_zh"], r["mainland_port_zh"], r["mainland_port_en"])
            cp.add(opened.group(1) if opened else DEFAULT_FROM, immd_code=r["immd_code"],
                   hk_name_en=r["hk_name_en"], hk_name_zh=r["hk_name_zh"], mainland_port_zh=r["mainland_port_zh"],
                   mainland_port_en=r["mainland_port_en"],
                   names=_dedupe([*fields, *CONTROL_POINT_NAMES.get(r["immd_code"], "").split("|")]))
        cp.source(*_sources(src), f"names: {CURATED} from source-formats.md §F")

        iso = json.loads((self.corpus / PYCOUNTRY / "iso3166-1.json").read_text(encoding="utf-8"))["3166-1"]
        unsd_rows = read_csv(self.corpus / "unsd_m49_countries_chinese.csv")
        unsd = {r["ISO-alpha2 Code"]: r["Country or Area"] for r in unsd_rows}
        cn = {r["iso3166_alpha2"]: r for r in self.cl("cn_countries_declaration.csv") if r["iso3166_alpha2"]}
        countries = self.put(Out("countries", ("alpha2", "alpha3", "numeric", "name_en", "name_zh", "aliases")))
        for c in sorted(iso, key=lambda c: str(c["alpha_2"])):
            a2, name_zh, gacc = c["alpha_2"], unsd.get(c["alpha_2"], ""), cn.get(c["alpha_2"], {})
            extra = [*COUNTRY_ALIASES.get(a2, "").split("|"), gacc.get("name_zh", ""), gacc.get("name_en", ""),
                     c.get("common_name", ""), c.get("official_name", "")]
            countries.add(alpha2=a2, alpha3=c["alpha_3"], numeric=c["numeric"], name_en=c["name"], name_zh=name_zh,
                          aliases=_dedupe(extra, exclude=(a2, c["alpha_3"], c["name"], name_zh)))
        countries.source(f"ISO 3166-1: pycountry 26.2.16 database (corpus/reference/{PYCOUNTRY}/iso3166-1.json, "
                         "Debian iso-codes, LGPL-2.1)",
                         "name_zh: UNSD M49 Chinese names (corpus/reference/unsd_m49_countries_chinese.csv, "
                         "datasets/country-codes, ODC-PDDL-1.0)",
                         "aliases: names of codelists/cn_countries_declaration.csv (ryanrong95/HXT "
                         f"DeclarationBase.cs), pycountry common/official names, and short names {CURATED}")

        cur = json.loads((self.corpus / PYCOUNTRY / "iso4217.json").read_text(encoding="utf-8"))["4217"]
        minor: dict[str, str] = {}
        for r in read_csv(self.corpus / "iso4217_currency_codes-all.csv"):
            if not r["WithdrawalDate"] and r["AlphabeticCode"] and r["MinorUnit"].isdigit():
                minor.setdefault(r["AlphabeticCode"], r["MinorUnit"])
        cn_cur = {r["code"]: r for r in self.cl("cn_currencies_declaration.csv")}
        currencies = self.put(Out("currencies", ("code", "numeric", "name_en", "name_zh", "aliases", "minor_units")))
        for c in sorted(cur, key=lambda c: str(c["alpha_3"])):
            code = c["alpha_3"]
            name_zh = cn_cur.get(code, {}).get("name_zh", "")
            aliases = _dedupe(CURRENCY_ALIASES.get(code, "").split("|"), exclude=(code, c["name"], name_zh))
            currencies.add(code=code, numeric=c["numeric"], name_en=c["name"], name_zh=name_zh, aliases=aliases,
                           minor_units=minor.get(code, ""))
        currencies.source(f"ISO 4217: pycountry 26.2.16 database (corpus/reference/{PYCOUNTRY}/iso4217.json)",
                          "minor_units: corpus/reference/iso4217_currency_codes-all.csv (datasets/currency-codes, SIX)",
                          "name_zh: codelists/cn_currencies_declaration.csv (ryanrong95/HXT DeclarationBase.cs)",
                          f"aliases: {CURATED}")

        rec19 = self.cl("unece_rec19_transport_modes.csv")
        t19 = self.put(Out("rec19_transport_modes", ("code", "name", "aliases")))
        for r in rec19:
            t19.add(code=r["code"], name=r["name"],
                    aliases=_dedupe(TRANSPORT_MODE_ALIASES.get(r["code"], "").split("|"), exclude=(r["name"],)))
        t19.source(*_sources(rec19), f"aliases: {CURATED} (Chinese names after the China manifest list CN012 and "
                   "the declaration's 运输方式)")

        rec20, rec21 = self.cl("unece_rec20_units_subset.csv"), self.cl("unece_rec21_package_types.csv")
        t20 = self.put(Out("rec20_units", ("code", "name", "kind")))
        for r in rec20:
            t20.add(code=r["code"], name=r["name"], kind="unit")
        for r in rec21:  # Rec 20 admits every Rec 21 code prefixed with X as a unit of quantity
            t20.add(code=r["rec20_x_code"], name=r["name"], kind="package")
        t20.source(*_sources(rec20), *_sources(rec21))

        t21 = self.put(Out("rec21_package_types", ("code", "rec20_code", "name", "description")))
        for r in rec21:
            t21.add(code=r["rec21_code"], rec20_code=r["rec20_x_code"], name=r["name"], description=r["description"])
        t21.source(*_sources(rec21))

        hs = self.put(Out("hs2022_subheadings", ("code", "description")))
        for r in read_csv(self.corpus / "hs_harmonized-system.csv"):
            # level-6 rows; 999999 is UN Comtrade's "not specified according to kind", not an HS subheading
            if r["level"] == "6" and r["hscode"].isdigit() and r["hscode"] != "999999":
                hs.add(HS2022, code=r["hscode"], description=r["description"])
        hs.source("corpus/reference/hs_harmonized-system.csv (datasets/harmonized-system @ 905e5a0fa2, "
                  "HS 2022 via UN Comtrade, ODC-PDDL-1.0)")

    # -- China lists ----------------------------------------------------------------------------

    def _simple(self, name: str, file: str, cols: dict[str, str], valid_from: str = CN_2018) -> Out:
        """A China list copied with renamed columns (``cols``: output column → input column)."""
        rows = self.cl(file)
        table = self.put(Out(name, tuple(cols)))
        for r in rows:
            table.add(valid_from, **{out: r[src].strip() for out, src in cols.items()})
        table.source(*_sources(rows))
        return table

    def china(self) -> None:
        # units, packages, currencies, countries, trade and transport modes, ports, domestic ports and
        # districts: the official tables of the customs interface pack
        alpha3 = set(self.out["countries"].col("alpha3"))
        for name in official_tables(lambda n, c: self.put(Out(n, c, official=True)), self.pack, alpha3):
            self.out[name].official = True
        self._simple("cn_transaction_methods", "cn_transaction_methods.csv", {"code": "code", "name": "name"})
        self._simple("cn_levy_nature", "cn_levy_nature.csv",
                     {"code": "code", "name_zh": "short_name_zh", "description_zh": "description_zh"})
        for name, file in (("cn_manifest_function_codes", "cn_road_manifest_function_codes.csv"),
                           ("cn_manifest_change_reasons", "cn_road_manifest_change_reasons.csv"),
                           ("cn_manifest_response_codes", "cn_road_manifest_response_codes.csv")):
            self._simple(name, file, {"code": "code", "name_zh": "name_zh"}, DEFAULT_FROM)

        rows = self.cl("cn_customs_district_codes.csv")
        t = self.put(Out("cn_customs_offices", ("code", "name_zh", "district", "note")))
        for r in rows:
            if not re.fullmatch(r"\d{4}", r["code"]):  # 港珠澳大桥海关: code NOT FOUND, never invented
                continue
            t.add(CN_2018, code=r["code"], name_zh=r["name_zh"],
                  district="" if r["code"].endswith("00") else r["code"][:2] + "00", note=r["notes"])
        t.source(*_sources(rows))

        rows = self.cl("cn_road_manifest_message_types.csv")
        t = self.put(Out("cn_manifest_message_types", ("code", "name_zh", "name_en")))
        for r in rows:
            m = re.fullmatch(r"(.*?)\s*\((.*)\)", r["name"])
            zh, en = (m.group(1), m.group(2)) if m else (r["name"], "")
            if not zh:  # "(name not found in sources)"
                zh, en = "", ""
            t.add(code=r["message_type"], name_zh=zh, name_en=en)
        t.source(*_sources(rows))

        rows = self.cl("cn_currency_legacy_numeric_to_iso.csv")
        t = self.put(Out("cn_legacy_currency_numeric", ("code", "iso4217", "name_zh", "superseded_on")))
        for r in rows:
            t.add(code=r["legacy_numeric_code"], iso4217=r["iso4217"], name_zh=r["name_zh"], superseded_on=CN_2018)
        t.source(*_sources(rows))

        units = self.out["cn_units"].by("code")
        hs6 = set(self.out["hs2022_subheadings"].col("code"))
        t = self.put(Out("cn_tariff_lines", ("hs_cn", "description_zh", "unit_1", "unit_2", "element_count",
                                             "element_names")))
        for hs_cn, desc, u1, u2, elements in TARIFF_LINES:
            if not re.fullmatch(r"\d{10}", hs_cn) or hs_cn[:6] not in hs6:
                raise ValueError(f"tariff line {hs_cn}: not 10 digits or HS-6 not in HS 2022")
            if u1 not in units or (u2 and u2 not in units):
                raise ValueError(f"tariff line {hs_cn}: unknown legal unit {u1}/{u2}")
            t.add(hs_cn=hs_cn, description_zh=desc, unit_1=u1, unit_2=u2,
                  element_count=str(len(elements.split("|"))), element_names=elements)
        t.source(SEED_TARIFF)

    # -- aliases and crosswalks -----------------------------------------------------------------

    def aliases(self) -> None:
        units = self.put(Out("unit_aliases", ("alias", "rec20", "note")))
        for aliases, code, note in UNIT_ALIASES:
            for alias in aliases.split("|"):
                units.add(alias=alias, rec20=code, note=note)
        units.source(f"{CURATED}: units written by Kingdee/U8 (Chinese words), SAP (PC ST KG CAR PAA M) and HK "
                     "trading systems (PCS KG SET CTN PR), source-formats.md §A–D")
        packages = self.put(Out("package_aliases", ("alias", "rec21", "note")))
        for aliases, code, note in PACKAGE_ALIASES:
            for alias in aliases.split("|"):
                packages.add(alias=alias, rec21=code, note=note)
        packages.source(f"{CURATED}: package wording of 包装方式 / ROCARS item (b), source-formats.md §A and §F")

    def _xw(self, name: str, cols: tuple[str, ...], rows: Sequence[Sequence[str]], src: str, dst: str) -> Out:
        """A crosswalk whose rows are valid from the later of both ends' ``valid_from``."""
        table = self.put(Out(name, cols))
        src_rows, dst_rows = self.out[src].by(self.out[src].columns[0]), self.out[dst].by("code")
        for row in rows:
            values = dict(zip(cols, row, strict=True))
            a, b = src_rows.get(row[0]), dst_rows.get(row[1])
            if a is None or b is None:
                raise ValueError(f"{name}: {row[0]!r} not in {src} or {row[1]!r} not in {dst}")
            table.add(max(a["valid_from"], b["valid_from"]), **values)
        return table

    def crosswalks(self) -> None:
        cols = ("rec19", "cn_code", "status", "note")
        self._xw("xw_transport_mode_rec19_cn", cols, XW_TRANSPORT, "rec19_transport_modes", "cn_transport_modes") \
            .source(f"{CURATED}; codes from unece_rec19_transport_modes.csv and cn_transport_modes_declaration.csv")
        self._xw("xw_package_rec21_cn", ("rec21", "cn_code", "status", "note"), XW_PACKAGE,
                 "rec21_package_types", "cn_package_types") \
            .source(f"{CURATED} after ssdd-domain §7.4 (proposed, to be confirmed with a broker)")

        cn_units = self.out["cn_units"].by("code")
        for rec20, code, name_zh, _ in XW_UNIT:
            if cn_units.get(code, {}).get("name_zh") != name_zh:
                raise ValueError(f"xw_unit_rec20_cn: {rec20} → {code} should be {name_zh}, cn_units says "
                                 f"{cn_units.get(code, {}).get('name_zh')!r}")
        self._xw("xw_unit_rec20_cn", ("rec20", "cn_code", "status", "note"),
                 [(r, c, "proposed", f"{n}{'; ' + note if note else ''}") for r, c, n, note in XW_UNIT],
                 "rec20_units", "cn_units") \
            .source(f"{CURATED}; suggested_unece_rec20 of codelists/cn_legal_units.csv (proposed, not an official "
                    "correspondence); every China code checked against its name in cn_units")

        countries = self.cl("cn_countries_declaration.csv")
        self._xw("xw_country_iso_cn", ("alpha2", "cn_code", "status", "note"),
                 sorted((r["iso3166_alpha2"], r["code_alpha3"], "verified", "China code = ISO alpha-3")
                        for r in countries if r["iso3166_alpha2"]),
                 "countries", "cn_countries") \
            .source("codelists/cn_countries_declaration.csv, column iso3166_alpha2 (added with pycountry)")

        cps = self.cl("control_points.csv")
        t = self.put(Out("xw_control_point_cn", ("immd_code", "cn_customs_office", "cn_port_code", "status", "note")))
        offices, points = self.out["cn_customs_offices"].by("code"), self.out["control_points"].by("immd_code")
        domestic = {r["name_zh"]: r["code"] for r in self.out["cn_domestic_ports"].rows}
        for r in cps:
            office, port = r["mainland_customs_code"], domestic_port_of(r["mainland_port_zh"], domestic)
            if r["mainland_port_code_6digit"] and r["mainland_port_code_6digit"] != port:
                raise ValueError(f"control point {r['immd_code']}: port {r['mainland_port_code_6digit']} is not "
                                 f"{r['mainland_port_zh']} in the official domestic port table")
            if office and office not in offices:
                raise ValueError(f"control point {r['immd_code']}: office {office} not in cn_customs_offices")
            found = "not_found" if not office else "verified"
            note = r["verification"] + ("; trips through this point are held for the Mainland filing" if not office
                                        else "")
            if port and not r["mainland_port_code_6digit"]:
                note += f"; port {port} from the official domestic port table"
            vf = max(points[r["immd_code"]]["valid_from"], offices[office]["valid_from"] if office else "")
            t.add(vf, immd_code=r["immd_code"], cn_customs_office=office, cn_port_code=port, status=found, note=note)
        t.source(*_sources(cps), "cn_port_code: the official domestic port table (国内口岸代码) by the Mainland "
                 "port's name; none for 莲塘 and 港珠澳大桥 (not in the 2018 list)")

        t = self.put(Out("xw_function_code_cn", ("function_code", "cn_code", "change_reason", "status", "note")))
        cn010 = self.out["cn_manifest_function_codes"].by("code")
        for ours, code, reason, status, note in XW_FUNCTION:
            if code not in cn010:
                raise ValueError(f"xw_function_code_cn: {code} not in cn_manifest_function_codes")
            t.add(function_code=ours, cn_code=code, change_reason=reason, status=status, note=note)
        t.source(f"{CURATED}; evidence: ryanrong95/HXT Models/Manifest/Messages/ManifestExtend.cs (FunctionCode 9), "
                 "ManifestDeleteExtend.cs (FunctionCode 3 + CC001 999); Zzaniu/loop_server manifest/MT1401.xml")

        t = self.put(Out("xw_change_reason_cn", ("reason", "cn_code", "status", "note")))
        cc001 = self.out["cn_manifest_change_reasons"].by("code")
        for reason, code, status, note in XW_CHANGE_REASON:
            if code not in cc001:
                raise ValueError(f"xw_change_reason_cn: {code} not in cn_manifest_change_reasons")
            t.add(reason=reason, cn_code=code, status=status, note=note)
        t.source(f"{CURATED}; codes from codelists/cn_road_manifest_change_reasons.csv (CC001)")

    # -- checks ---------------------------------------------------------------------------------

    def check(self) -> None:
        for table in self.out.values():
            first = table.columns[0]
            keys = [(r[first], r["valid_from"]) for r in table.rows]
            if len(keys) != len(set(keys)) and not table.name.endswith("aliases"):
                raise ValueError(f"{table.name}: duplicate {first}")
        self._check_alias_table("unit_aliases", "rec20", "rec20_units")
        self._check_alias_table("package_aliases", "rec21", "rec21_package_types")
        for name, code_col in (("countries", "alpha2"), ("currencies", "code"), ("control_points", "immd_code"),
                               ("rec19_transport_modes", "code")):
            self._check_alias_column(name, code_col, "names" if name == "control_points" else "aliases")

    def _check_alias_table(self, name: str, col: str, target: str) -> None:
        """Targets exist; one alias, one code; an alias shadows a code only when its note says so."""
        codes = {normalise_key(c): c for c in self.out[target].col("code")}
        seen: dict[str, str] = {}
        for r in self.out[name].rows:
            key, code = normalise_key(r["alias"]), r[col]
            if code not in codes.values():
                raise ValueError(f"{name}: {r['alias']} → {code}, not in {target}")
            if seen.setdefault(key, code) != code:
                raise ValueError(f"{name}: {r['alias']!r} maps to both {seen[key]} and {code}")
            if key in codes and codes[key] != code and not r["note"].startswith("overrides"):
                raise ValueError(f"{name}: alias {r['alias']!r} shadows code {codes[key]}")

    def _check_alias_column(self, name: str, code_col: str, alias_col: str) -> None:
        """No alias names two rows, and none equals another row's code."""
        codes = {normalise_key(c) for c in self.out[name].col(code_col)}
        seen: dict[str, str] = {}
        for r in self.out[name].rows:
            own = r[code_col]
            for alias in filter(None, r[alias_col].split("|")):
                key = normalise_key(alias)
                if seen.setdefault(key, own) != own or (key in codes and key != normalise_key(own)):
                    raise ValueError(f"{name}: alias {alias!r} is ambiguous ({seen[key]} / {own})")


# ------------------------------------------------------------------------------------------------
# README
# ------------------------------------------------------------------------------------------------

# name → (what it is, columns, provenance in short, confidence)
_UNVERIFIED_CN = "third-party public code (ryanrong95/HXT DeclarationBase.cs), not a GACC download"
TABLE_DOCS: Final[dict[str, tuple[str, str, str, str]]] = {
    "control_points": (
        "The six HK road land-boundary control points (our canonical control-point ids) and their Mainland ports.",
        "immd_code (ImmD 3-letter code), hk_name_en, hk_name_zh (Traditional), mainland_port_zh, mainland_port_en, "
        "names (every accepted spelling, `|`-separated: English, Traditional and Simplified, both sides)",
        "ImmD LBCP queue-time feed codes; ImmD 60th-anniversary report p.77 (pairings); names curated after "
        "source-formats.md §F. National codes are in xw_control_point_cn.",
        "high (ImmD codes verified)"),
    "countries": (
        "ISO 3166-1 countries: the canonical country code is alpha2.",
        "alpha2, alpha3, numeric, name_en (ISO short name), name_zh (UNSD Chinese name), aliases (`|`: short "
        "names traders write, Chinese customs names, pycountry common/official names)",
        "pycountry 26.2.16 database; UNSD M49 Chinese names; aliases curated", "high (codes, names); aliases curated"),
    "currencies": (
        "ISO 4217 active currencies: the canonical currency code.",
        "code, numeric, name_en, name_zh (Chinese customs name, where the customs list has the currency), "
        "aliases (`|`), minor_units (empty when not applicable)",
        "pycountry 26.2.16 database; minor units from datasets/currency-codes (SIX); aliases curated",
        "high; aliases curated"),
    "rec19_transport_modes": (
        "UN/ECE Rec 19 modes of transport (road = 3): the trip's `mode`, and the words a trip plan's "
        "transport_mode column may hold.",
        "code, name, aliases (`|`: English, Simplified and Traditional words for the mode)",
        "OASIS UBL 2.3 genericode TransportModeCode-2.3; aliases curated (Chinese names after CN012)",
        "high (codes, names); aliases curated"),
    "rec20_units": (
        "UN/ECE Rec 20 units used by the canonical record: a subset of units (kind=unit) plus every Rec 21 "
        "package code in its Rec 20 form, X + code (kind=package), so a carton count can be a quantity (XCT).",
        "code, name, kind (unit | package)", "npm un-ece-recommendation@0.1.1 (lists 20/3 and 21/3)",
        "high (the unit list is a subset: extend it from Rec 20 when a trader needs more)"),
    "rec21_package_types": ("UN/ECE Rec 21 package types (also China manifest list CN005).",
                            "code, rec20_code (X-form), name, description",
                            "npm un-ece-recommendation@0.1.1 (list 21/3)", "high"),
    "hs2022_subheadings": (
        "Every 6-digit HS 2022 subheading (UN Comtrade's 999999 'not specified' is left out).",
        "code (6 digits), description", "datasets/harmonized-system (UN Comtrade HS 2022)", "high"),
    "unit_aliases": (
        "Unit words traders write → Rec 20 code. Count words (个 件 台 …) all map to H87; the trader's word stays "
        "in quantity_unit_raw and maps to its own China unit through cn_units.",
        "alias, rec20, note", "curated (Kingdee/U8 Chinese units, SAP units, HK trading-house units)",
        "medium: trade conventions, reviewed by hand"),
    "package_aliases": ("Package words traders write → Rec 21 code.", "alias, rec21, note",
                        "curated (包装方式 wording, ROCARS item b)", "medium: trade conventions"),
    "cn_customs_offices": (
        "China 关区 / customs office codes (4 digits), Shenzhen and Gongbei focus. 港珠澳大桥海关 has no row: its "
        "code was not found publicly and is never invented.",
        "code, name_zh, district (the directly-administered district, code[:2] + 00; empty for a district), note",
        "several independent public GitHub files (see manifest.json)", "medium-high"),
    "cn_transaction_methods": ("China 成交方式 (1 CIF, 3 FOB, 7 EXW …).", "code, name", _UNVERIFIED_CN, "medium"),
    "cn_levy_nature": ("China 征免性质 (101 = 一般征税).", "code, name_zh, description_zh", _UNVERIFIED_CN, "medium"),
    "cn_manifest_function_codes": ("China road manifest function codes (CN010).", "code, name_zh",
                                   "SuperPassParaProxyTest.java comments; ryanrong95/HXT enum CN010", "high"),
    "cn_manifest_change_reasons": ("China road manifest change reasons (CC001).", "code, name_zh",
                                   "SuperPassParaProxyTest.java comments; ryanrong95/HXT enum CC001", "high"),
    "cn_manifest_message_types": ("China road manifest message types (CC002, MT1401 …). Types whose meaning was "
                                  "not found have empty names.", "code, name_zh, name_en",
                                  "ryanrong95/HXT enum CC002; SuperPassParaProxyTest.java", "high for MT1401/2401/"
                                  "3402/44xx/54xx"),
    "cn_manifest_response_codes": ("China manifest response / status codes (01 accepted, 03 rejected, 11 released …).",
                                   "code, name_zh", "SuperPassParaProxyTest.java comments",
                                   "medium (single-window client status codes)"),
    "cn_legacy_currency_numeric": (
        "Pre-2018 numeric China currency codes → ISO 4217, only for reading old files. Rows stay open: the "
        "translation stays true; the codes themselves were used on declarations until superseded_on.",
        "code (legacy numeric), iso4217, name_zh, superseded_on",
        "ryanrong95/HXT frmHistoryImport.cs; a public dict_currencies SQL dump", "high"),
    "cn_tariff_lines": (
        "China 10-digit tariff lines used by the product's sample data, with legal units and 申报要素 names. "
        "**Illustrative seed rows, not from GACC; replace with the official tariff before production.** The real "
        "element lists also end with GTIN|CAS|其他 on many lines.",
        "hs_cn (10 digits), description_zh, unit_1 (法定第一单位), unit_2 (法定第二单位 or empty), element_count, "
        "element_names (`|`, in tariff order)", SEED_TARIFF, "low: illustrative"),
    "xw_transport_mode_rec19_cn": ("Rec 19 → China declaration 运输方式. 0, 6 and 9 have no China equivalent.",
                                   "rec19, cn_code, status, note", "curated", "road 3 → 4 verified; others proposed"),
    "xw_package_rec21_cn": (
        "Rec 21 → China 包装种类. Only listed codes map; an unlisted code has no mapping (the Mainland writer holds "
        "the consignment), 99 其他包装 is used only where a row says so.",
        "rec21, cn_code, status, note", "curated after ssdd-domain §7.4", "proposed: confirm with a broker"),
    "xw_country_iso_cn": ("ISO alpha-2 → China 3-letter country code.", "alpha2, cn_code, status, note",
                          "cn_countries_declaration.csv iso3166_alpha2 column", "high"),
    "xw_unit_rec20_cn": ("Rec 20 → China unit; each China code was checked against its name in cn_units.",
                         "rec20, cn_code, status, note (China name first)",
                         "curated; cn_legal_units.csv suggested_unece_rec20", "proposed"),
    "xw_control_point_cn": (
        "Control point → Mainland customs office (4 digits, DeclarationOfficeID / IEPort) and port code (6 digits, "
        "口岸代码). HZM has neither (not found publicly): the product holds such trips for the Mainland filing. "
        "SBC and HYW have an office but no port code.",
        "immd_code, cn_customs_office, cn_port_code, status (verified | not_found), note",
        "control_points.csv (ryanrong95/HXT ExcelDeclareDocument.cs; LeaderrunTeam/docs-app)",
        "offices high; port codes from one source"),
    "xw_function_code_cn": (
        "Our function code (9 original, 5 replace, 1 cancel) → China manifest CN010, with the change reason an "
        "amendment or cancellation carries by default.",
        "function_code, cn_code, change_reason (an id of xw_change_reason_cn), status, note",
        "curated; public integrations (ryanrong95/HXT, Zzaniu/loop_server)", "9 → 9 and 1 → 3 seen in public code"),
    "xw_change_reason_cn": ("Our change-reason ids → China CC001 change reason.", "reason, cn_code, status, note",
                            "curated", "proposed"),
}
TABLE_DOCS.update(DEC_TABLE_DOCS)


TABLE_DOCS.update(OFFICIAL_DOCS)


def render_readme(manifest: dict[str, dict[str, object]]) -> str:
    lines = [
        "# Reference data (generated — do not edit by hand)",
        "",
        "The product's own versioned code lists, aliases and crosswalks. At run time the product reads only this",
        "folder (`transforms.model.reference.Reference`); it never reads `../shared`. Rebuild from the research "
        "snapshot",
        "with:",
        "",
        "```",
        "python -m transforms.devtools.reference_build --shared ../shared --out data/reference",
        "```",
        "",
        "A test rebuilds into a temporary folder and compares every file byte for byte, so an edit here without a",
        "matching edit of `transforms/devtools/reference_build.py` fails the suite. Curated rows (aliases, crosswalk",
        "decisions, the illustrative tariff lines) are declared in that script, each with its reason.",
        "",
        "## Conventions",
        "",
        "- UTF-8 CSV with a header; every value is text (codes keep leading zeros).",
        "- `valid_from` (ISO date): the date the source list took effect where known — 2022-01-01 for HS 2022,",
        "  2018-08-01 for the post-reform China declaration lists, a row's own date where the source gives one",
        "  (HYW cargo since 2020-08-26) — else 2024-01-01, meaning \"vouched for since the start of the SSDD era\",",
        "  not \"created then\". A crosswalk row is valid from the later of its two ends.",
        "- `valid_to` (ISO date, exclusive) empty = still valid. A row is valid on day D when",
        "  `valid_from <= D < valid_to`. A new edition closes old rows and adds new ones; nothing is deleted.",
        "- National codes (China units, packages, countries, customs offices) live only in `cn_*` tables and are",
        "  reached only through the `xw_*` crosswalks; inside the product codes are international.",
        "- Crosswalk `status`: `verified` = the pair is stated by a cited source; `proposed` = our judgement, to",
        "  be confirmed with a customs broker; `not_found` = no code exists publicly (the target is empty).",
        "  A crosswalk with no row (or an empty target) for a code means \"no mapping\": the writer must hold,",
        "  not guess.",
        "- Alias lookups (`Reference.lookup_alias`, `alias_map`) normalise with NFKC, casefold, trimmed and",
        "  collapsed whitespace; curated aliases win over codes, codes over names.",
        "- `manifest.json`: table → version (newest `valid_from`), rows, sha256 of the CSV, sources (the long",
        "  provenance texts of the input lists).",
        "",
        "## Tables",
        "",
        "| table | rows | version | confidence |",
        "|---|---:|---|---|",
    ]
    for name, entry in manifest.items():
        lines.append(f"| `{name}.csv` | {entry['rows']} | {entry['version']} | {TABLE_DOCS[name][3]} |")
    for name, entry in manifest.items():
        what, columns, provenance, confidence = TABLE_DOCS[name]
        lines += ["", f"### `{name}.csv`", "", what, "", f"- Columns: {columns}, valid_from, valid_to.",
                  f"- Source: {provenance}.", f"- Confidence: {confidence}.", f"- Rows: {entry['rows']}."]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------


def write(tables: dict[str, Out], out: Path) -> dict[str, dict[str, object]]:
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, object]] = {}
    for name in sorted(tables):
        table = tables[name]
        path = out / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow([*table.columns, "valid_from", "valid_to"])
            for row in table.rows:
                writer.writerow([row[c] for c in (*table.columns, "valid_from", "valid_to")])
        manifest[name] = {
            "version": max((r["valid_from"] for r in table.rows), default=DEFAULT_FROM),
            "rows": len(table.rows),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "sources": table.sources,
            **({"official": True} if table.official else {}),
        }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "README.md").write_text(render_readme(manifest), encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared research folder")
    parser.add_argument("--out", type=Path, default=REPO / "data" / "reference", help="output folder")
    args = parser.parse_args(argv)
    manifest = write(Builder(args.shared).build(), args.out)
    for name, entry in manifest.items():
        print(f"{name:32} {entry['rows']:>6} rows  version {entry['version']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
