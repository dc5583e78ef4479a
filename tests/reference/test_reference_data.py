"""The committed reference tables: cited pairs, alias lookups, referential integrity."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import pandas as pd
import pycountry
import pytest

from transforms.model.reference import DEFAULT_ROOT, Reference

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# crosswalk → (table its source codes live in, table its target codes live in); None = our own ids
XW_ENDS = {
    "xw_transport_mode_rec19_cn": ("rec19_transport_modes", "cn_transport_modes"),
    "xw_package_rec21_cn": ("rec21_package_types", "cn_package_types"),
    "xw_country_iso_cn": ("countries", "cn_countries"),
    "xw_unit_rec20_cn": ("rec20_units", "cn_units"),
    "xw_control_point_cn": ("control_points", "cn_customs_offices"),
    "xw_function_code_cn": (None, "cn_manifest_function_codes"),
    "xw_change_reason_cn": (None, "cn_manifest_change_reasons"),
    "xw_levy_nature_duty_mode_cn": ("cn_levy_nature", "cn_duty_modes"),
    "xw_brand_type_cn": (None, "cn_brand_types"),
    "xw_export_preference_cn": (None, "cn_export_preferences"),
}


@pytest.fixture(scope="module")
def ref() -> Reference:
    return Reference.load()


def test_cited_pairs(ref: Reference) -> None:
    assert ref.crosswalk("xw_control_point_cn")["LMC"] == "5301"
    assert ref.crosswalk("xw_control_point_cn", target="cn_port_code")["LMC"] == "470201"
    assert ref.crosswalk("xw_package_rec21_cn")["CT"] == "22"
    assert ref.crosswalk("xw_unit_rec20_cn")["KGM"] == "035"
    assert ref.crosswalk("xw_country_iso_cn")["HK"] == "HKG"
    assert ref.crosswalk("xw_transport_mode_rec19_cn")["3"] == "4"
    assert ref.crosswalk("xw_function_code_cn") == {"9": "9", "5": "5", "1": "3"}
    assert ref.crosswalk("xw_change_reason_cn")["AMEND_DATA"] == "004"


def test_control_point_offices_and_ports(ref: Reference) -> None:
    offices = ref.crosswalk("xw_control_point_cn")
    ports = ref.crosswalk("xw_control_point_cn", target="cn_port_code")
    assert offices == {"LMC": "5301", "MKT": "5320", "STK": "5303", "SBC": "5345", "HYW": "5354"}
    assert "HZM" not in offices and "HZM" not in ports  # not found publicly: never invented
    # 深圳湾 is in the official 2018 domestic port table; 莲塘 (HYW, opened 2020) is not
    assert ports["SBC"] == "471401" and "HYW" not in ports
    row = ref.table("xw_control_point_cn").set_index("immd_code").loc["HZM"]
    assert (row["cn_customs_office"], row["cn_port_code"], row["status"]) == ("", "", "not_found")
    assert ref.codes("control_points") == {"LMC", "MKT", "STK", "SBC", "HYW", "HZM"}
    assert {"5301", "5320", "5303", "5345", "5354", "5700"} <= ref.codes("cn_customs_offices")
    assert all(re.fullmatch(r"\d{4}", c) for c in ref.codes("cn_customs_offices"))


@pytest.mark.parametrize(
    ("kind", "text", "code"),
    [
        ("currency", "人民币", "CNY"), ("currency", "港幣", "HKD"), ("currency", "美金", "USD"),
        ("currency", " usd ", "USD"), ("currency", "日元", "JPY"), ("currency", "歐元", "EUR"),
        ("country", "中国", "CN"), ("country", "越南", "VN"), ("country", "日本", "JP"),
        ("country", "中國香港", "HK"), ("country", "ＨＫ", "HK"), ("country", "台灣", "TW"),
        ("country", "韓國", "KR"), ("country", "NA", "NA"), ("country", "Viet Nam", "VN"),
        ("country", "刚果(金)", "CD"), ("country", "刚果（金）", "CD"),
        ("unit", "千克", "KGM"), ("unit", "个", "H87"), ("unit", "PCS", "H87"), ("unit", "ST", "H87"),
        ("unit", "EA", "H87"), ("unit", "kg", "KGM"), ("unit", "ＫＧ", "KGM"), ("unit", "PAA", "PR"),
        ("unit", "双", "PR"), ("unit", "CTN", "XCT"), ("unit", "SET", "SET"), ("unit", "套", "SET"),
        ("unit", "m", "MTR"), ("unit", "G", "GRM"), ("unit", "LB", "LBR"), ("unit", "C62", "C62"),
        ("package", "纸箱", "CT"), ("package", "托盘", "PX"), ("package", "编织袋", "BG"),
        ("package", "木箱", "7B"), ("package", "carton", "CT"), ("package", "XCT", "CT"),
        ("control_point", "落馬洲", "LMC"), ("control_point", "皇岗", "LMC"), ("control_point", "香園圍", "HYW"),
        ("control_point", "莲塘", "HYW"), ("control_point", "港珠澳大桥", "HZM"),
        ("control_point", "港珠澳大橋", "HZM"),
        ("control_point", "文锦渡", "MKT"), ("control_point", "沙頭角", "STK"), ("control_point", "深圳湾", "SBC"),
        ("control_point", "Lok  Ma  Chau", "LMC"), ("control_point", "lmc", "LMC"),
        ("transport_mode", "3", "3"), ("transport_mode", "Road", "3"), ("transport_mode", "公路运输", "3"),
        ("transport_mode", "汽車運輸", "3"), ("transport_mode", "Road transport", "3"), ("transport_mode", "海运", "1"),
        ("transport_mode", "inland  water", "8"),
    ],
)
def test_lookup_alias(ref: Reference, kind: str, text: str, code: str) -> None:
    assert ref.lookup_alias(kind, text) == code  # type: ignore[arg-type]


def test_lookup_alias_unknown(ref: Reference) -> None:
    assert ref.lookup_alias("country", "Atlantis") is None
    assert ref.lookup_alias("unit", "") is None
    assert ref.lookup_alias("transport_mode", "水路") is None   # sea or river: never guessed
    with pytest.raises(ValueError, match="unknown alias kind"):
        ref.alias_map("colour")  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "table"), [("country", "countries"), ("currency", "currencies"),
                                             ("unit", "rec20_units"), ("package", "rec21_package_types"),
                                             ("control_point", "control_points"),
                                             ("transport_mode", "rec19_transport_modes")])
def test_alias_maps_point_at_real_codes(ref: Reference, kind: str, table: str) -> None:
    assert set(ref.alias_map(kind).values()) <= ref.codes(table)  # type: ignore[arg-type]


@pytest.mark.parametrize("xw", sorted(XW_ENDS))
def test_crosswalk_codes_exist(ref: Reference, xw: str) -> None:
    source, target = XW_ENDS[xw]
    frame = ref.table(xw)
    assert not frame.empty
    targets = set(frame.iloc[:, 1]) - {""}
    assert targets <= ref.codes(target), targets - ref.codes(target)
    if source is not None:
        assert set(frame.iloc[:, 0]) <= ref.codes(source)
    assert set(frame["status"]) <= {"verified", "proposed", "not_found"}


def test_unit_crosswalk_names_match_china_units(ref: Reference) -> None:
    names = dict(zip(ref.table("cn_units")["code"], ref.table("cn_units")["name_zh"], strict=True))
    for note, code in zip(ref.table("xw_unit_rec20_cn")["note"], ref.table("xw_unit_rec20_cn")["cn_code"],
                          strict=True):
        assert note.split(";")[0] == names[code]
    assert ref.crosswalk("xw_unit_rec20_cn")["H87"] == "007"


def test_alias_tables_point_into_their_lists(ref: Reference) -> None:
    assert set(ref.table("unit_aliases")["rec20"]) <= ref.codes("rec20_units")
    assert set(ref.table("package_aliases")["rec21"]) <= ref.codes("rec21_package_types")


def test_tariff_lines(ref: Reference) -> None:
    lines = ref.table("cn_tariff_lines")
    hs6 = ref.codes("hs2022_subheadings", on=date(2024, 1, 1))
    units = ref.codes("cn_units")
    assert len(lines) >= 15
    assert {code[:2] for code in lines["hs_cn"]} >= {"03", "08", "39", "61", "64", "84", "85", "94", "95"}
    for row in lines.itertuples():
        assert re.fullmatch(r"\d{10}", row.hs_cn)
        assert row.hs_cn[:6] in hs6, row.hs_cn
        assert row.unit_1 in units and (row.unit_2 == "" or row.unit_2 in units)
        assert int(row.element_count) == len(row.element_names.split("|"))
    machines = lines.set_index("hs_cn")
    assert (machines.loc["8471300000", "unit_1"], machines.loc["8471300000", "unit_2"]) == ("001", "035")


def test_hs2022(ref: Reference) -> None:
    hs = ref.table("hs2022_subheadings")
    assert len(hs) > 5000 and hs["code"].str.fullmatch(r"\d{6}").all()
    assert set(hs["valid_from"]) == {"2022-01-01"}
    assert "851713" in ref.codes("hs2022_subheadings")  # smartphones, new in HS 2022
    assert "999999" not in ref.codes("hs2022_subheadings")


def test_every_table_is_versioned_and_matches_manifest(ref: Reference) -> None:
    files = {p.stem for p in DEFAULT_ROOT.glob("*.csv")}
    assert files == set(ref.versions)
    readme = (DEFAULT_ROOT / "README.md").read_text(encoding="utf-8")
    for name, entry in ref.manifest.items():
        path = DEFAULT_ROOT / f"{name}.csv"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], name
        raw = ref.table(name, on=None)
        everything = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert entry["rows"] == len(everything)
        assert everything["valid_from"].str.fullmatch(ISO_DATE).all(), name
        assert ((everything["valid_to"] == "") | (everything["valid_to"] > everything["valid_from"])).all()
        assert entry["version"] == everything["valid_from"].max()
        assert not raw.empty, name
        assert f"`{name}.csv`" in readme
    assert "illustrative seed rows, not from GACC; replace with the official tariff before production" in readme


def test_countries_and_currencies(ref: Reference) -> None:
    countries = ref.table("countries").set_index("alpha2")
    assert len(countries) == 249
    assert countries.loc["CN", "name_zh"] == "中国" and countries.loc["HK", "alpha3"] == "HKG"
    assert countries.loc["NA", "name_en"] == "Namibia"
    currencies = ref.table("currencies").set_index("code")
    assert currencies.loc["JPY", "minor_units"] == "0" and currencies.loc["CNY", "name_zh"] == "人民币"
    assert currencies.loc["USD", "numeric"] == "840"


def test_snapshot_agrees_with_installed_pycountry(ref: Reference) -> None:
    for row in ref.table("countries").itertuples():
        country = pycountry.countries.get(alpha_2=row.alpha2)
        assert country is not None and country.alpha_3 == row.alpha3, row.alpha2
    for code in ref.codes("currencies"):
        assert pycountry.currencies.get(alpha_3=code) is not None, code


def test_row_level_valid_from(ref: Reference) -> None:
    before_hyw = date(2020, 8, 25)
    assert "HYW" not in ref.codes("control_points", on=before_hyw)
    assert "HYW" in ref.codes("control_points", on=date(2020, 8, 26))
    assert "HYW" not in ref.crosswalk("xw_control_point_cn", on=before_hyw)
    assert ref.codes("cn_units", on=date(2018, 7, 31)) == frozenset()  # post-reform list
    assert "035" in ref.codes("cn_units", on=date(2018, 8, 1))
