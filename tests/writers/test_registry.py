"""The writer registry and the conformance every writer gets for free."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.writers.conftest import make_bundle
from tests.writers.dec_bundles import dec_bundle
from tests.writers.mainland import mainland_ctx
from transforms.assembly.assemble import assemble
from transforms.devtools.samples import AS_OF, write_sample_inbox
from transforms.filing.writers.context import DEFAULT_SENDER_ID, WriterContext
from transforms.filing.writers.registry import (
    ALL_WRITERS,
    DOCUMENT_WRITERS,
    applicable,
    single_window_form,
    validate,
    writer,
)
from transforms.filing.writers.schemas import SCHEMA_DIR
from transforms.ingest.folders import ingest_trader
from transforms.ingest.profiles.registry import load_profiles
from transforms.model.bundle import split_bundles
from transforms.model.reference import Reference
from transforms.plumbing.timeutil import parse_as_of


def test_registry_is_explicit_and_ordered() -> None:
    assert [w.id for w in ALL_WRITERS] == ["single", "hk", "cn_dec", "cn_manifest", "cn_conveyance"]
    assert [w.folder for w in DOCUMENT_WRITERS] == ["single", "hk"]
    assert writer("hk") is ALL_WRITERS[1]


def test_unknown_writer_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="single, hk"):
        writer("sea")


def test_each_writer_declares_its_single_window_form() -> None:
    """Declarations go to the client's declaration form, road messages to its manifest form."""
    assert [single_window_form(k) for k in ("single", "hk", "cn_dec_1", "cn_dec_12", "cn_manifest",
                                           "cn_conveyance", "cn_conveyance_delete")] == [
        None, None, "dec", "dec", "manifest", "manifest", "manifest"]


def test_writers_apply_to_road_trips_and_a_cancellation_sends_no_declaration() -> None:
    b = make_bundle()
    assert [w.id for w in applicable(b)] == ["single", "hk", "cn_dec", "cn_manifest", "cn_conveyance"]
    assert [w.id for w in applicable(b.stamp(2, "1"))] == ["single", "hk", "cn_manifest", "cn_conveyance"]
    b.submission["mode"] = "1"   # sea: no road manifest, no road declaration writer
    assert [w.id for w in applicable(b)] == ["single", "hk"]


@pytest.mark.parametrize("w", DOCUMENT_WRITERS, ids=lambda w: w.id)
@pytest.mark.parametrize("direction", ["HK_IMPORT", "HK_EXPORT"])
@pytest.mark.parametrize("control_point", ["LMC", "MKT", "STK"])
def test_every_document_writer_renders_a_valid_file(w, direction: str,  # type: ignore[no-untyped-def]
                                                    control_point: str, ctx: WriterContext) -> None:
    b = make_bundle(direction=direction, control_point=control_point)
    assert w.preflight(b, ctx) == []
    assert (SCHEMA_DIR / w.schema).is_file()
    assert w.filename(b) == f"{b.submission_id}_v1.xml"
    assert validate(w.id, w.render(b, ctx)) == []
    [out] = w.outputs(b, ctx)
    assert (out.key, out.relative) == (w.id, f"outbox/{w.id}/{b.submission_id}_v1.xml")


@pytest.mark.parametrize("direction", ["HK_IMPORT", "HK_EXPORT"])
@pytest.mark.parametrize("control_point", ["LMC", "MKT", "STK"])
def test_every_writer_gives_validated_outputs_for_a_complete_trip(direction: str, control_point: str,
                                                                  reference: Reference) -> None:
    b = dec_bundle(direction=direction, control_point=control_point)
    b.submission["cn_trip_batch_no"] = "530120261125A"
    for c, bill in zip(b.consignments, ("HKTRUCKB0001", "HT88017"), strict=False):
        c["cn_bill_no"] = bill
    b.trailers[0]["type_code"] = "02"
    b.seals[0]["seal_id"] = "M/SL0098812@CA"
    ctx = mainland_ctx(reference)
    assert [p.message_en for w in applicable(b) for p in w.preflight(b, ctx)] == []
    outs = [o for w in applicable(b) for o in w.outputs(b, ctx)]
    manifest, conveyance = ("MT2401", "MT4402") if direction == "HK_IMPORT" else ("MT1401", "MT4401")
    assert [(o.key, o.relative) for o in outs] == [
        ("single", f"outbox/single/{b.submission_id}_v1.xml"),
        ("hk", f"outbox/hk/{b.submission_id}_v1.xml"),
        ("cn_dec_1", f"outbox/cn/dec/{b.submission_id}_v1_dec1.xml"),
        ("cn_dec_2", f"outbox/cn/dec/{b.submission_id}_v1_dec2.xml"),
        # SendTime 16:00:00.123 HK (slot 0): FunctionCode 9 manifest, application 2 confirmation
        ("cn_manifest", f"outbox/cn/rmft/CN_{manifest}_1p0_5301123456789_2026112516000012309.xml"),
        ("cn_conveyance", f"outbox/cn/rmft/CN_{conveyance}_1p0_5301123456789_2026112516000012302.xml"),
    ]


