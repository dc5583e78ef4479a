"""The writer registry and the conformance every writer gets for free."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

import pytest

from tests.writers.conftest import AS_OF, make_bundle
from tests.writers.dec_bundles import dec_bundle
from tests.writers.mainland import SENDER, TRANSMITTER
from transforms.filing.writers.base import Declared, Output, Trips
from transforms.filing.writers.cn_settings import MainlandSettings
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.registry import (
    ALL_WRITERS,
    DOCUMENT_WRITERS,
    applicable,
    declared_settings,
    for_trip,
    single_window_form,
    validate,
    writer,
)
from transforms.filing.writers.schemas import SCHEMA_DIR
from transforms.model.reference import Reference
from transforms.plumbing.settings import Settings

#: the run's settings with the Mainland ones set as a broker sets them
RUN_SETTINGS = dict(cn_sender_id=SENDER, cn_transmitter_name=TRANSMITTER, max_items_per_declaration=40)


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


def test_what_each_writer_applies_to_is_declared_as_data() -> None:
    assert {w.id: w.trips for w in ALL_WRITERS} == {   # type: ignore[attr-defined]
        "single": Trips(), "hk": Trips(),
        "cn_dec": Trips(modes=("3",), function_codes=("9", "5")),   # a cancellation sends no declaration
        "cn_manifest": Trips(modes=("3",)), "cn_conveyance": Trips(modes=("3",))}
    b = make_bundle(direction="HK_EXPORT")
    assert Trips(directions=("HK_EXPORT",)).match(b) and not Trips(directions=("HK_IMPORT",)).match(b)


def test_each_writer_is_given_only_the_settings_it_declares(reference: Reference) -> None:
    """The Mainland writers get the Mainland settings; the single submission and the Hong Kong
    filing declare none and see none."""
    declared = declared_settings(Settings(**RUN_SETTINGS))
    mainland = MainlandSettings(**RUN_SETTINGS)  # type: ignore[arg-type]
    assert declared == {"single": None, "hk": None, "cn_dec": mainland, "cn_manifest": mainland,
                        "cn_conveyance": mainland}
    run = WriterContext(reference=reference, as_of=AS_OF, message_seq=4)
    given = {w.id: ctx for w, ctx in for_trip(make_bundle(), run, declared)}
    assert given["single"].settings is None and given["hk"].settings is None
    assert all(c.settings == mainland and c.message_seq == 4 for k, c in given.items() if k.startswith("cn_"))
    with pytest.raises(TypeError, match="NoneType settings, not the MainlandSettings"):
        given["hk"].settings_as(MainlandSettings)


def test_mainland_settings_are_settings_fields_with_their_defaults() -> None:
    """Read by name from the run's settings: a renamed or re-defaulted setting must change both."""
    model = Settings.model_fields
    assert {f.name: f.default for f in fields(MainlandSettings)} == {
        name: model[name].default for name in ("cn_sender_id", "cn_transmitter_name", "max_items_per_declaration")}


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
    writers = for_trip(b, WriterContext(reference=reference, as_of=AS_OF), declared_settings(Settings(**RUN_SETTINGS)))
    assert [p.message_en for w, ctx in writers for p in w.preflight(b, ctx)] == []
    outs = [o for w, ctx in writers for o in w.outputs(b, ctx)]
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
    with pytest.raises(ValueError, match="max_items_per_declaration"):
        MainlandSettings(max_items_per_declaration=0)


def test_code_lists_follow_the_crossing_date(reference: Reference) -> None:
    """HYW's crosswalk row is valid from 2020-08-26 (cargo opening): before it, no office code."""
    b = make_bundle(control_point="HYW")
    as_of = datetime.fromisoformat("2026-11-25T08:00+08:00")
    early = WriterContext(reference=reference, as_of=as_of, crossing_date=datetime(2020, 8, 1).date())
    late = WriterContext(reference=reference, as_of=as_of)
    declared = declared_settings(Settings(**RUN_SETTINGS))
    assert any("customs office" in p.message_en for w, c in for_trip(b, early, declared) for p in w.preflight(b, c))
    assert not any("customs office" in p.message_en for w, c in for_trip(b, late, declared) for p in w.preflight(b, c))


@dataclass(frozen=True)
class _SeaCargoSettings:
    """What the sea writer needs, named as the run's settings name it."""

    sea_cargo_agent: str


class _SettingsWithSea(Settings):
    """The settings model as the sea feature would extend it (the one settings model gets a field)."""

    sea_cargo_agent: str = "HKSEA-AGENT-01"


class _SeaCargoWriter(Declared):
    """A writer added from the tests folder only: a sea-mode (Rec 19 mode 1) cargo report, declaring
    the trips it applies to and the setting it needs, as the house's writers do."""

    id = "sea_cargo"
    folder = "sea"
    trips = Trips(modes=("1",))
    settings_type = _SeaCargoSettings

    def preflight(self, bundle, ctx):  # type: ignore[no-untyped-def]
        return []

    def outputs(self, bundle, ctx):  # type: ignore[no-untyped-def]
        agent = ctx.settings_as(_SeaCargoSettings).sea_cargo_agent
        return [Output(self.id, self.folder, f"{bundle.submission_id}_v{bundle.version}.xml",
                       f'<SeaCargo agent="{agent}"/>'.encode())]


def test_a_writer_declared_elsewhere_is_picked_only_for_the_trips_it_applies_to(reference: Reference) -> None:
    writers = (*ALL_WRITERS, _SeaCargoWriter())
    road, sea = make_bundle(), make_bundle()
    sea.submission["mode"] = "1"
    assert [w.id for w in applicable(road, writers)] == ["single", "hk", "cn_dec", "cn_manifest", "cn_conveyance"]
    assert [w.id for w in applicable(sea, writers)] == ["single", "hk", "sea_cargo"]
    # its setting is read from the run's settings, as the Mainland writers' are, and given to it alone
    declared = declared_settings(_SettingsWithSea(**RUN_SETTINGS, sea_cargo_agent="HKSEA-7"), writers)
    assert declared["sea_cargo"] == _SeaCargoSettings("HKSEA-7")
    given = dict(for_trip(sea, WriterContext(reference=reference, as_of=AS_OF), declared, writers))
    assert [c.settings for c in given.values()] == [None, None, _SeaCargoSettings("HKSEA-7")]
    [out] = [o for w, c in given.items() if w.id == "sea_cargo" for o in w.outputs(sea, c)]
    assert (out.relative, out.data) == (f"outbox/sea/{sea.submission_id}_v1.xml", b'<SeaCargo agent="HKSEA-7"/>')


def test_a_setting_the_settings_model_lacks_fails_before_filing() -> None:
    with pytest.raises(TypeError, match="'sea_cargo' declares the setting 'sea_cargo_agent'"):
        declared_settings(Settings(), (*ALL_WRITERS, _SeaCargoWriter()))
