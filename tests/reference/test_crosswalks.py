"""The crosswalks the Mainland messages need, and which reference rows may hold a trip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from transforms.model.reference import DEFAULT_ROOT, Reference, normalise_key

OFFICIAL = ("cn_units", "cn_package_types", "cn_currencies", "cn_countries", "cn_trade_modes", "cn_transport_modes",
            "cn_ports", "cn_domestic_ports", "cn_domestic_districts")


@pytest.fixture(scope="module")
def ref() -> Reference:
    return Reference.load()


def test_levy_nature_to_duty_mode(ref: Reference) -> None:
    duty = ref.crosswalk("xw_levy_nature_duty_mode_cn")
    assert duty == {"101": "1", "118": "1", "119": "1"}
    assert "299" not in duty  # 其他法定: the duty mode does not follow from the code: held, not guessed
    assert ref.table("cn_duty_modes").set_index("code").loc["1", "name_zh"] == "照章征税"


@pytest.mark.parametrize(("point", "office", "domestic_port"), [
    ("LMC", "5301", "470201"), ("MKT", "5320", "470401"), ("STK", "5303", "470501"), ("SBC", "5345", "471401"),
    ("HYW", "5354", None), ("HZM", None, None),
])
def test_control_point_to_customs_office_and_domestic_port(ref: Reference, point: str, office: str | None,
                                                           domestic_port: str | None) -> None:
    assert ref.crosswalk("xw_control_point_cn").get(point) == office
    assert ref.crosswalk("xw_control_point_cn", target="cn_port_code").get(point) == domestic_port
    if domestic_port:
        assert domestic_port in ref.codes("cn_domestic_ports")


def test_foreign_port_of_hong_kong_is_in_the_official_port_table(ref: Reference) -> None:
    ports = ref.table("cn_ports").set_index("code")
    assert ports.loc["HKG000", "name_zh"] == "中国香港"


@pytest.mark.parametrize(("word", "code"), [
    ("无品牌", "0"), ("境内自主品牌", "1"), ("境内收购品牌", "2"), ("境外品牌(贴牌生产)", "3"),
    ("境外品牌（其他）", "4"), ("贴牌", "3"),
])
def test_brand_type_words_to_codes(ref: Reference, word: str, code: str) -> None:
    words = {normalise_key(k): v for k, v in ref.crosswalk("xw_brand_type_cn").items()}
    assert words[normalise_key(word)] == code


@pytest.mark.parametrize(("word", "code"), [
    ("出口货物在最终目的国（地区）不享受优惠关税", "0"), ("不享惠", "0"),
    ("出口货物在最终目的国（地区）享受优惠关税", "1"), ("不能确定", "2"), ("不适用于进口报关单", "3"),
])
def test_export_preference_words_to_codes(ref: Reference, word: str, code: str) -> None:
    words = {normalise_key(k): v for k, v in ref.crosswalk("xw_export_preference_cn").items()}
    assert words[normalise_key(word)] == code


def test_official_tables_name_the_pack_and_the_tariff_is_not_official(ref: Reference) -> None:
    for name in OFFICIAL:
        assert ref.is_official(name), name
        assert any("shared/reference/cn-customs/codes/" in s for s in ref.manifest[name]["sources"])  # type: ignore
        assert ref.versions[name] == "2018-08-01"
    assert not ref.is_official("cn_tariff_lines")
    assert not ref.is_official("xw_unit_rec20_cn")


def test_a_tariff_rule_holds_only_when_the_tariff_is_official(tmp_path: Path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import numpy as np

    from expectations import validate
    from expectations.rules import RULES
    from expectations.synthetic import clean_frames
    from expectations.synthetic_defects import break_rule

    as_of = datetime(2026, 11, 25, 8, 0, tzinfo=ZoneInfo("Asia/Hong_Kong"))
    rule = next(r for r in RULES if r.key == "V15.legal_unit_1")
    shipped = Reference.load()
    frames = clean_frames(shipped, as_of, 40, seed=3)
    break_rule(frames, rule, np.array([1]), as_of)
    illustrative = validate(frames, reference=shipped, as_of=as_of, rules=(rule,))
    assert list(illustrative.findings["severity"]) == ["warning"] and illustrative.held == frozenset()
    assert illustrative.findings["message_en"].iloc[0].endswith(
        "(illustrative tariff rows: a warning until an official tariff is loaded)")

    root = tmp_path / "reference"
    shutil.copytree(DEFAULT_ROOT, root)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    manifest["cn_tariff_lines"]["official"] = True
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    official = validate(frames, reference=Reference.load(root), as_of=as_of, rules=(rule,))
    assert list(official.findings["severity"]) == ["error"] and len(official.held) == 1
