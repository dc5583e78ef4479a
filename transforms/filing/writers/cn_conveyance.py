"""The laden-conveyance confirmation (载货运输工具承运确报): MT4402 (export, 装载舱单, HK_IMPORT) or
MT4401 (import, HK_EXPORT), per truck, as the official schemas define them (structure.md §9, §10).

The confirmation names no waybill: it links to the manifest by the cargo transport batch number
(``Declaration/ID``), the same value as the trip's manifest (F part 1 rule 4; the official MT4402
sample carries the MT2401 sample's batch number). The schema gives one batch number per message, so a
trip (one truck, one batch) has one confirmation. There is no change message (F part 1 rule 4): a
trip filed as new gets an application (FunctionCode 2); an amendment deletes the confirmation (3)
and applies again (2), the deletion sent first (its SendTime one millisecond earlier); a cancellation
deletes it (3).
"""

from __future__ import annotations

from typing import Final

from lxml import etree

from transforms.filing.writers.cn_road import (
    CONVEYANCE_TYPE,
    builder,
    codes,
    facets,
    file_name,
    head,
    message_id,
    schema_file,
    send_time,
)
from transforms.filing.writers.cn_trip import LastBuild, Problems, Trip, Where, resolve
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.values import (
    Builder,
    MappingError,
    MappingProblem,
    as_list,
    is_missing,
    opt_text,
    text,
    to_decimal,
)
from transforms.model.bundle import FilingBundle, Row

_KG: Final = {"unitCode": "KGM"}
#: Our function code (via the manifest's CN010) -> the confirmation's function codes, in sending order.
_FUNCTIONS: Final = {"9": ("2",), "5": ("3", "2"), "3": ("3",)}
_MAX_EQUIPMENT: Final = 9     # trailers, containers and seals are 0..9 each in MT4401/MT4402
_TARE_DIGITS: Final = 5       # Declaration.TransportEquipmentTareWeightMeasureType: 5 digits, 0 decimals


def preflight(bundle: FilingBundle, ctx: WriterContext) -> list[MappingProblem]:
    """Why the trip's conveyance confirmation cannot be written (empty when it can)."""
    return _LAST(bundle, ctx, keep=True)[1]


def documents(bundle: FilingBundle, ctx: WriterContext) -> list[tuple[str, etree._Element]]:
    """The trip's conveyance confirmation message(s) as (channel file name, tree), in sending order;
    raises :class:`MappingError` when the preflight reports problems."""
    docs, problems = _LAST(bundle, ctx, keep=False)
    if problems:
        raise MappingError(problems)
    return docs


def _build(bundle: FilingBundle, ctx: WriterContext) -> tuple[list[tuple[str, etree._Element]], list[MappingProblem]]:
    mt = CONVEYANCE_TYPE[text(bundle.submission["direction"], "submissions.direction")]
    pr = Problems("conveyance confirmation", "承运确报", schema_file(mt, "2"))
    trip = resolve(bundle, ctx, pr)
    if trip is None:
        return [], pr.items
    b = builder(mt)
    docs: list[tuple[str, etree._Element]] = []
    for offset, fc in enumerate(_FUNCTIONS[trip.manifest_function]):
        root = b.root("Manifest")
        t = send_time(ctx.as_of, ctx.message_seq, offset)
        head(root, mt, fc, message_id(mt, trip.submission_id, trip.version, fc), trip.sender_id, t)
        d = b.el(root, "Declaration")
        b.el(d, "DeclarationOfficeID", trip.office)
        b.el(d, "ID", trip.batch_no)
        if fc == "2":
            _application(b, d, mt, trip, bundle, pr)
        b.el(b.el(d, "RepresentativePerson"), "Name", trip.transmitter)
        docs.append((file_name(mt, trip.sender_id, t, fc), root))
    return ([], pr.items) if pr.items else (docs, [])


