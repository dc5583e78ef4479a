"""Writer speed: render + validate the three XML files for many bundles and print the figures.

    .venv/bin/python -m bench.writers_speed [--bundles 2000] [--items 10]

Not a test. Each bundle is one trip with one consignment of ``--items`` goods lines with every
canonical column filled (no two lines merge), a trailer and a sealed container. Timing covers
``render`` of all three writers plus one XSD validation per file (``schemas.validate``: parse + validate);
building the bundles is not timed.
"""

from __future__ import annotations

import argparse
import gc
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from lxml import etree

from transforms.filing.writers.base import Filer, Output
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.registry import declared_settings, for_trip
from transforms.model.bundle import FilingBundle, content_hash
from transforms.model.canonical import row
from transforms.model.reference import Reference
from transforms.plumbing.settings import Settings

AS_OF = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
_NS = uuid.UUID("00000000-0000-5000-8000-00000000be9c")


def bundle(n: int, items: int) -> FilingBundle:
    """Bench trip ``n``: one consignment of ``items`` goods lines, a trailer and a sealed container."""
    sid = str(uuid.uuid5(_NS, f"bench|{n}"))
    key = {"submission_id": sid, "version": 1}
    sub = row("submissions", **key, function_code="9", direction="HK_IMPORT", mode="3", control_point="LMC",
               trip_ref=f"B{n:06d}", carrier_code="HKTRUCK",
               expected_crossing_at=datetime(2026, 11, 25, 2, 30, tzinfo=UTC),
               crossing_date=date(2026, 11, 25), created_at=AS_OF, cn_trip_batch_no=f"HKTRUCKB{n:06d}",
               source_files=["bench/lines.csv " + "0" * 64], profile_versions=["bench@1.0.0"],
               reference_versions=["xw_unit_rec20_cn@2024-01-01"], src_file="bench/trips.csv", src_row=n + 2)
    transport = row("transport", **key, vehicle_reg_hk="XY1234", vehicle_reg_cn="粤Z·A123港",
                     vehicle_customs_code="440300123456", driver_name="陈大文", driver_cn_code="D4403001234",
                     driver_hk_id_masked="A123***(*)", driver_phone="+852 9000 0000", carrier_code="HKTRUCK",
                     carrier_name="HK Cross-border Truck Ltd", carrier_cn_customs_code="4403980009",
                     itinerary_countries=["CN", "HK"], src_file="bench/trips.csv", src_row=n + 2)
    parties = _parties(key)
    goods = _goods_items(n, key, items)
    consignment = row("consignments", **key, consignment_seq=1, trader="acme", invoice_no=f"INV-{n}",
                       ucr=f"acme-INV-{n}", cn_bill_no=f"B{n:08d}", total_packages_qty=items, total_packages_type="CT",
                       total_packages_derived=True, package_description="Carton", gross_mass_kg=13.2 * items,
                       net_mass_kg=12.5 * items, stated_gross_mass_kg=13.2 * items, gross_volume_m3=1.5,
                       invoice_amount_value=sum(100.0 + i for i in range(1, items + 1)),
                       invoice_amount_currency="USD", incoterm="FOB", cn_transaction_method="3",
                       freight_payment_method="1", cn_trade_mode="0110", cn_levy_nature="101",
                       cn_procedure_code="RD01", cn_origin_district="44031", country_of_consignment="CN",
                       country_of_destination="HK", equipment_refs=["CSQU3054383"], place_of_loading="CNSZX",
                       contract_no=f"CT-{n}", trading_country="HK", cn_foreign_port="HKG000",
                       marks_and_numbers="N/M", goods_place="皇岗口岸监管场站", cn_entry_type="M", cn_decl_trn_rel="0",
                       src_file="bench/lines.csv", src_row=2)
    b = FilingBundle(
        submission=sub, transport=transport, parties=parties, consignments=[consignment], goods_items=goods,
        trailers=[row("trailers", **key, trailer_seq=1, trailer_id="HT5678", type_code="02", tare_kg=6500.0)],
        equipment=[row("equipment", **key, equipment_seq=1, container_no="CSQU3054383", size_type="22G1",
                        full_empty="5", tare_kg=2230.0)],
        seals=[row("seals", **key, equipment_seq=1, seal_seq=1, seal_id="M/SL0098812@CA", issuer="CARRIER")],
    )
    b.submission["content_hash"] = content_hash(b)
    return b


