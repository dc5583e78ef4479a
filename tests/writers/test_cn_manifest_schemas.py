"""The flattened road-manifest schemas in ``data/schemas/cn-manifest/`` are the official ones.

Two proofs: (1) they are exactly what the build makes from ``../shared/reference/cn-manifest/schemas``
today; (2) every official sample and receipt, and deliberately broken variants of each (a mandatory
element missing, two elements swapped, a value outside a code list, an over-long text, the wrong
namespace), get the same verdict from the flattened schema in lxml and from the official schema in
Python ``xmlschema`` (which compiles the published files once their Windows back-slashes are
normalised). The MT1401 change sample breaks its own schema (structure.md §6.2): both must say so.
"""

from __future__ import annotations

import copy
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from transforms.devtools.manifest_schema_build import MESSAGE_SCHEMAS, flatten
from transforms.filing.writers.cn_road import RECEIPT_NAMESPACE, RECEIPT_SCHEMA, SCHEMA_DIR, schema_file, validate_file

OFFICIAL = Path(__file__).resolve().parents[3] / "shared" / "reference" / "cn-manifest"
pytestmark = pytest.mark.skipif(not OFFICIAL.is_dir(), reason="../shared/reference/cn-manifest is not beside the repo")

SAMPLES = sorted((OFFICIAL / "samples").glob("*.xml")) if OFFICIAL.is_dir() else []
RECEIPTS = sorted((OFFICIAL / "receipts").glob("*.xml")) if OFFICIAL.is_dir() else []
#: The official MT1401 change sample breaks its own schema (5 errors, structure.md §6.2).
INVALID_SAMPLE = "CN_MT1401_1p0_5345766374655_2019021210203040005.xml"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)


@pytest.fixture(scope="module")
def official(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], xmlschema.XMLSchema10]:
    """The official schemas as published, only their back-slashed schemaLocations normalised."""
    root = tmp_path_factory.mktemp("official")
    shutil.copytree(OFFICIAL / "schemas", root, dirs_exist_ok=True)
    for xsd in root.rglob("*.xsd"):
        xsd.write_bytes(xsd.read_bytes().replace(b"..\\Code\\", b"../Code/"))
    cache: dict[str, xmlschema.XMLSchema10] = {}

    def get(name: str) -> xmlschema.XMLSchema10:
        if name not in cache:
            cache[name] = xmlschema.XMLSchema10(str(root / name))
        return cache[name]
    return get


@pytest.mark.parametrize("name", MESSAGE_SCHEMAS)
def test_committed_schema_is_what_the_build_makes(name: str) -> None:
    assert (SCHEMA_DIR / name).read_bytes() == flatten(OFFICIAL / "schemas" / name), (
        f"{name} differs from a fresh build: run python -m transforms.devtools.manifest_schema_build")


def _schema_for(doc: etree._Element) -> str:
    if etree.QName(doc).namespace in (None, RECEIPT_NAMESPACE) or doc.find("{*}Response") is not None:
        return RECEIPT_SCHEMA
    head = doc.find("{*}Head")
    assert head is not None
    return schema_file(head.findtext("{*}MessageType") or "", head.findtext("{*}FunctionCode") or "")


def _verdicts(doc: etree._Element, schema: str, official: Callable[[str], xmlschema.XMLSchema10]) -> tuple[bool, bool]:
    data = etree.tostring(doc, encoding="UTF-8")
    flat_ok = not validate_file(schema, etree.fromstring(data, PARSER))
    official_ok = official(schema).is_valid(io.BytesIO(data))
    return flat_ok, official_ok


def _in_namespace(doc: etree._Element, ns: str) -> etree._Element:
    out = copy.deepcopy(doc)
    for el in out.iter():
        if isinstance(el.tag, str):
            el.tag = f"{{{ns}}}{etree.QName(el).localname}"
    etree.cleanup_namespaces(out)
    return out


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_official_samples_same_verdict(path: Path, official: Callable[[str], xmlschema.XMLSchema10]) -> None:
    doc = etree.parse(str(path), PARSER).getroot()
    flat_ok, official_ok = _verdicts(doc, _schema_for(doc), official)
    assert flat_ok == official_ok
    # every sample conforms except the MT1401 change sample (structure.md §6.2)
    assert flat_ok is (path.name != INVALID_SAMPLE)


@pytest.mark.parametrize("path", RECEIPTS, ids=lambda p: p.name[:40])
def test_official_receipts_same_verdict(path: Path, official: Callable[[str], xmlschema.XMLSchema10]) -> None:
    doc = etree.parse(str(path), PARSER).getroot()
    as_sent = _verdicts(doc, RECEIPT_SCHEMA, official)
    namespaced = _verdicts(_in_namespace(doc, RECEIPT_NAMESPACE), RECEIPT_SCHEMA, official)
    assert as_sent[0] == as_sent[1] and namespaced[0] == namespaced[1]
    assert as_sent == (False, False)   # no receipt carries the schema's namespace (structure.md §11.2)


