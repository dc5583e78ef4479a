"""Writing ``data/reference``: one UTF-8 CSV per table, ``manifest.json`` (version, rows, sha256,
sources) and the ``README.md`` rendered from :data:`TABLE_DOCS`, so the folder documents itself.

Every output is deterministic (sorted tables, fixed line ends, no clock): a test rebuilds the folder
and compares it byte for byte with the committed one.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Final

from transforms.devtools.reference_build_dec import DEC_TABLE_DOCS
from transforms.devtools.reference_lists import SEED_TARIFF
from transforms.devtools.reference_official import DOCS as OFFICIAL_DOCS
from transforms.devtools.reference_table import DEFAULT_FROM, Out

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
    """The folder's README: how to rebuild it, its conventions, and one section per table of ``manifest``."""
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
        "matching edit of the build (`transforms/devtools/reference_build.py` and its `reference_*` modules) fails",
        "the suite. Curated rows are declared there as data, each with its reason: aliases in `reference_aliases.py`,",
        "crosswalk decisions in `reference_crosswalks.py` (the declaration's in `reference_build_dec.py` and",
        "`reference_official.py`), the illustrative tariff lines in `reference_lists.py`.",
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


def write(tables: dict[str, Out], out: Path) -> dict[str, dict[str, object]]:
    """Write every table, then the manifest and README describing them; returns the manifest."""
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