def _application(b: Builder, d: etree._Element, mt: str, trip: Trip, bundle: FilingBundle, pr: Problems) -> None:
    el, tr = b.el, bundle.transport
    carrier = pr.check(opt_text(tr.get("carrier_cn_customs_code"), "transport.carrier_cn_customs_code"),
                       "Declaration.CarrierIdentificationIDType", "carrier_cn_customs_code",
                       "The carrier's Mainland customs code (承运人代码)", "承运人代码", required=False)
    if carrier is not None:
        el(el(d, "Carrier"), "ID", carrier)
    consignment = el(d, "Consignment")
    btm = el(consignment, "BorderTransportMeans")
    el(btm, "ArrivalDateTime", f"{trip.crossing:%Y%m%d%H%M%S}")   # data element 172: the expected crossing
    el(btm, "ID", pr.check(opt_text(tr.get("vehicle_customs_code"), "transport.vehicle_customs_code"),
                           "Declaration.BorderTransportMeansIdentificationIDType", "vehicle_customs_code",
                           "The vehicle's customs code (运输工具代码)", "运输工具代码") or "")
    el(btm, "Name", pr.check(opt_text(tr.get("vehicle_reg_cn"), "transport.vehicle_reg_cn"),
                             "Declaration.BorderTransportMeansNameTextType", "vehicle_reg_cn",
                             "The vehicle's Mainland plate (运输工具名称)", "运输工具名称") or "")
    el(btm, "TypeCode", trip.mode)
    if mt == "MT4401":
        _routing(b, btm, tr, pr)
    master = el(btm, "Master")
    el(master, "ID", pr.check(opt_text(tr.get("driver_cn_code"), "transport.driver_cn_code"),
                              "Declaration.MasterIdentificationIDType", "driver_cn_code",
                              "The driver's customs code (驾驶员代码)", "驾驶员代码") or "")
    b.opt(master, "Name", pr.check(opt_text(tr.get("driver_name"), "transport.driver_name"),
                                   "Declaration.MasterNameTextType", "driver_name", "The driver's name (驾驶员名称)",
                                   "驾驶员名称", required=False))
    trailers = sorted(bundle.trailers, key=lambda r: int(r["trailer_seq"]))
    _at_most(len(trailers), "trailers", "Trailers (托架或拖挂车)", "托架或拖挂车", pr)
    for trailer in trailers:
        _trailer(b, btm, trailer, pr)
    _seals(b, btm, "CarSealID", bundle.seals_of(0), pr)
    containers = sorted(bundle.equipment, key=lambda r: int(r["equipment_seq"]))
    _at_most(len(containers), "equipment", "Containers (集装箱)", "集装箱", pr)
    for eq in containers:
        _container(b, consignment, bundle, eq, pr)


def _routing(b: Builder, btm: etree._Element, tr: Row, pr: Problems) -> None:
    for code in [str(x) for x in as_list(tr.get("itinerary_countries")) if not is_missing(x)][:99]:
        if code not in codes("CN001"):
            pr.bad("itinerary_countries", code, "Routing country (途经国家代码, CN001)", "途经国家代码",
                   ("is not in the code list", "不在代码表中"))
        b.el(btm, "RoutingCountryCode", code)


def _at_most(n: int, field: str, what_en: str, what_zh: str, pr: Problems) -> None:
    if n > _MAX_EQUIPMENT:
        pr.bad(field, str(n), f"The number of {what_en.lower()}", f"{what_zh}数量",
               (f"is more than the {_MAX_EQUIPMENT} one confirmation can list", f"超过 {_MAX_EQUIPMENT} 个"))


def _tare(value: object, field: str, what_en: str, what_zh: str, where: Where, pr: Problems) -> str:
    """Tare in whole kilograms (5 digits at most), rounded half up."""
    if is_missing(value):
        pr.missing(field, what_en, what_zh, where)
        return ""
    kg = to_decimal(value, 0, field)
    if kg.adjusted() >= _TARE_DIGITS:
        pr.bad(field, f"{kg:f}", what_en, what_zh, ("has more than 5 digits", "超过 5 位"), where)
    return f"{kg:f}"