def _drop(path: str) -> Callable[[etree._Element], bool]:
    def mutate(doc: etree._Element) -> bool:
        hit = doc.find(path)
        if hit is None:
            return False
        parent = hit.getparent()
        assert parent is not None
        parent.remove(hit)
        return True
    return mutate


def _swap_first_two(path: str) -> Callable[[etree._Element], bool]:
    def mutate(doc: etree._Element) -> bool:
        parent = doc.find(path)
        if parent is None or len(parent) < 2:
            return False
        first = parent[0]
        parent.remove(first)
        parent.insert(1, first)
        return True
    return mutate


def _set(path: str, value: str) -> Callable[[etree._Element], bool]:
    def mutate(doc: etree._Element) -> bool:
        hit = doc.find(path)
        if hit is None:
            return False
        hit.text = value
        return True
    return mutate


def _other_namespace(doc: etree._Element) -> bool:
    ns = etree.QName(doc).namespace or ""
    swapped = _in_namespace(doc, ns.replace("MT2401", "MT1401") if "MT2401" in ns else
                            ns.replace(":MT1401:", ":MT2401:").replace(":MT440", ":MT240"))
    doc[:] = list(swapped)
    doc.tag = swapped.tag
    return True


BROKEN: dict[str, Callable[[etree._Element], bool]] = {
    "missing Declaration/ID": _drop("{*}Declaration/{*}ID"),
    "missing Head/SendTime": _drop("{*}Head/{*}SendTime"),
    "missing RepresentativePerson": _drop("{*}Declaration/{*}RepresentativePerson"),
    "missing consignment gross mass": _drop("{*}Declaration/{*}Consignment/{*}GovernmentAgencyGoodsItem"),
    "missing container tare": _drop("{*}Declaration/{*}Consignment/{*}TransportEquipment/{*}TareWeight"),
    "Head order": _swap_first_two("{*}Head"),
    "Declaration order": _swap_first_two("{*}Declaration"),
    "consignment order": _swap_first_two("{*}Declaration/{*}Consignment"),
    "bad transport mode": _set("{*}Declaration/{*}BorderTransportMeans/{*}TypeCode", "99"),
    "bad clearance code": _set("{*}Declaration/{*}Consignment/{*}GovernmentProcedure/{*}CurrentCode", "RD17"),
    "bad change reason": _set(".//{*}Amendment/{*}ChangeReasonCode", "014"),
    "bad version": _set("{*}Head/{*}Version", "2.0"),
    "bad batch number": _set("{*}Declaration/{*}ID", "5345-2019"),
    "bad seal": _set(".//{*}CarSealID", "SL0098812"),
    "long transmitter": _set("{*}Declaration/{*}RepresentativePerson/{*}Name", "深" * 71),
    "long consignee": _set("{*}Declaration/{*}Consignment/{*}Consignee/{*}Name", "K" * 71),
    "long vehicle name": _set(".//{*}BorderTransportMeans/{*}Name", "粤" * 36),
    "wrong namespace": _other_namespace,
}


OPTIONAL_IN_CHANGE = {"missing consignment gross mass"}


def _applicable() -> list[tuple[Path, str]]:
    """(sample, case) pairs where the sample has the element the case breaks."""
    return [(path, case) for path in SAMPLES for case, mutate in BROKEN.items()
            if mutate(etree.parse(str(path), PARSER).getroot())]


@pytest.mark.parametrize(("path", "case"), _applicable(), ids=lambda v: v.name[3:-4] if isinstance(v, Path) else v)
def test_broken_variants_same_verdict(path: Path, case: str,
                                      official: Callable[[str], xmlschema.XMLSchema10]) -> None:
    doc = etree.parse(str(path), PARSER).getroot()
    schema = _schema_for(doc)
    assert BROKEN[case](doc)
    flat_ok, official_ok = _verdicts(doc, schema, official)
    assert flat_ok == official_ok
    # the change message (5) makes the consignment blocks optional (structure.md §6.2, §7.2)
    still_valid = case in OPTIONAL_IN_CHANGE and "Update" in schema and path.name != INVALID_SAMPLE
    assert flat_ok is still_valid, f"{case}: {path.name} valid={flat_ok}"


@pytest.mark.parametrize("case", ["missing Declaration/ID", "long transmitter", "bad change reason"])
def test_broken_receipt_same_verdict(case: str, official: Callable[[str], xmlschema.XMLSchema10]) -> None:
    """The 'customs passed' receipt, put into the receipt namespace, is valid; broken, it is not (both)."""
    path = next(p for p in RECEIPTS if "海关通过" in p.name)
    doc = _in_namespace(etree.parse(str(path), PARSER).getroot(), RECEIPT_NAMESPACE)
    assert _verdicts(doc, RECEIPT_SCHEMA, official) == (True, True)
    mutate = {"missing Declaration/ID": _drop("{*}Head/{*}MessageID"),
              "long transmitter": _set(".//{*}StatementDescription", "x" * 513),
              "bad change reason": _set(".//{*}StatementCode", "99")}[case]
    assert mutate(doc)
    assert _verdicts(doc, RECEIPT_SCHEMA, official) == (False, False)