def test_context_requires_an_aware_as_of(reference: Reference) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        WriterContext(reference=reference, as_of=datetime(2026, 11, 25, 8, 0))
    with pytest.raises(ValueError, match="max_items"):
        WriterContext(reference=reference, as_of=datetime.fromisoformat("2026-11-25T08:00+08:00"), max_items=0)


def test_context_defaults_match_the_filing_step(reference: Reference) -> None:
    # transforms/filing/submissions.py builds WriterContext(reference=, as_of=, max_items=) only
    ctx = WriterContext(reference=reference, as_of=datetime.fromisoformat("2026-11-25T08:00+08:00"), max_items=7)
    assert (ctx.max_items, ctx.sender_id, ctx.crossing_date) == (7, DEFAULT_SENDER_ID, None)


def test_code_lists_follow_the_crossing_date(reference: Reference) -> None:
    """HYW's crosswalk row is valid from 2020-08-26 (cargo opening): before it, no office code."""
    b = make_bundle(control_point="HYW")
    as_of = datetime.fromisoformat("2026-11-25T08:00+08:00")
    early = WriterContext(reference=reference, as_of=as_of, crossing_date=datetime(2020, 8, 1).date())
    late = WriterContext(reference=reference, as_of=as_of)
    assert any("customs office" in p.message_en for w in ALL_WRITERS for p in w.preflight(b, early))
    assert not any("customs office" in p.message_en for w in ALL_WRITERS for p in w.preflight(b, late))


class _SeaCargoWriter:
    """A writer added from the tests folder only: a sea-mode (Rec 19 mode 1) cargo report."""

    id = "sea_cargo"
    folder = "sea"
    single_window_form = None

    def applies_to(self, bundle) -> bool:  # type: ignore[no-untyped-def]
        return str(bundle.submission.get("mode")) == "1"

    def preflight(self, bundle, ctx):  # type: ignore[no-untyped-def]
        return []

    def outputs(self, bundle, ctx):  # type: ignore[no-untyped-def]
        from transforms.filing.writers.base import Output

        return [Output(self.id, self.folder, f"{bundle.submission_id}_v{bundle.version}.xml", b"<SeaCargo/>")]


def test_a_writer_declared_elsewhere_is_picked_only_for_the_trips_it_applies_to(ctx: WriterContext) -> None:
    writers = (*ALL_WRITERS, _SeaCargoWriter())
    road, sea = make_bundle(), make_bundle()
    sea.submission["mode"] = "1"
    assert [w.id for w in applicable(road, writers)] == ["single", "hk", "cn_dec", "cn_manifest", "cn_conveyance"]
    assert [w.id for w in applicable(sea, writers)] == ["single", "hk", "sea_cargo"]
    [out] = [o for w in applicable(sea, writers) if w.id == "sea_cargo" for o in w.outputs(sea, ctx)]
    assert out.relative == f"outbox/sea/{sea.submission_id}_v1.xml"


def test_a_sea_trip_in_the_trip_plan_reaches_the_sea_writer(tmp_path: Path, reference: Reference) -> None:
    """The mode comes from the data: the sample inbox with acme's trip-plan row marked sea (海运, Rec 19
    mode 1) gives that trip the sea writer and none of the road ones; mingfai's plan, without the column,
    stays road."""
    inbox = write_sample_inbox(tmp_path)
    plan = inbox / "acme" / "trip_plan.csv"
    header, row = plan.read_text(encoding="utf-8-sig").splitlines()
    plan.write_text(f"{header},运输方式\n{row},海运\n", encoding="utf-8-sig")
    ingested = [ingest_trader(inbox / t, inbox, load_profiles(), reference) for t in ("acme", "mingfai")]
    asm = assemble([i.input for i in ingested if i.input is not None], reference, as_of=parse_as_of(AS_OF),
                   pending_max_age=timedelta(hours=48))
    writers = (*ALL_WRITERS, _SeaCargoWriter())
    picked = {b.submission["trip_ref"]: [w.id for w in applicable(b, writers)] for b in split_bundles(asm.frames)}
    road = ["single", "hk", "cn_dec", "cn_manifest", "cn_conveyance"]
    assert picked == {"AC-T101": ["single", "hk", "sea_cargo"], "MF-T001": road, "MF-T002": road}
