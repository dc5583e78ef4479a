"""Curated crosswalks from the product's international codes to the Mainland's national ones, and the
tables built from them (``xw_*``, apart from the declaration's in :mod:`reference_build_dec` and
:mod:`reference_official`).

Each decision is declared as data with its status (``verified`` when a cited source states the pair,
``proposed`` when it is our judgement) and note; the build checks both ends of every row against
their code lists and fails rather than write a dangling code. ``manifest.json`` cites this file
(:data:`CURATED`) as the source of every decision declared here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from transforms.devtools.reference_official import domestic_port_of
from transforms.devtools.reference_table import Out, Tables, row_sources

CURATED: Final = "curated in transforms/devtools/reference_crosswalks.py"

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


def crosswalks(tables: Tables) -> None:
    """Every ``xw_*`` table of this module; the code lists at both ends must be built already."""
    _code_crosswalks(tables)
    _control_point_crosswalk(tables)
    _manifest_crosswalks(tables)


def _xw(tables: Tables, name: str, cols: tuple[str, ...], rows: Sequence[Sequence[str]], src: str,
        dst: str) -> Out:
    """A crosswalk whose rows are valid from the later of both ends' ``valid_from``."""
    table = tables.make(name, cols)
    src_rows, dst_rows = tables.out[src].by(tables.out[src].columns[0]), tables.out[dst].by("code")
    for row in rows:
        values = dict(zip(cols, row, strict=True))
        a, b = src_rows.get(row[0]), dst_rows.get(row[1])
        if a is None or b is None:
            raise ValueError(f"{name}: {row[0]!r} not in {src} or {row[1]!r} not in {dst}")
        table.add(max(a["valid_from"], b["valid_from"]), **values)
    return table


def _code_crosswalks(tables: Tables) -> None:
    """Transport modes, package types, units and countries: code list to code list."""
    transport = _xw(tables, "xw_transport_mode_rec19_cn", ("rec19", "cn_code", "status", "note"), XW_TRANSPORT,
                    "rec19_transport_modes", "cn_transport_modes")
    transport.source(f"{CURATED}; codes from unece_rec19_transport_modes.csv and cn_transport_modes_declaration.csv")
    package = _xw(tables, "xw_package_rec21_cn", ("rec21", "cn_code", "status", "note"), XW_PACKAGE,
                  "rec21_package_types", "cn_package_types")
    package.source(f"{CURATED} after ssdd-domain §7.4 (proposed, to be confirmed with a broker)")

    cn_units = tables.out["cn_units"].by("code")
    for rec20, code, name_zh, _ in XW_UNIT:
        if cn_units.get(code, {}).get("name_zh") != name_zh:
            raise ValueError(f"xw_unit_rec20_cn: {rec20} → {code} should be {name_zh}, cn_units says "
                             f"{cn_units.get(code, {}).get('name_zh')!r}")
    unit = _xw(tables, "xw_unit_rec20_cn", ("rec20", "cn_code", "status", "note"),
               [(r, c, "proposed", f"{n}{'; ' + note if note else ''}") for r, c, n, note in XW_UNIT],
               "rec20_units", "cn_units")
    unit.source(f"{CURATED}; suggested_unece_rec20 of codelists/cn_legal_units.csv (proposed, not an official "
                "correspondence); every China code checked against its name in cn_units")

    countries = tables.cl("cn_countries_declaration.csv")
    country = _xw(tables, "xw_country_iso_cn", ("alpha2", "cn_code", "status", "note"),
                  sorted((r["iso3166_alpha2"], r["code_alpha3"], "verified", "China code = ISO alpha-3")
                         for r in countries if r["iso3166_alpha2"]),
                  "countries", "cn_countries")
    country.source("codelists/cn_countries_declaration.csv, column iso3166_alpha2 (added with pycountry)")


def _control_point_crosswalk(tables: Tables) -> None:
    """Control point → Mainland customs office and port code, each checked against the official lists."""
    cps = tables.cl("control_points.csv")
    t = tables.make("xw_control_point_cn", ("immd_code", "cn_customs_office", "cn_port_code", "status", "note"))
    offices, points = tables.out["cn_customs_offices"].by("code"), tables.out["control_points"].by("immd_code")
    domestic = {r["name_zh"]: r["code"] for r in tables.out["cn_domestic_ports"].rows}
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
    t.source(*row_sources(cps), "cn_port_code: the official domestic port table (国内口岸代码) by the Mainland "
             "port's name; none for 莲塘 and 港珠澳大桥 (not in the 2018 list)")


def _manifest_crosswalks(tables: Tables) -> None:
    """Our function codes and change reasons → the China road manifest's CN010 and CC001."""
    t = tables.make("xw_function_code_cn", ("function_code", "cn_code", "change_reason", "status", "note"))
    cn010 = tables.out["cn_manifest_function_codes"].by("code")
    for ours, code, reason, status, note in XW_FUNCTION:
        if code not in cn010:
            raise ValueError(f"xw_function_code_cn: {code} not in cn_manifest_function_codes")
        t.add(function_code=ours, cn_code=code, change_reason=reason, status=status, note=note)
    t.source(f"{CURATED}; evidence: ryanrong95/HXT Models/Manifest/Messages/ManifestExtend.cs (FunctionCode 9), "
             "ManifestDeleteExtend.cs (FunctionCode 3 + CC001 999); Zzaniu/loop_server manifest/MT1401.xml")

    t = tables.make("xw_change_reason_cn", ("reason", "cn_code", "status", "note"))
    cc001 = tables.out["cn_manifest_change_reasons"].by("code")
    for reason, code, status, note in XW_CHANGE_REASON:
        if code not in cc001:
            raise ValueError(f"xw_change_reason_cn: {code} not in cn_manifest_change_reasons")
        t.add(reason=reason, cn_code=code, status=status, note=note)
    t.source(f"{CURATED}; codes from codelists/cn_road_manifest_change_reasons.csv (CC001)")