def _parties(key: dict[str, Any]) -> list[dict[str, Any]]:
    """Consignor, consignee, both declarants, and the Mainland record's owner and exporter."""
    party = dict(address_city="Shenzhen", address_postcode="518000", contact_name="Li Lei",
                 contact_phone="+86 755 8888 0001", contact_email="ops@example.com", src_file="bench/trader.yaml")
    return [
        row("parties", **key, consignment_seq=1, role="CONSIGNOR", name="Shenzhen Acme Metals Co., Ltd.",
             name_zh="深圳市艾克美金属有限公司", address_lines="18 Keji South Road", address_country="CN",
             ids_cn_uscc="91440300MA5F00012K", ids_cn_customs_code="4403960001", **party),
        row("parties", **key, consignment_seq=1, role="CONSIGNEE", name="Kowloon Trading Limited",
             name_zh="九龍貿易有限公司", address_lines="5 Canton Road", address_country="HK", ids_hk_brn="12345678",
             **party),
        row("parties", **key, consignment_seq=0, role="DECLARANT_CN", name="Huanggang Brokerage",
             name_zh="深圳市皇岗报关有限公司", ids_cn_customs_code="4403180077"),
        row("parties", **key, consignment_seq=0, role="DECLARANT_HK", name="Kowloon Customs Brokers Ltd",
             ids_hk_brn="55554444"),
        # the Mainland record: 生产销售单位 (owner) and 境内收发货人 (exporter) of goods leaving the Mainland
        *(row("parties", **key, consignment_seq=1, role=role, name="Shenzhen Acme Metals Co., Ltd.",
              name_zh="深圳市艾克美金属有限公司", ids_cn_uscc="91440300MA5F00012K", ids_cn_customs_code="4403960001")
          for role in ("OWNER", "EXPORTER")),
    ]


def _goods_items(n: int, key: dict[str, Any], items: int) -> list[dict[str, Any]]:
    """``items`` goods lines with every canonical column filled, none alike (no two lines merge)."""
    return [
        row("goods_items", **key, consignment_seq=1, line_no=i, trader="acme", invoice_no=f"INV-{n}", sku=f"SKU-{i}",
             description_en=f"Article number {i}", description_zh=f"物品{i}", hs_hk=f"{84000000 + i:08d}",
             hs_cn=f"{8400000000 + i * 100:010d}", cn_ciq_code="999", cn_declaration_elements=["4", "0", f"型号{i}"],
             brand="无品牌", model=f"M-{i}", quantity_value=12.5, quantity_unit="KGM", quantity_unit_raw="千克",
             cn_qty_declared=12.5, cn_unit_declared="035", cn_qty_legal_1=12.5, cn_unit_legal_1="035",
             cn_qty_legal_2=3.0, cn_unit_legal_2="007", hk_qty=12.5, hk_unit="KG", packages_qty=1, packages_type="CT",
             gross_mass_kg=13.2, net_mass_kg=12.5, unit_price=8.0, line_amount_value=100.0 + i,
             line_amount_currency="USD", country_of_origin="CN", cn_origin_place="44031",
             cn_destination_district="44031", dangerous_goods_un_number="1234", dangerous_goods_class="3",
             src_file="bench/lines.csv", src_sheet="", src_row=i + 1)
        for i in range(1, items + 1)
    ]


#: the demo broker of the official road manifest samples (cn-manifest/samples): a valid SenderID
SENDER = "5345766374655_DXPESW0000001256"


TRANSMITTER = "深圳市示例报关有限公司"

#: a trip's writers, each with the context filing gives it
TripWriters = Callable[[FilingBundle], list[tuple[Filer, WriterContext]]]


def settings() -> Settings:
    """The run's settings, the Mainland ones (which the Mainland writers declare) set to the demo broker's."""
    return Settings(cn_sender_id=SENDER, cn_transmitter_name=TRANSMITTER)


def trip_writers() -> TripWriters:
    """As filing does it: each writer's declared settings read once, then per trip the writers that
    apply, each given the run's context with its own settings."""
    run, declared = WriterContext(reference=Reference.load(), as_of=AS_OF), declared_settings(settings())
    return lambda b: for_trip(b, run, declared)


