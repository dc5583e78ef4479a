"""The loader's behaviour on a small reference root written by the test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from transforms.model.reference import Reference, normalise_key


def _write(root: Path, tables: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (root / f"{name}.csv").write_text(text, encoding="utf-8")
    manifest = {name: {"version": "2027-01-01", "rows": text.count("\n") - 1, "sha256": "x"}
                for name, text in tables.items()}
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    yield _write(tmp_path / "ref", {
        "hs2022_subheadings": (
            "code,description,valid_from,valid_to\n"
            "010121,old horses,2022-01-01,2027-01-01\n"
            "010122,new horses,2027-01-01,\n"
            "851713,smartphones,2022-01-01,\n"
        ),
        "xw_demo": (
            "src,dst,other,valid_from,valid_to\n"
            "A,1,x,2024-01-01,\n"
            "B,,y,2024-01-01,\n"
            "C,3,,2024-01-01,2025-01-01\n"
            "C,4,,2025-01-01,\n"
        ),
        "xw_dupe": "src,dst,valid_from,valid_to\nA,1,2024-01-01,\nA,2,2024-01-01,\n",
        "control_points": (
            "immd_code,hk_name_en,hk_name_zh,mainland_port_zh,mainland_port_en,names,valid_from,valid_to\n"
            "LMC,Lok Ma Chau,落馬洲,皇岗口岸,Huanggang,落马洲|皇岗,2024-01-01,\n"
            "OLD,Old Point,舊站,旧口岸,Old,旧站,2020-01-01,2024-01-01\n"
        ),
    })
    Reference.clear_cache()


def test_valid_from_filtering(root: Path) -> None:
    ref = Reference.load(root)
    assert ref.codes("hs2022_subheadings", on=date(2026, 12, 31)) == {"010121", "851713"}
    assert ref.codes("hs2022_subheadings", on=date(2027, 1, 1)) == {"010122", "851713"}  # valid_to exclusive
    assert ref.codes("hs2022_subheadings", on=date(2021, 12, 31)) == frozenset()
    assert ref.codes("hs2022_subheadings") == {"010122", "851713"}  # None: open rows only
    assert list(ref.table("hs2022_subheadings", on=date(2023, 5, 1))["code"]) == ["010121", "851713"]


def test_crosswalk_skips_empty_targets_and_follows_dates(root: Path) -> None:
    ref = Reference.load(root)
    assert ref.crosswalk("xw_demo") == {"A": "1", "C": "4"}
    assert ref.crosswalk("xw_demo", on=date(2024, 6, 1)) == {"A": "1", "C": "3"}
    assert ref.crosswalk("xw_demo", target="other") == {"A": "x", "B": "y"}
    with pytest.raises(ValueError, match="more than one valid row"):
        ref.crosswalk("xw_dupe")


def test_alias_map_respects_validity(root: Path) -> None:
    ref = Reference.load(root)
    assert ref.lookup_alias("control_point", "皇岗") == "LMC"
    assert ref.lookup_alias("control_point", "旧站") is None
    assert ref.lookup_alias("control_point", "旧站", on=date(2023, 1, 1)) == "OLD"
    assert ref.alias_map("control_point")[normalise_key("Lok Ma Chau")] == "LMC"


def test_cache_per_root_and_copies(root: Path, tmp_path: Path) -> None:
    ref = Reference.load(root)
    assert Reference.load(root) is ref
    assert Reference.load(root / ".." / "ref") is ref
    other = _write(tmp_path / "other", {"rec19_transport_modes": "code,name,valid_from,valid_to\n3,Road,2024-01-01,\n"})
    assert Reference.load(other) is not ref
    frame = ref.table("hs2022_subheadings")
    frame.loc[0, "code"] = "999999"
    assert "999999" not in set(ref.table("hs2022_subheadings")["code"])
    assert ref.versions["xw_demo"] == "2027-01-01"


def test_errors(root: Path, tmp_path: Path) -> None:
    ref = Reference.load(root)
    with pytest.raises(KeyError, match="unknown reference table"):
        ref.table("nope")
    with pytest.raises(FileNotFoundError):
        Reference.load(tmp_path / "missing")


def test_default_root_loads() -> None:
    assert Reference.load() is Reference.load(None)
    assert "countries" in Reference.load().versions


@pytest.mark.parametrize(
    ("text", "key"),
    [(" Lok  Ma\tChau ", "lok ma chau"), ("ＰＣＳ", "pcs"), ("刚果（金）", "刚果(金)"), ("Straße", "strasse"),
     ("", "")],
)
def test_normalise_key(text: str, key: str) -> None:
    assert normalise_key(text) == key


def test_normalise_key_caches_short_keys_only() -> None:
    """The cache serves the repeated headers and codes; a hostile 100,000-character cell is answered
    correctly and is not kept (8,192 of them would have held 1.6 GB)."""
    from transforms.model import reference

    reference._normalised.cache_clear()
    assert normalise_key("Ａ" * 100_000) == "a" * 100_000
    assert reference._normalised.cache_info().currsize == 0
    assert normalise_key(" Lok  Ma Chau ") == "lok ma chau"
    assert reference._normalised.cache_info().currsize == 1
