"""Every output validates with lxml and with xmlschema (an independent validator); broken documents
are rejected by both; the schemas load offline and have exactly one documented extension point."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

from tests.writers.conftest import AS_OF, make_bundle, many_lines_bundle
from tests.writers.helpers import NS, parse, xmlschema_errors, xp
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.registry import DOCUMENT_WRITERS, load, validate, writer
from transforms.filing.writers.schemas import SCHEMA_DIR
from transforms.model.bundle import FilingBundle
from transforms.model.reference import Reference

XS = "{http://www.w3.org/2001/XMLSchema}"

CASES: dict[str, Callable[[], FilingBundle]] = {
    "lmc_import": make_bundle,
    "lmc_export": lambda: make_bundle(direction="HK_EXPORT"),
    "stk_import": lambda: make_bundle(control_point="STK"),
    "amendment": lambda: make_bundle().stamp(2, "5"),
    "cancellation": lambda: make_bundle().stamp(3, "1"),
    "split_120": lambda: many_lines_bundle(120),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("w", DOCUMENT_WRITERS, ids=lambda w: w.id)
def test_output_validates_with_lxml_and_xmlschema(w, case: str, reference: Reference) -> None:  # type: ignore[no-untyped-def]
    ctx = WriterContext(reference=reference, as_of=AS_OF)
    data = w.render(CASES[case](), ctx)
    assert validate(w.id, data) == []
    assert xmlschema_errors(w.id, data) == []


def _render(writer_id: str, reference: Reference) -> etree._Element:
    ctx = WriterContext(reference=reference, as_of=AS_OF)
    return parse(writer(writer_id).render(make_bundle(), ctx))


def _set(path: str, value: str) -> Callable[[etree._Element], None]:
    def mutate(doc: etree._Element) -> None:
        node = xp(doc, path)[0]
        if isinstance(node, etree._Element):
            node.text = value
        else:  # an attribute
            node.getparent().set(node.attrname, value)
    return mutate


def _drop(path: str) -> Callable[[etree._Element], None]:
    def mutate(doc: etree._Element) -> None:
        node = xp(doc, path)[0]
        node.getparent().remove(node)
    return mutate


def _add(path: str, ns: str, name: str) -> Callable[[etree._Element], None]:
    def mutate(doc: etree._Element) -> None:
        etree.SubElement(xp(doc, path)[0], f"{{{NS[ns]}}}{name}").text = "x"
    return mutate


def _extension(ns: str) -> Callable[[etree._Element], None]:
    """An Extension holding an element of namespace ``ns`` (only other namespaces are allowed)."""
    def mutate(doc: etree._Element) -> None:
        ext = etree.SubElement(doc, f"{{{doc.nsmap[None]}}}Extension")
        etree.SubElement(ext, f"{{{NS[ns]}}}Note").text = "hello"
    return mutate


BROKEN: list[tuple[str, str, Callable[[etree._Element], None]]] = [
    # single-submission
    ("single", "HS 8 with 7 digits", _set("//s:GoodsItem[1]/s:HSCodeHK", "7408110")),
    ("single", "HS 10 with letters", _set("//s:GoodsItem[1]/s:HSCodeCN", "74081100AB")),
    ("single", "missing mandatory TripRef", _drop("//s:Submission/s:TripRef")),
    ("single", "bad direction enumeration", _set("//s:Submission/s:Direction", "HK_TRANSIT")),
    ("single", "bad control point", _set("//s:Submission/s:ControlPoint", "LWS")),
    ("single", "mass with 4 decimals", _set("//s:Consignment[1]/s:GrossMassKg", "315.5000")),
    ("single", "money as text", _set("//s:GoodsItem[1]/s:LineAmountValue", "12,00")),
    ("single", "time without +08:00", _set("//s:Submission/s:ExpectedCrossingDateTime", "2026-11-25T02:30:00Z")),
    ("single", "unknown element in Submission", _add("//s:Submission", "s", "Colour")),
    ("single", "own namespace inside the extension point", _extension("s")),
    ("single", "bad container number", _set("//s:Equipment/s:ContainerNo", "CSQ3054383")),
    # hk-filing
    ("hk", "HKHS with 10 digits", _set("//h:Classification/h:ID", "7408110000")),
    ("hk", "missing ACI item (e): consignor address", _drop("//h:Consignment[1]/h:Consignor/h:Address")),
    ("hk", "missing ACI item (a): number of packages", _drop("//h:Consignment[1]/h:TotalPackageQuantity")),
    ("hk", "missing ACI item (b): package description", _drop("//h:Consignment[1]/h:Packaging/h:Description")),
    ("hk", "missing ACI item (h): arrival time", _drop("//h:Consignment[1]/h:ArrivalDateTime")),
    ("hk", "bad scheme", _set("/h:HkFiling/h:Scheme", "SSDD")),
    ("hk", "bad declaration type", _set("//h:Declaration/h:TypeCode", "IMP")),
    ("hk", "mass unit not KGM", _set("//h:Consignment[1]/h:GrossMassMeasure/@unitCode", "LBR")),
    ("hk", "mass with 4 decimals", _set("//h:Consignment[1]/h:GrossMassMeasure", "1.2345")),
    ("hk", "unknown element in Declaration", _add("//h:Declaration", "h", "Remarks")),
    ("hk", "ISO country in lower case", _set("//h:Origin/h:CountryCode", "cn")),
    # the Mainland messages' broken variants: tests/writers/test_cn_dec_schema.py, test_cn_manifest_schemas.py
]


@pytest.mark.parametrize(("writer_id", "what", "mutate"), BROKEN, ids=[f"{w}: {d}" for w, d, _ in BROKEN])
def test_broken_document_is_rejected_by_both_validators(writer_id: str, what: str,
                                                        mutate: Callable[[etree._Element], None],
                                                        reference: Reference) -> None:
    doc = _render(writer_id, reference)
    mutate(doc)
    data = etree.tostring(doc, xml_declaration=True, encoding="UTF-8")
    assert validate(writer_id, data), f"lxml accepted: {what}"
    assert xmlschema_errors(writer_id, data), f"xmlschema accepted: {what}"


def test_at_least_five_broken_documents_per_schema() -> None:
    for w in DOCUMENT_WRITERS:
        assert sum(1 for wid, _, _ in BROKEN if wid == w.id) >= 5


@pytest.mark.parametrize("w", DOCUMENT_WRITERS, ids=lambda w: w.id)
def test_extension_point_accepts_foreign_namespaces(w, reference: Reference) -> None:  # type: ignore[no-untyped-def]
    doc = _render(w.id, reference)
    _extension("x")(doc)
    data = etree.tostring(doc, xml_declaration=True, encoding="UTF-8")
    assert validate(w.id, data) == []
    assert xmlschema_errors(w.id, data) == []


def test_not_well_formed_input_is_reported() -> None:
    assert validate("hk", b"<HkFiling>")[0].startswith("not well-formed XML")


@pytest.mark.parametrize("name", ["single-submission.xsd", "hk-filing.xsd", "ssdd-common.xsd"])
def test_schema_is_xsd_1_0_with_one_documented_extension_point(name: str) -> None:
    doc = etree.parse(str(SCHEMA_DIR / name))
    anys = doc.findall(f".//{XS}any")
    if name == "ssdd-common.xsd":
        assert anys == []
        return
    assert len(anys) == 1
    assert anys[0].get("processContents") == "lax" and anys[0].get("namespace") == "##other"
    ext = doc.find(f".//{XS}complexType[@name='ExtensionType']")
    assert ext is not None and ext.find(f"{XS}annotation/{XS}documentation") is not None
    # XSD 1.1 constructs would not load in libxml2
    for tag in ("assert", "assertion", "alternative", "openContent", "defaultOpenContent"):
        assert doc.find(f".//{XS}{tag}") is None


def test_every_leaf_is_typed() -> None:
    """No element without a type (xs:anyType) in our three schemas."""
    for w in DOCUMENT_WRITERS:
        doc = etree.parse(str(SCHEMA_DIR / w.schema))
        for el in doc.iter(f"{XS}element"):
            if el.get("ref") is not None:
                continue
            typed = el.get("type") is not None or el.find(f"{XS}complexType") is not None \
                or el.find(f"{XS}simpleType") is not None
            assert typed, f"{w.schema}: element {el.get('name')} has no type"


def test_schemas_compile_once_and_offline() -> None:
    for w in DOCUMENT_WRITERS:
        assert load(w.id) is load(w.id)
    for path in SCHEMA_DIR.glob("*.xsd"):
        for imp in etree.parse(str(path)).iter(f"{XS}import", f"{XS}include"):
            location = imp.get("schemaLocation", "")
            assert "/" not in location and (SCHEMA_DIR / location).is_file(), (path.name, location)