def _outputs(b: FilingBundle, writers: list[tuple[Filer, WriterContext]]) -> list[Output]:
    return [out for w, ctx in writers for out in w.outputs(b, ctx)]


def _elements(b: FilingBundle, writers: TripWriters) -> dict[str, int]:
    """Elements per writer (the files of one writer summed) for one bundle."""
    counts: dict[str, int] = {}
    for w, ctx in writers(b):
        counts[w.id] = sum(sum(1 for _ in etree.fromstring(o.data).iter()) for o in w.outputs(b, ctx))
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundles", type=int, default=2000)
    ap.add_argument("--items", type=int, default=10)
    ap.add_argument("--side-by-side", action="store_true", help="also publish both ways and compare")
    args = ap.parse_args()
    writers = trip_writers()
    bundles = [bundle(n, args.items) for n in range(args.bundles)]
    gc.collect()
    gc.freeze()  # the prepared bundles are not the writers' garbage: keep them out of every GC pass
    _outputs(bundles[0], writers(bundles[0]))  # warm up: schemas compiled, code lists loaded

    total = 0.0
    size = files = 0
    for b in bundles:
        t0 = time.perf_counter()
        trip = writers(b)
        for w, ctx in trip:
            if w.preflight(b, ctx):
                raise SystemExit(f"{w.id}: preflight problem")
        outs = _outputs(b, trip)   # rendered and validated
        total += time.perf_counter() - t0
        size += sum(len(o.data) for o in outs)
        files += len(outs)

    goods = args.bundles * args.items
    per_item = {k: v / args.items for k, v in _elements(bundles[0], writers).items()}
    more, base = _elements(bundle(0, args.items + 1), writers), _elements(bundle(0, args.items), writers)
    print(f"bundles: {args.bundles} x {args.items} goods items = {goods} goods items, "
          f"{files / args.bundles:.0f} files each")
    print(f"preflight + render + validate: {total:8.3f} s   ({total / goods * 1e3:.3f} ms per goods item)")
    print(f"goods items per second (all files): {goods / total:,.0f}")
    for wid in base:
        print(f"  {wid:14s} elements per goods item {per_item[wid]:6.1f} (incl. header share); "
              f"{more[wid] - base[wid]} per additional item")
    print(f"output: {size / args.bundles / 1024:.1f} KiB per bundle")
    if args.side_by_side:
        side_by_side(bundles, writers, goods)


def side_by_side(bundles: list[FilingBundle], writers: TripWriters, goods: int) -> None:
    """Publish the same bundles twice: the obvious route (one process; per file: preflight, render,
    validate, write + fsync + rename) and ours (``file_submissions``: two worker processes, the
    Mainland plan computed once, one data sync per chunk, plus the ledger's decide and record)."""
    import tempfile
    from pathlib import Path

    from transforms.filing.ledger import Ledger
    from transforms.filing.submissions import file_submissions
    from transforms.plumbing.atomic import write_atomic

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        for b in bundles:
            for w, ctx in writers(b):
                if w.preflight(b, ctx):
                    raise SystemExit("preflight problem")
                for out in w.outputs(b, ctx):   # validated trees
                    target = root / "obvious" / out.relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    write_atomic(target, out.data, None)
        obvious = time.perf_counter() - t0
        ws = root / "ours"
        ws.mkdir()
        t0 = time.perf_counter()
        results = file_submissions(bundles, held={}, ledger=Ledger(ws / "ledger.sqlite"), workspace=ws, run_id="bench",
                                   as_of=AS_OF, settings=settings(), workers=2,
                                   traders={b.submission_id: "acme" for b in bundles})
        ours = time.perf_counter() - t0
        assert all(r.status == "filed" for r in results), {r.status for r in results}
    print(f"obvious route (1 process, fsync per file): {obvious:7.2f} s  {goods / obvious:8,.0f} goods items/s")
    print(f"ssdd (2 workers, batched sync, + ledger):   {ours:7.2f} s  {goods / ours:8,.0f} goods items/s  "
          f"({obvious / ours:.2f}x)")


if __name__ == "__main__":
    main()