def _trailer(b: Builder, btm: etree._Element, trailer: Row, pr: Problems) -> None:
    el = b.el
    seq = int(trailer["trailer_seq"])
    what = f"Trailer {seq}"
    e = el(btm, "TransportEquipment")
    el(e, "ID", pr.check(text(trailer["trailer_id"], "trailers.trailer_id"),
                         "Declaration.TransportEquipmentIdentificationIDType", "trailer_id",
                         f"{what} number (托架或拖挂车编号)", "托架或拖挂车编号") or "")
    el(e, "TareWeight", _tare(trailer.get("tare_kg"), "tare_kg", f"{what} tare (托架或拖挂车自重)", "托架或拖挂车自重",
                              Where(), pr), _KG)
    b.opt(e, "TypeCode", pr.check(opt_text(trailer.get("type_code"), "trailers.type_code"),
                                  "Declaration.TransportEquipmentAttachedCodeType", "type_code",
                                  f"{what} type (托架或拖挂车类型代码, CC019 01-04)", "托架或拖挂车类型代码",
                                  required=False))


_SEAL_TYPE: Final = "Declaration.TransportEquipmentSealIDType"


def _seal_text(s: Row, pr: Problems) -> str | None:
    """The seal as the channel writes it: M|E / number @ sealing party (CN017), e.g. M/SL120034@CA.
    A seal number already in that form (or 0000) is sent as it is; otherwise it is composed from the
    record's seal type and sealing party, never guessed when one is missing."""
    number = text(s["seal_id"], "seals.seal_id")
    if facets(_SEAL_TYPE, pr.file).problem(number) is None:
        return number
    kind = opt_text(s.get("seal_type"), "seals.seal_type")
    party = opt_text(s.get("sealing_party"), "seals.sealing_party")
    if kind is None:
        pr.missing("seal_type", f"The type of seal {number} (封志类型, M mechanical or E electronic)",
                   f"封志 {number} 的封志类型（M 机械封志或 E 电子封志）",
                   fix_en="the trip plan's seal_type or trader.yaml's carrier.seal_type gives it",
                   fix_zh="在车次计划的 seal_type 列或 trader.yaml 的 carrier.seal_type 中填写")
    if party is None:
        pr.missing("sealing_party", f"The sealing party of seal {number} (施加封志人类型, CN017)",
                   f"封志 {number} 的施加封志人类型（CN017）",
                   fix_en="the trip plan's sealing_party or trader.yaml's carrier.sealing_party gives it",
                   fix_zh="在车次计划的 sealing_party 列或 trader.yaml 的 carrier.sealing_party 中填写")
    if kind is None or party is None:
        return None
    return pr.check(f"{kind}/{number}@{party}", _SEAL_TYPE, "seal_id", "Seal (封志)", "封志号码")


def _seals(b: Builder, parent: etree._Element, tag: str, seals: list[Row], pr: Problems) -> None:
    _at_most(len(seals), "seals", "Seals (封志)", "封志", pr)
    for s in sorted(seals, key=lambda r: int(r["seal_seq"])):
        b.el(parent, tag, _seal_text(s, pr) or "")


def _container(b: Builder, consignment: etree._Element, bundle: FilingBundle, eq: Row, pr: Problems) -> None:
    el = b.el
    box = text(eq["container_no"], "equipment.container_no")
    what = f"Container {box}"
    e = el(consignment, "TransportEquipment")
    el(e, "CharacteristicCode", pr.check(opt_text(eq.get("size_type"), "equipment.size_type"),
                                         "Declaration.TransportEquipmentCharacteristicCodeType", "size_type",
                                         f"{what} size and type (集装箱尺寸和类型)", "集装箱尺寸和类型") or "")
    el(e, "FullnessCode", pr.check(opt_text(eq.get("full_empty"), "equipment.full_empty"),
                                   "Declaration.TransportEquipmentFullnessCodeType", "full_empty",
                                   f"{what} full/empty indicator (重箱或者空箱标识, CN016)", "重箱或者空箱标识") or "")
    el(e, "ID", pr.check(box, "Declaration.TransportEquipmentIdentificationIDType", "container_no",
                         f"{what} number (集装箱编号)", "集装箱编号") or "")
    _seals(b, e, "SealID", bundle.seals_of(int(eq["equipment_seq"])), pr)
    tare = _tare(eq.get("tare_kg"), "tare_kg", f"{what} tare (集装箱自重)", "集装箱自重", Where(), pr)
    el(e, "TareWeight", tare, _KG)


_LAST: Final = LastBuild(_build)
