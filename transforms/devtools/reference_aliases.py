"""Curated aliases: the spellings traders write for control points, countries, currencies, units and
packages, and the ``unit_aliases`` / ``package_aliases`` tables built from them.

The control-point, country and currency spellings fill the ``names`` / ``aliases`` columns of those
code lists (:mod:`transforms.devtools.reference_lists`); :func:`check_aliases` fails the build when an
alias points at a missing code or could be read two ways. ``manifest.json`` cites this file
(:data:`CURATED`) as the source of every alias declared here.
"""

from __future__ import annotations

from typing import Final

from transforms.devtools.reference_table import Tables
from transforms.model.reference import normalise_key

CURATED: Final = "curated in transforms/devtools/reference_aliases.py"

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


def alias_tables(tables: Tables) -> None:
    """``unit_aliases`` and ``package_aliases``: one row per alias, each with its reason."""
    units = tables.make("unit_aliases", ("alias", "rec20", "note"))
    for aliases, code, note in UNIT_ALIASES:
        for alias in aliases.split("|"):
            units.add(alias=alias, rec20=code, note=note)
    units.source(f"{CURATED}: units written by Kingdee/U8 (Chinese words), SAP (PC ST KG CAR PAA M) and HK "
                 "trading systems (PCS KG SET CTN PR), source-formats.md §A–D")
    packages = tables.make("package_aliases", ("alias", "rec21", "note"))
    for aliases, code, note in PACKAGE_ALIASES:
        for alias in aliases.split("|"):
            packages.add(alias=alias, rec21=code, note=note)
    packages.source(f"{CURATED}: package wording of 包装方式 / ROCARS item (b), source-formats.md §A and §F")


def check_aliases(tables: Tables) -> None:
    """Every alias table and alias column can be read one way only."""
    _check_alias_table(tables, "unit_aliases", "rec20", "rec20_units")
    _check_alias_table(tables, "package_aliases", "rec21", "rec21_package_types")
    for name, code_col in (("countries", "alpha2"), ("currencies", "code"), ("control_points", "immd_code"),
                           ("rec19_transport_modes", "code")):
        _check_alias_column(tables, name, code_col, "names" if name == "control_points" else "aliases")


def _check_alias_table(tables: Tables, name: str, col: str, target: str) -> None:
    """Targets exist; one alias, one code; an alias shadows a code only when its note says so."""
    codes = {normalise_key(c): c for c in tables.out[target].col("code")}
    seen: dict[str, str] = {}
    for r in tables.out[name].rows:
        key, code = normalise_key(r["alias"]), r[col]
        if code not in codes.values():
            raise ValueError(f"{name}: {r['alias']} → {code}, not in {target}")
        if seen.setdefault(key, code) != code:
            raise ValueError(f"{name}: {r['alias']!r} maps to both {seen[key]} and {code}")
        if key in codes and codes[key] != code and not r["note"].startswith("overrides"):
            raise ValueError(f"{name}: alias {r['alias']!r} shadows code {codes[key]}")


def _check_alias_column(tables: Tables, name: str, code_col: str, alias_col: str) -> None:
    """No alias names two rows, and none equals another row's code."""
    codes = {normalise_key(c) for c in tables.out[name].col(code_col)}
    seen: dict[str, str] = {}
    for r in tables.out[name].rows:
        own = r[code_col]
        for alias in filter(None, r[alias_col].split("|")):
            key = normalise_key(alias)
            if seen.setdefault(key, own) != own or (key in codes and key != normalise_key(own)):
                raise ValueError(f"{name}: alias {alias!r} is ambiguous ({seen[key]} / {own})")
