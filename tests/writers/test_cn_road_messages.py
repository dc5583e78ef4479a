"""The road manifest (MT2401 / MT1401) and conveyance confirmation (MT4402 / MT4401) writers.

Golden files per message type and function (``golden/cn-road/``, reviewed by hand; regenerate only on
purpose with ``SSDD_UPDATE_GOLDEN=1``). Every output is validated against the flattened schema (lxml)
and against the official schema (Python ``xmlschema``), and its file name follows the samples.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from tests.writers.mainland import BATCH, SENDER, mainland_bundle, mainland_ctx
from transforms.filing.writers import cn_conveyance, cn_manifest
from transforms.filing.writers.cn_road import namespace, schema_file, serialise_message, validate_message
from transforms.filing.writers.values import MappingError
from transforms.model.reference import Reference

GOLDEN = Path(__file__).parent / "golden" / "cn-road"
OFFICIAL = Path(__file__).resolve().parents[3] / "shared" / "reference" / "cn-manifest" / "schemas"
NAME = re.compile(r"CN_(MT\d{4})_1p0_5301123456789_(\d{17})(\d{2})\.xml")

# (direction, our function code) -> the messages expected, in order
CASES = {
    ("HK_IMPORT", "9"): (["MT2401_9"], ["MT4402_2"]),
    ("HK_IMPORT", "5"): (["MT2401_5"], ["MT4402_3", "MT4402_2"]),
    ("HK_IMPORT", "1"): (["MT2401_3"], ["MT4402_3"]),
    ("HK_EXPORT", "9"): (["MT1401_9"], ["MT4401_2"]),
    ("HK_EXPORT", "5"): (["MT1401_5"], ["MT4401_3", "MT4401_2"]),
    ("HK_EXPORT", "1"): (["MT1401_3"], ["MT4401_3"]),
}


FUNCTION = {"9": "original", "5": "amendment", "1": "cancellation"}


@pytest.fixture(scope="module")
def official(tmp_path_factory: pytest.TempPathFactory) -> dict[str, xmlschema.XMLSchema10]:
    if not OFFICIAL.is_dir():
        pytest.skip("../shared/reference/cn-manifest is not beside the repo")
    root = tmp_path_factory.mktemp("official")
    shutil.copytree(OFFICIAL, root, dirs_exist_ok=True)
    for xsd in root.rglob("*.xsd"):
        xsd.write_bytes(xsd.read_bytes().replace(b"..\\Code\\", b"../Code/"))
    return {f.name: xmlschema.XMLSchema10(str(f)) for f in root.glob("Manifest_*.xsd")}


def _render(direction: str, fc: str, reference: Reference) -> list[tuple[str, bytes]]:
    bundle = mainland_bundle(direction, fc, version=1 if fc == "9" else 2)
    ctx = mainland_ctx(reference)
    assert cn_manifest.preflight(bundle, ctx) == [] and cn_conveyance.preflight(bundle, ctx) == []
    docs = cn_manifest.documents(bundle, ctx) + cn_conveyance.documents(bundle, ctx)
    for _, tree in docs:
        assert validate_message(tree) == []
    return [(name, serialise_message(tree)) for name, tree in docs]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_output_matches_golden_and_both_schemas(case: tuple[str, str], reference: Reference,
                                                official: dict[str, xmlschema.XMLSchema10]) -> None:
    rendered = _render(*case, reference)
    expected = CASES[case][0] + CASES[case][1]
    assert [f"{NAME.fullmatch(n)[1]}_{int(NAME.fullmatch(n)[3])}" for n, _ in rendered] == expected  # type: ignore[index]
    for (name, data), label in zip(rendered, expected, strict=True):
        mt, fc = label.split("_")
        doc = etree.fromstring(data)
        assert etree.QName(doc).namespace == namespace(mt)
        errors = [str(e.reason) for e in official[schema_file(mt, fc)].iter_errors(io.BytesIO(data))]
        assert errors == [], f"{name}: {errors[:3]}"
        path = GOLDEN / f"{case[0]}_{FUNCTION[case[1]]}_{label}.xml"
        if os.environ.get("SSDD_UPDATE_GOLDEN") == "1":
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
        assert path.read_bytes() == data, f"{path.name} changed; review, then regenerate with SSDD_UPDATE_GOLDEN=1"


def test_file_name_and_head_follow_the_samples(reference: Reference) -> None:
    """Sample: CN_MT2401_1p0_5345766374655_2019021210203040009.xml = sender code, SendTime, FunctionCode."""
    (name, data), = _render("HK_IMPORT", "9", reference)[:1]
    assert name == "CN_MT2401_1p0_5301123456789_2026112516000012309.xml"
    doc = etree.fromstring(data)
    ns = {"m": namespace("MT2401")}
    assert doc.findtext("m:Head/m:SendTime", namespaces=ns) == "20261125160000123"
    assert doc.findtext("m:Head/m:SenderID", namespaces=ns) == SENDER
    assert doc.findtext("m:Head/m:ReceiverID", namespaces=ns) == "EPORT"
    assert doc.findtext("m:Declaration/m:ID", namespaces=ns) == BATCH
    assert doc.findtext("m:Declaration/m:DeclarationOfficeID", namespaces=ns) == "5301"
    # no element the schema lacks: party addresses and seals stay in the single submission
    assert not doc.xpath("//m:Address | //m:Seal | //m:Consignor/m:Address", namespaces=ns)


def test_conveyance_lists_the_manifest_batch_number(reference: Reference) -> None:
    docs = {n[3:9]: etree.fromstring(d) for n, d in _render("HK_IMPORT", "9", reference)}
    batch = {mt: doc.findtext("{*}Declaration/{*}ID") for mt, doc in docs.items()}
    assert batch == {"MT2401": BATCH, "MT4402": BATCH}


def test_message_seq_gives_each_trip_its_own_file_names(reference: Reference) -> None:
    bundle = mainland_bundle("HK_IMPORT", "5", version=2)
    first = [n for n, _ in cn_conveyance.documents(bundle, mainland_ctx(reference, message_seq=0))]
    second = [n for n, _ in cn_conveyance.documents(bundle, mainland_ctx(reference, message_seq=1))]
    assert first == ["CN_MT4402_1p0_5301123456789_2026112516000012303.xml",
                     "CN_MT4402_1p0_5301123456789_2026112516000012402.xml"]
    assert second == ["CN_MT4402_1p0_5301123456789_2026112516000012503.xml",
                      "CN_MT4402_1p0_5301123456789_2026112516000012602.xml"]


def _reasons(bundle: object, reference: Reference, **ctx: object) -> list[str]:
    c = mainland_ctx(reference, **ctx)
    return [p.message_en for p in cn_manifest.preflight(bundle, c) + cn_conveyance.preflight(bundle, c)]  # type: ignore[arg-type]


def test_missing_batch_number_holds_the_trip(reference: Reference) -> None:
    bundle = mainland_bundle()
    bundle.submission["cn_trip_batch_no"] = None
    reasons = _reasons(bundle, reference)
    # the same sentence from both writers: filing reports it once
    assert reasons == ["The Mainland cargo transport batch number (货物运输批次号) is missing; the Mainland road "
                       "manifest and conveyance confirmation need it, so the trip is held until the trip plan or the "
                       "settings give it."] * 2
    with pytest.raises(MappingError):
        cn_manifest.documents(bundle, mainland_ctx(reference))


def test_placeholder_sender_id_holds_the_trip(reference: Reference) -> None:
    reasons = _reasons(mainland_bundle(), reference, cn_sender_id="SSDD")
    assert reasons[0] == (
        "The setting cn_sender_id 'SSDD' is not a Mainland single-window sender id (expected the 13-character "
        "customs registration code, then _DXPESW and the client number, e.g. 5345766374655_DXPESW0000001256); "
        "the trip is held until the setting is corrected.")


def test_values_outside_the_schema_hold_the_trip(reference: Reference) -> None:
    bundle = mainland_bundle()
    bundle.consignments[0]["cn_bill_no"] = "HKTRUCK-B0001"
    bundle.consignments[1]["freight_payment_method"] = None
    bundle.consignments[1]["cn_procedure_code"] = "RD17"
    bundle.parties[-1]["name_zh"] = "海" * 71
    bundle.seals[0].update(seal_id="SL-0098812", seal_type="M", sealing_party="CA")
    reasons = _reasons(bundle, reference)
    assert ("The waybill number (提（运）单号, from cn_bill_no or the invoice number) of consignment 1 "
            "'HKTRUCK-B0001' does not have the form the channel requires (capital letters and digits only); the "
            "Mainland road manifest cannot carry it, so the trip is held until it is corrected.") in reasons
    assert "The freight payment method (运费支付方法代码, CN004) of consignment 2 is missing; the Mainland road " \
           "manifest needs it, so the trip is held until it is supplied." in reasons
    assert any(r.startswith("The customs clearance mode (海关货物通关代码, CC007) of consignment 2 'RD17' is not in "
                            "the code list") for r in reasons)
    assert any(r.startswith("The consignee name (收货人名称) of consignment 2 '" + "海" * 40 + "…' is longer than 70")
               for r in reasons)
    assert ("Seal (封志) 'M/SL-0098812@CA' does not have the form the channel requires (M or E, a slash, the seal "
            "number, @ and the sealing party AA, AB, AC, CA, CU, SH or TO, e.g. M/123456@CU); the Mainland conveyance "
            "confirmation cannot carry it, so the trip is held until it is corrected.") in reasons


def _seal_texts(bundle: object, reference: Reference) -> list[str]:
    docs = cn_conveyance.documents(bundle, mainland_ctx(reference))  # type: ignore[arg-type]
    root = docs[-1][1]
    return [e.text or "" for e in root.iter("{*}CarSealID", "{*}SealID")]


def test_a_bare_seal_number_is_written_with_its_type_and_sealing_party(reference: Reference) -> None:
    bundle = mainland_bundle()
    bundle.seals[0].update(seal_id="SL778899", seal_type="M", sealing_party="CA")
    bundle.seals[1].update(seal_id="0000")   # a full special container that cannot be sealed: sent as it is
    assert cn_conveyance.preflight(bundle, mainland_ctx(reference)) == []
    assert sorted(_seal_texts(bundle, reference)) == ["0000", "M/SL778899@CA"]


def test_a_seal_already_in_channel_form_is_sent_as_it_is(reference: Reference) -> None:
    bundle = mainland_bundle()
    bundle.seals[0].update(seal_type="E", sealing_party="CU")   # the written form wins over the columns
    assert sorted(_seal_texts(bundle, reference)) == ["E/4403000123@CU", "M/SL0098812@CA"]


def test_a_bare_seal_without_type_or_sealing_party_holds_the_trip(reference: Reference) -> None:
    bundle = mainland_bundle()
    bundle.seals[0].update(seal_id="SL778899", seal_type=None, sealing_party=None)
    reasons = [p.message_en for p in cn_conveyance.preflight(bundle, mainland_ctx(reference))]
    assert reasons == [
        "The type of seal SL778899 (封志类型, M mechanical or E electronic) is missing; the Mainland conveyance "
        "confirmation needs it, so the trip is held until the trip plan's seal_type or trader.yaml's "
        "carrier.seal_type gives it.",
        "The sealing party of seal SL778899 (施加封志人类型, CN017) is missing; the Mainland conveyance "
        "confirmation needs it, so the trip is held until the trip plan's sealing_party or trader.yaml's "
        "carrier.sealing_party gives it."]


def test_line_without_gross_mass_takes_the_total_only_when_alone(reference: Reference) -> None:
    bundle = mainland_bundle()
    for g in bundle.goods_items:
        g["gross_mass_kg"] = None
    reasons = _reasons(bundle, reference)
    # consignment 2 has one line (its total is that line's); consignment 1 has two and is held
    assert reasons == [
        "The line's gross mass (货物毛重) of consignment 1, line 1 is missing; the Mainland road manifest needs it, "
        "so the trip is held until it is supplied.",
        "The line's gross mass (货物毛重) of consignment 1, line 2 is missing; the Mainland road manifest needs it, "
        "so the trip is held until it is supplied."]


def test_preflight_then_documents_build_once_and_never_serve_another_bundle(reference: Reference) -> None:
    ctx = mainland_ctx(reference)
    first, second = mainland_bundle("HK_IMPORT"), mainland_bundle("HK_EXPORT")
    assert cn_manifest.preflight(first, ctx) == []
    kept = cn_manifest.documents(first, ctx)[0][1]
    assert cn_manifest.documents(first, ctx)[0][1] is not kept      # dropped after documents: built afresh
    assert cn_manifest.preflight(first, ctx) == []
    [(name, _)] = cn_manifest.documents(second, ctx)               # another bundle is never the kept one
    assert name.startswith("CN_MT1401_")


def test_a_line_with_a_package_count_but_no_type_takes_the_consignments_one_type(reference: Reference) -> None:
    """Yonyou exports count packages per line but name their type only per invoice (trader default)."""
    bundle = mainland_bundle()
    for g in bundle.goods_items:
        g["packages_type"] = None
    ctx = mainland_ctx(reference)
    assert cn_manifest.preflight(bundle, ctx) == []
    [(_, tree)] = cn_manifest.documents(bundle, ctx)
    ns = {"m": namespace("MT2401")}
    path = ".//m:ConsignmentItem/m:Packaging/m:QuantityQuantity"
    packaging = [(q.text, q.get("unitCode")) for q in tree.iterfind(path, ns)]
    assert packaging == [("10", "CT"), ("5", "CT"), ("8", "CT")]


def test_a_line_without_its_package_count_holds_a_trip_of_several_lines(reference: Reference) -> None:
    """An export without per-line package counts (SAP billing) cannot be apportioned: held, saying so."""
    bundle = mainland_bundle()
    bundle.goods_items[1]["packages_qty"] = None
    [problem] = cn_manifest.preflight(bundle, mainland_ctx(reference))
    assert problem.message_en == ("The line's number and type of packages (商品项件数) of consignment 1, line 2 is "
                                  "missing; the Mainland road manifest needs it, so the trip is held until it is "
                                  "supplied.")
