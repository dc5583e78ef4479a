"""Realistic filing bundles for the writer tests, built with the canonical column names of
:mod:`transforms.model.canonical` (an unknown column name fails here, so the fixture cannot drift from the model).

The main case is a HK_IMPORT trip (Mainland → HK) at Lok Ma Chau: two consignments, three goods lines
(lines 1 and 2 of consignment 1 share every declared attribute and merge into one DecList item), a
container with a seal, a trailer. ``make_bundle`` varies direction and control point.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from transforms.filing.writers.context import WriterContext
from transforms.model.bundle import FilingBundle, content_hash
from transforms.model.canonical import row
from transforms.model.reference import Reference

AS_OF = datetime(2026, 11, 25, 8, 0, 0, 123000, tzinfo=UTC)   # 16:00:00.123 in Hong Kong
CROSSING = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)          # 10:30 in Hong Kong
CREATED = datetime(2026, 11, 25, 0, 5, tzinfo=UTC)
CONTAINER = "CSQU3054383"                                     # valid ISO 6346 check digit
_NS = uuid.UUID("00000000-0000-5000-8000-000000000001")


def _party(sid: str, seq: int, role: str, **values: Any) -> dict[str, Any]:
    return row("parties", submission_id=sid, version=1, consignment_seq=seq, role=role, **values)


_SZ_ACME = dict(name="Shenzhen Acme Metals Co., Ltd.", name_zh="深圳市艾克美金属有限公司",
                address_lines="18 Keji South Road, Nanshan District", address_city="Shenzhen",
                address_country="CN", ids_cn_uscc="91440300MA5F00012K", ids_cn_customs_code="4403960001",
                contact_phone="+86 755 8888 0001")
_DG_TOYS = dict(name="Dongguan Happy Toys Factory", name_zh="东莞市快乐玩具厂",
                address_lines="3 Industrial Avenue, Chang'an Town", address_city="Dongguan",
                address_country="CN", ids_cn_uscc="91441900MA4W00023P", ids_cn_customs_code="4419930002")
_KLN = dict(name="Kowloon Trading Limited", name_zh="九龍貿易有限公司",
            address_lines="Unit 5, 8/F, Ocean Centre\n5 Canton Road, Tsim Sha Tsui", address_city="Hong Kong",
            address_country="HK", ids_hk_brn="12345678", contact_email="ops@kowloon-trading.example")
_HKT = dict(name="Harbour Toys (HK) Co. Limited", name_zh="海港玩具(香港)有限公司",
            address_lines="Flat B, 12/F, Kwai Chung Plaza, 7 Kwai Foo Road, Kwai Chung",
            address_city="Hong Kong", address_country="HK", ids_hk_brn="87654321")


def _line(sid: str, seq: int, line_no: int, invoice: str, trader: str, **values: Any) -> dict[str, Any]:
    # the TDEC quantity is the commercial one unless a test says otherwise (as assembly fills it); the
    # Mainland units and legal quantities are given as transforms.assembly.cn_units computes them, since
    # the 报关单 writer derives none
    values.setdefault("hk_qty", values.get("quantity_value"))
    values.setdefault("hk_unit", values.get("quantity_unit"))
    return row("goods_items", submission_id=sid, version=1, consignment_seq=seq, line_no=line_no,
               trader=trader, invoice_no=invoice, src_file=f"{trader}/sales_2026-11.csv", src_row=line_no + 1,
               **values)


def _copper(sid: str, line_no: int, kg: float, gross: float, pkgs: int, amount: float) -> dict[str, Any]:
    return _line(sid, 1, line_no, "INV-2611-001", "acme", sku=f"CU-WIRE-{line_no}",
                 description_en="Refined copper wire, max cross-section > 6 mm", description_zh="精炼铜丝",
                 hs_hk="74081100", hs_cn="7408110000", cn_ciq_code="999",
                 cn_declaration_elements=["4", "3", "精炼铜", "横截面最大尺寸8mm", "无品牌"], brand="无品牌",
                 model="CU-8", quantity_value=kg, quantity_unit="KGM", quantity_unit_raw="千克",
                 cn_qty_declared=kg, cn_unit_declared="035", cn_unit_legal_1="035", cn_qty_legal_1=kg,
                 packages_qty=pkgs, packages_type="CT",
                 gross_mass_kg=gross, net_mass_kg=kg, unit_price=10.0005, line_amount_value=amount,
                 line_amount_currency="USD", country_of_origin="CN", cn_origin_place="44031")


def make_bundle(direction: str = "HK_IMPORT", control_point: str = "LMC", trip_ref: str = "T20261125-01",
                with_hash: bool = True) -> FilingBundle:
    """The reference trip. For HK_EXPORT the parties swap sides (HK shipper, Mainland receiver)."""
    sid = str(uuid.uuid5(_NS, f"HKTRUCK|{trip_ref}|{direction}|{control_point}"))
    importing = direction == "HK_IMPORT"
    sub = row("submissions", submission_id=sid, version=1, function_code="9", direction=direction, mode="3",
              control_point=control_point, trip_ref=trip_ref, carrier_code="HKTRUCK",
              expected_crossing_at=CROSSING, crossing_date=date(2026, 11, 25), created_at=CREATED,
              cn_trip_batch_no=f"HKTRUCK{trip_ref}", source_files=[
                  "acme/sales_2026-11.csv 3f1c8a0e9b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a",
                  "trips/plan 25 Nov.xlsx 0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"],
              profile_versions=["kingdee_sales_outbound@1.2.0", "trip_plan@1.0.0"],
              reference_versions=["xw_control_point_cn@2024-01-01", "xw_unit_rec20_cn@2024-01-01"],
              src_file="trips/plan 25 Nov.xlsx", src_sheet="Trips", src_row=4)
    transport = row("transport", submission_id=sid, version=1, vehicle_reg_hk="XY1234", vehicle_reg_cn="粤Z·A123港",
                    vehicle_customs_code="440300123456", driver_name="陈大文", driver_cn_code="D4403001234",
                    driver_hk_id_masked="A123***(*)", carrier_code="HKTRUCK", carrier_name="HK Cross-border Truck Ltd",
                    carrier_cn_customs_code="4403980009", itinerary_countries=["CN", "HK"],
                    src_file="trips/plan 25 Nov.xlsx", src_sheet="Trips", src_row=4)
    mainland = [_SZ_ACME, _DG_TOYS]
    hongkong = [_KLN, _HKT]
    parties = [
        _party(sid, 0, "CARRIER", name="HK Cross-border Truck Ltd", ids_cn_customs_code="4403980009"),
        _party(sid, 0, "DECLARANT_HK", name="Kowloon Customs Brokers Ltd", ids_hk_brn="55554444"),
        _party(sid, 0, "DECLARANT_CN", name="Shenzhen Huanggang Customs Brokerage Co., Ltd.",
               name_zh="深圳市皇岗报关有限公司", ids_cn_customs_code="4403180077", ids_cn_uscc="91440300MA5G00034R"),
        _party(sid, 0, "FILER", name="HK Cross-border Truck Ltd", name_zh="香港跨境货运有限公司"),
    ]
    for seq in (1, 2):
        cn_party, hk_party = mainland[seq - 1], hongkong[seq - 1]
        consignor, consignee = (cn_party, hk_party) if importing else (hk_party, cn_party)
        parties.append(_party(sid, seq, "CONSIGNOR", src_file="acme/trader.yaml", **consignor))
        parties.append(_party(sid, seq, "CONSIGNEE", src_file="acme/trader.yaml", **consignee))

    consignments = [
        row("consignments", submission_id=sid, version=1, consignment_seq=1, trader="acme",
            invoice_no="INV-2611-001", ucr="acme-INV-2611-001", cn_bill_no="HKTRUCK-B0001", total_packages_qty=15,
            total_packages_type="CT", total_packages_derived=False, package_description="Carton",
            gross_mass_kg=315.5, net_mass_kg=300.0, stated_gross_mass_kg=315.5, gross_volume_m3=1.2,
            invoice_amount_value=3000.15, invoice_amount_currency="USD", incoterm="FOB",
            cn_transaction_method="3", freight_payment_method="1", cn_trade_mode="0110", cn_levy_nature="101",
            cn_procedure_code="RD01", cn_origin_district="44031",
            country_of_consignment="CN" if importing else "HK", country_of_destination="HK" if importing else "CN",
            equipment_refs=[CONTAINER], place_of_loading="CNSZX" if importing else "HKHKG",
            src_file="acme/sales_2026-11.csv", src_row=2),
        row("consignments", submission_id=sid, version=1, consignment_seq=2, trader="happytoys",
            invoice_no="HT-88017", ucr="happytoys-HT-88017", total_packages_qty=8, total_packages_type="CT",
            total_packages_derived=True, package_description="Carton", gross_mass_kg=95.25, net_mass_kg=80.0,
            invoice_amount_value=12300.0, invoice_amount_currency="HKD", cn_transaction_method="3",
            freight_payment_method="1", cn_trade_mode="0110", cn_levy_nature="101", cn_procedure_code="RD01",
            cn_origin_district="44199", country_of_consignment="CN" if importing else "HK",
            country_of_destination="HK" if importing else "CN", equipment_refs=[CONTAINER],
            place_of_loading="CNDGG" if importing else "HKHKG", src_file="happytoys/invoice HT-88017.xlsx",
            src_sheet="Sheet1", src_row=5),
    ]
    goods = [
        _copper(sid, 1, 200.0, 210.5, 10, 2000.1),
        _copper(sid, 2, 100.0, 105.0, 5, 1000.05),
        _line(sid, 2, 1, "HT-88017", "happytoys", sku="TOY-01", description_en="Plastic toy cars",
              description_zh="塑料玩具车", hs_hk="95030090", hs_cn="9503008900",
              cn_declaration_elements=["4", "0", "无品牌", "TOY-01", "塑料制"], model="TOY-01",
              quantity_value=500.0, quantity_unit="H87", quantity_unit_raw="个", cn_qty_declared=500.0,
              cn_unit_declared="007", cn_unit_legal_1="007", cn_qty_legal_1=500.0, cn_unit_legal_2="035",
              cn_qty_legal_2=80.0, packages_qty=8, packages_type="CT", gross_mass_kg=95.25, net_mass_kg=80.0,
              unit_price=24.6, line_amount_value=12300.0, line_amount_currency="HKD", country_of_origin="CN",
              cn_destination_district="44199"),
    ]
    bundle = FilingBundle(
        submission=sub, transport=transport, parties=parties, consignments=consignments, goods_items=goods,
        trailers=[row("trailers", submission_id=sid, version=1, trailer_seq=1, trailer_id="HT5678",
                      type_code="FLATBED", tare_kg=6500.0)],
        equipment=[row("equipment", submission_id=sid, version=1, equipment_seq=1, container_no=CONTAINER,
                       size_type="22G1", full_empty="5", tare_kg=2230.0)],
        seals=[row("seals", submission_id=sid, version=1, equipment_seq=1, seal_seq=1, seal_id="SL0098812",
                   issuer="CARRIER")],
    )
    if with_hash:
        bundle.submission["content_hash"] = content_hash(bundle)
    return bundle


def many_lines_bundle(n: int) -> FilingBundle:
    """One consignment of ``n`` goods lines with distinct Mainland codes (none merge)."""
    b = make_bundle(trip_ref="T-MANY")
    sid = b.submission_id
    b.consignments = [b.consignments[0]]
    b.goods_items = []
    for i in range(1, n + 1):
        b.goods_items.append(_line(
            sid, 1, i, "INV-2611-001", "acme", description_en=f"Article {i}", description_zh=f"物品{i}",
            hs_hk=f"{84000000 + i:08d}", hs_cn=f"{8400000000 + i * 100:010d}",
            cn_declaration_elements=["4", "0", f"型号{i}"], quantity_value=2.0, quantity_unit="KGM",
            cn_qty_declared=2.0, cn_unit_declared="035", cn_unit_legal_1="035", cn_qty_legal_1=2.0, packages_qty=1,
            packages_type="CT", gross_mass_kg=2.5, net_mass_kg=2.0, line_amount_value=10.0 + i,
            line_amount_currency="USD", country_of_origin="CN"))
    c = b.consignments[0]
    c["total_packages_qty"] = n
    c["gross_mass_kg"] = 2.5 * n
    c["net_mass_kg"] = 2.0 * n
    c["invoice_amount_value"] = sum(10.0 + i for i in range(1, n + 1))
    b.submission["content_hash"] = content_hash(b)
    return b


@pytest.fixture(scope="session")
def reference() -> Reference:
    return Reference.load()


@pytest.fixture
def ctx(reference: Reference) -> WriterContext:
    """The context filing gives the single submission and the Hong Kong filing: no settings (they declare none)."""
    return WriterContext(reference=reference, as_of=AS_OF)


@pytest.fixture
def lmc() -> FilingBundle:
    return make_bundle()


@pytest.fixture
def hzm() -> FilingBundle:
    return make_bundle(control_point="HZM")


@pytest.fixture
def lmc_export() -> FilingBundle:
    return make_bundle(direction="HK_EXPORT")
