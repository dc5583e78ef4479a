"""Bundles and context for the Mainland road-message tests: the reference trip of ``conftest``
with the values the official schemas demand (a 13-character batch number, waybill numbers of
capitals and digits, a CC019 trailer type, seals written ``M|E/number@party``)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.writers.conftest import make_bundle
from transforms.filing.writers.cn_settings import MainlandSettings
from transforms.filing.writers.context import WriterContext
from transforms.model.bundle import FilingBundle, content_hash
from transforms.model.canonical import row
from transforms.model.reference import Reference

AS_OF = datetime(2026, 11, 25, 8, 0, 0, 123000, tzinfo=UTC)   # 16:00:00.123 in Hong Kong
SENDER = "5301123456789_DXPESW0000012345"
TRANSMITTER = "香港跨境货运有限公司"
BATCH = "530120261125A"


def mainland_bundle(direction: str = "HK_IMPORT", function_code: str = "9", version: int = 1) -> FilingBundle:
    b = make_bundle(direction=direction, with_hash=False)
    b.submission["cn_trip_batch_no"] = BATCH
    b.consignments[0]["cn_bill_no"] = "HKTRUCKB0001"
    b.consignments[1]["cn_bill_no"] = "HT88017"
    b.trailers[0]["type_code"] = "02"
    b.seals[0]["seal_id"] = "M/SL0098812@CA"
    b.seals.append(row("seals", submission_id=b.submission_id, version=1, equipment_seq=0, seal_seq=1,
                       seal_id="E/4403000123@CU", issuer="CUSTOMS"))
    b.transport["vehicle_customs_code"] = "440300123456"
    b.transport["driver_cn_code"] = "D4403001234"
    b.submission["content_hash"] = content_hash(b)
    return b.stamp(version, function_code) if (version, function_code) != (1, "9") else b


def mainland_ctx(reference: Reference, message_seq: int = 0, **settings: object) -> WriterContext:
    """The context filing gives a Mainland writer: the run's, with the Mainland settings (``settings``
    overrides them by setting name: ``cn_sender_id=``, ``max_items_per_declaration=``…)."""
    values: dict[str, object] = dict(cn_sender_id=SENDER, cn_transmitter_name=TRANSMITTER)
    values.update(settings)
    return WriterContext(reference=reference, as_of=AS_OF, message_seq=message_seq,
                         settings=MainlandSettings(**values))  # type: ignore[arg-type]
