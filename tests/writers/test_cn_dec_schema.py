"""The derived declaration schema: re-derived from the official one, accepts the official sample, rejects
broken variants, and every relaxation is listed in docs/mainland-messages.md."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from transforms.devtools.schema_build import DOC_BEGIN, DOC_END, OFFICIAL_DIR, derive, doc_table
from transforms.filing.writers.cn_dec import NAMESPACE, SCHEMA, validate
from transforms.filing.writers.schemas import SCHEMA_DIR

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
OFFICIAL = SHARED / OFFICIAL_DIR
D = "{" + NAMESPACE + "}"


def official_sample() -> etree._Element:
    """The official sample 3.1, with the stray bytes before ``<?xml`` stripped as real files need."""
    raw = (OFFICIAL / "official-sample-3.1.xml").read_bytes()
    assert not raw.startswith(b"<?xml")   # the junk is really there
    return etree.fromstring(raw[raw.index(b"<?xml"):], etree.XMLParser(resolve_entities=False, no_network=True))


def test_committed_schema_is_the_derivation_of_the_official_one() -> None:
    data, relaxations = derive(SHARED)
    assert (SCHEMA_DIR / SCHEMA).read_bytes() == data, "re-run python -m transforms.devtools.schema_build"
    doc = (REPO / "docs" / "mainland-messages.md").read_text(encoding="utf-8")
    section = doc.split(DOC_BEGIN, 1)[1].split(DOC_END, 1)[0]
    assert section == "\n" + doc_table(relaxations)
    kinds = {(r.path, r.facet) for r in relaxations}
    assert ("DecHeadType/AgentCode", "pattern") in kinds          # placeholder pattern ''
    assert ("DecHeadType/IEDate", "pattern") in kinds             # date mask yyyyMMdd
    assert ("DecHeadType/InsurMark", "empty value") in kinds      # length 1 sent empty
    assert ("DecMessage/EdocRealation", "minOccurs") in kinds
    assert ("DecHeadType/IEFlag", "pattern") not in kinds         # code facets stay


def test_official_schema_rejects_its_sample_and_the_derived_one_accepts_it() -> None:
    official = etree.XMLSchema(etree.parse(str(OFFICIAL / "DecMessage_ImportSave_V1.0.xsd")))
    sample = official_sample()
    assert not official.validate(sample)
    assert validate(sample) == []
    assert xmlschema.XMLSchema10(str(SCHEMA_DIR / SCHEMA)).is_valid(etree.tostring(sample).decode())


def _head(doc: etree._Element) -> etree._Element:
    head = doc.find(D + "DecHead")
    assert head is not None
    return head


def _swap_first_two(doc: etree._Element) -> None:
    head = _head(doc)
    head.insert(0, head[1])   # IEFlag before SeqNo


def _drop(name: str):  # type: ignore[no-untyped-def]
    def f(doc: etree._Element) -> None:
        el = _head(doc).find(D + name)
        assert el is not None
        _head(doc).remove(el)
    return f


def _set(path: str, value: str):  # type: ignore[no-untyped-def]
    def f(doc: etree._Element) -> None:
        el = doc.find(path)
        assert el is not None
        el.text = value
    return f


@pytest.mark.parametrize(("change", "expected"), [
    (_swap_first_two, "This element is not expected"),
    (_drop("AgentName"), "AgentName"),
    (_set(f"{D}DecHead/{D}AgentName", "深" * 71), "maxLength"),
    (_set(f"{D}DecHead/{D}IEFlag", "X"), "[IE]"),
    (_set(f"{D}DecHead/{D}CustomMaster", "53A1"), "[0-9]{4}"),
    (_set(f"{D}DecLists/{D}DecList/{D}CodeTS", "854239900"), "length"),
    (_set(f"{D}DecLists/{D}DecList/{D}GUnit", "07"), "GUnit"),
    (_set(f"{D}DecHead/{D}IEDate", "20181303"), "IEDate"),
    (_set(f"{D}DecHead/{D}InsurMark", "2"), "InsurMark"),
    (_set(f"{D}DecSign/{D}ClientSeqNo", "SHORT"), "ClientSeqNo"),
], ids=["order", "missing-mandatory", "too-long", "IEFlag-code", "office-code", "CodeTS-length", "unit-length",
        "bad-date", "insurance-mark", "client-seq-no"])
def test_derived_schema_rejects_broken_variants(change, expected: str) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(official_sample())
    change(doc)
    errors = validate(doc)
    assert errors, "the broken variant was accepted"
    assert any(expected in e for e in errors), errors
