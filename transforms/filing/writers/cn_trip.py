"""The trip-level values every Mainland road message carries, resolved once with the sentences that
hold a trip when one is missing or does not fit the official schema.

Nothing here is a default: a value the message needs comes from the record, the trip's crosswalks or
the settings (``cn_sender_id``, ``cn_transmitter_name``), or the trip is held with one sentence that
names the value and what was expected, in English and Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from transforms.filing.writers.cn_road import MANIFEST_TYPE, SCHEMAS, codes, facets
from transforms.filing.writers.cn_settings import MainlandSettings
from transforms.filing.writers.context import XW_CHANGE_REASON, XW_FUNCTION_CODE, WriterContext, control_point_problem
from transforms.filing.writers.values import MappingProblem, hk_time, opt_text, problem, text
from transforms.model.bundle import FilingBundle, Row

_SHOWN: Final = 40   # characters of a value quoted in a sentence


@dataclass(frozen=True)
class Where:
    """Which consignment / goods line a value belongs to (None = the trip)."""

    seq: int | None = None
    line: int | None = None

    def en(self) -> str:
        if self.seq is None:
            return ""
        return f" of consignment {self.seq}" + ("" if self.line is None else f", line {self.line}")

    def zh(self) -> str:
        if self.seq is None:
            return ""
        return f"第 {self.seq} 票" + ("" if self.line is None else f"第 {self.line} 项")


TRIP: Final = Where()


class Problems:
    """Collects the reasons one message cannot be written, worded the same way everywhere."""

    def __init__(self, message_en: str, message_zh: str, file: str = SCHEMAS[("MT2401", "9")]) -> None:
        self.items: list[MappingProblem] = []
        self.message_en, self.message_zh, self.file = message_en, message_zh, file

    @property
    def _need(self) -> str:
        return "need" if " and " in self.message_en else "needs"

    def missing(self, field: str, what_en: str, what_zh: str, where: Where = TRIP, fix_en: str = "",
                fix_zh: str = "") -> None:
        self.items.append(problem(
            "cn", field, None, None,
            f"{what_en}{where.en()} is missing; the Mainland {self.message_en} {self._need} it, so the trip is held "
            f"until {fix_en or 'it is supplied'}.",
            f"{where.zh()}缺少{what_zh}（内地{self.message_zh}所需）；该车次暂缓申报，待{fix_zh or '补充'}后处理。",
            consignment_seq=where.seq, line_no=where.line))

    def bad(self, field: str, value: str, what_en: str, what_zh: str, why: tuple[str, str],
            where: Where = TRIP, table: str | None = None) -> None:
        shown = value if len(value) <= _SHOWN else value[:_SHOWN] + "…"
        self.items.append(problem(
            "cn", field, value, table,
            f"{what_en}{where.en()} '{shown}' {why[0]}; the Mainland {self.message_en} cannot carry it, so the "
            "trip is held until it is corrected.",
            f"{where.zh()}{what_zh}“{shown}”{why[1]}，内地{self.message_zh}无法申报；该车次暂缓申报，待更正后处理。",
            consignment_seq=where.seq, line_no=where.line))

    def check(self, value: str | None, type_name: str, field: str, what_en: str, what_zh: str,
              where: Where = TRIP, required: bool = True) -> str | None:
        """``value`` when it fits the schema type's facets; otherwise a problem (or None if optional)."""
        if value is None:
            if required:
                self.missing(field, what_en, what_zh, where)
            return None
        why = facets(type_name, self.file).problem(value)
        if why is not None:
            self.bad(field, value, what_en, what_zh, why, where)
            return None
        return value


@dataclass(frozen=True)
class Trip:
    """What every road message of the trip shares."""

    submission_id: str
    version: int
    direction: str
    function_code: str          # ours: 9 original, 5 amendment, 1 cancellation
    manifest_function: str      # CN010 of the manifest: 9, 5 or 3
    change_reason: str | None   # CC001, for a change or a deletion
    office: str                 # 进出境口岸海关代码, 4 characters
    batch_no: str               # 货物运输批次号
    mode: str                   # CN012 (= UN/ECE Rec 19), road 3
    sender_id: str
    transmitter: str            # 舱单传输人名称
    crossing: datetime          # expected crossing, Hong Kong (= Beijing) time


def party_name(p: Row | None) -> str | None:
    """The party's Chinese name, else its name as registered (the samples name parties in Chinese)."""
    if p is None:
        return None
    return opt_text(p.get("name_zh"), "parties.name_zh") or opt_text(p.get("name"), "parties.name")


def resolve(bundle: FilingBundle, ctx: WriterContext, into: Problems) -> Trip | None:
    """The trip's shared values, or None with the reasons added to ``into`` (worded for both road
    messages, so filing reports a trip-level reason once, not once per message)."""
    pr = Problems("road manifest and conveyance confirmation", "舱单及承运确报", into.file)
    trip = _resolve(bundle, ctx, pr)
    into.items.extend(pr.items)
    return trip


def _resolve(bundle: FilingBundle, ctx: WriterContext, pr: Problems) -> Trip | None:
    before = len(pr.items)
    maps = ctx.codes(bundle)
    sub = bundle.submission
    direction = text(sub["direction"], "submissions.direction")
    fc = text(sub["function_code"], "submissions.function_code")
    cn_fc = maps.function_code.get(fc)
    if cn_fc is None or cn_fc not in ("9", "5", "3"):
        pr.bad("function_code", fc, "Function code", "报文功能代码",
               (f"has no road-manifest function code in reference table {XW_FUNCTION_CODE}",
                f"在参考表 {XW_FUNCTION_CODE} 中没有舱单功能代码"), table=XW_FUNCTION_CODE)
    reason = _change_reason(fc, cn_fc, ctx, bundle, pr)
    cp = opt_text(sub["control_point"], "submissions.control_point")
    office = maps.customs_office.get(cp) if cp else None
    if office is None:   # worded as the declaration words it, so the trader reads it once
        pr.items.append(control_point_problem(cp, maps, "customs office code", "海关关区代码"))
    else:
        pr.check(office, "Declaration.DeclarationDeclarationOfficeIDType", "control_point",
                 f"Customs office code for control point {cp}", "进出境口岸海关代码")
    batch = opt_text(sub.get("cn_trip_batch_no"), "submissions.cn_trip_batch_no")
    if batch is None:
        pr.missing("cn_trip_batch_no", "The Mainland cargo transport batch number (货物运输批次号)", "货物运输批次号",
                   fix_en="the trip plan or the settings give it", fix_zh="车次计划或设置提供批次号")
    else:
        batch = pr.check(batch, "Declaration.DeclarationIdentificationIDType", "cn_trip_batch_no",
                         "The Mainland cargo transport batch number (货物运输批次号)", "货物运输批次号")
    mode = pr.check(text(sub["mode"], "submissions.mode"), "Declaration.BorderTransportMeansTypeCodeType",
                    "mode", "Transport mode (CN012)", "运输方式代码")
    settings = ctx.settings_as(MainlandSettings)
    sender = _sender(settings.cn_sender_id, pr)
    transmitter = party_name(bundle.parties_of(0, "FILER")) or settings.cn_transmitter_name
    if transmitter is None:
        pr.missing("cn_transmitter_name", "The manifest transmitter's name (舱单传输人名称)", "舱单传输人名称",
                   fix_en="the setting cn_transmitter_name is set", fix_zh="设置 cn_transmitter_name")
    else:
        transmitter = pr.check(transmitter, "Declaration.RepresentativePersonNameTextType", "cn_transmitter_name",
                               "The manifest transmitter's name (舱单传输人名称)", "舱单传输人名称")
    if len(pr.items) > before:
        return None
    assert cn_fc and office and batch and mode and sender and transmitter
    crossing = hk_time(sub["expected_crossing_at"], "submissions.expected_crossing_at")
    return Trip(bundle.submission_id, bundle.version, direction, fc, cn_fc, reason, office, batch, mode, sender,
                transmitter, crossing)


def _change_reason(fc: str, cn_fc: str | None, ctx: WriterContext, bundle: FilingBundle,
                   pr: Problems) -> str | None:
    """CC001 change reason of an amendment (5) or cancellation (3): xw_function_code_cn names the
    reason, xw_change_reason_cn gives its code, and the official CC001 list must hold it."""
    if cn_fc not in ("5", "3"):
        return None
    maps = ctx.codes(bundle)
    key = maps.function_change_reason.get(fc)
    reason = maps.change_reason.get(key) if key is not None else None
    if reason is None or reason not in codes("CC001"):
        pr.bad("function_code", fc, "Change reason for function code", "变更原因代码",
               (f"has no CC001 change reason in reference table {XW_CHANGE_REASON}",
                f"在参考表 {XW_CHANGE_REASON} 中没有 CC001 变更原因"), table=XW_CHANGE_REASON)
        return None
    return reason


def _sender(sender_id: str, pr: Problems) -> str | None:
    """Head/SenderID: the 13-character customs registration code of the transmitting enterprise, then
    ``_DXPESW`` and its single-window client number (structure.md §5; samples
    ``5345766374655_DXPESW0000001256``), as the setting ``cn_sender_id`` gives it."""
    why = facets("Head.HeadSenderIdentificationIDType", pr.file).problem(sender_id)
    if why is None:
        return sender_id
    pr.items.append(problem(
        "cn", "cn_sender_id", sender_id, None,
        f"The setting cn_sender_id '{sender_id}' is not a Mainland single-window sender id (expected the "
        "13-character customs registration code, then _DXPESW and the client number, e.g. "
        "5345766374655_DXPESW0000001256); the trip is held until the setting is corrected.",
        f"设置 cn_sender_id“{sender_id}”不是单一窗口发送方代码（应为 13 位海关注册编码加 _DXPESW 及客户端编号，"
        "如 5345766374655_DXPESW0000001256）；该车次暂缓申报，待更正设置后处理。"))
    return None


def manifest_type(trip: Trip) -> str:
    return MANIFEST_TYPE[trip.direction]


Built = tuple[list[tuple[str, etree._Element]], list[MappingProblem]]


class LastBuild:
    """Filing calls ``preflight`` and then ``documents`` for the same bundle and context: the
    messages are built once, kept for that one following call, then dropped. The bundle and context
    are held (compared by identity, so a new object is never mistaken for the last one)."""

    def __init__(self, build: Callable[[FilingBundle, WriterContext], Built]) -> None:
        self._build = build
        self._last: tuple[FilingBundle, WriterContext, Built] | None = None

    def __call__(self, bundle: FilingBundle, ctx: WriterContext, *, keep: bool) -> Built:
        last = self._last
        if last is None or last[0] is not bundle or last[1] is not ctx:
            last = (bundle, ctx, self._build(bundle, ctx))
        self._last = last if keep else None
        return last[2]
