"""What a writer works with besides the bundle: the run's shared context (reference data, as-of, the
trip's message slot) and the settings that writer declared, nothing more.

National codes are reached only through the ``xw_*`` crosswalks of :class:`transforms.model.reference.Reference`,
taken as of the trip's crossing date (a code list in force when the truck crosses, not when we run).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Final, TypeVar

from transforms.filing.writers.values import MappingProblem, fmt_date, hk_time, is_missing, problem
from transforms.model.bundle import FilingBundle
from transforms.model.reference import Reference
from transforms.plumbing.timeutil import HK_TZ

S = TypeVar("S")

XW_TRANSPORT_MODE: Final = "xw_transport_mode_rec19_cn"
XW_PACKAGE: Final = "xw_package_rec21_cn"
XW_COUNTRY: Final = "xw_country_iso_cn"
XW_UNIT: Final = "xw_unit_rec20_cn"
XW_CONTROL_POINT: Final = "xw_control_point_cn"
XW_FUNCTION_CODE: Final = "xw_function_code_cn"
XW_CHANGE_REASON: Final = "xw_change_reason_cn"


@dataclass(frozen=True)
class CodeMaps:
    """The crosswalks valid on one day, as plain dicts (a missing key = no mapping: hold, never guess)."""

    on: date
    transport_mode: Mapping[str, str]       # Rec 19 -> 报关单 运输方式 (3 -> 4)
    package: Mapping[str, str]              # Rec 21 -> 包装种类 (CT -> 22)
    country: Mapping[str, str]              # ISO alpha-2 -> 3-letter (HK -> HKG)
    customs_office: Mapping[str, str]       # ImmD control point -> 4-digit 关区 (LMC -> 5301)
    port: Mapping[str, str]                 # ImmD control point -> 6-digit 口岸 (LMC -> 470201)
    control_point_status: Mapping[str, str]  # ImmD control point -> crosswalk status (verified, not_found…)
    mainland_port_name: Mapping[str, str]   # ImmD control point -> Mainland port name (for messages)
    function_code: Mapping[str, str]        # our 9/5/1 -> CN010
    function_change_reason: Mapping[str, str]  # our 5/1 -> change reason key (AMEND_DATA, CANCEL)
    change_reason: Mapping[str, str]        # change reason key -> CC001


def _column_map(ref: Reference, name: str, on: date, column: str) -> dict[str, str]:
    frame = ref.table(name, on)
    if column not in frame.columns:
        return {}
    return {str(k): str(v) for k, v in zip(frame.iloc[:, 0], frame[column], strict=True) if k and v}


@lru_cache(maxsize=256)
def load_code_maps(ref: Reference, on: date) -> CodeMaps:
    """Cached per process (filing builds a context per submission; the lookups should not repeat)."""
    return CodeMaps(
        on=on,
        transport_mode=ref.crosswalk(XW_TRANSPORT_MODE, on),
        package=ref.crosswalk(XW_PACKAGE, on),
        country=ref.crosswalk(XW_COUNTRY, on),
        customs_office=ref.crosswalk(XW_CONTROL_POINT, on, target="cn_customs_office"),
        port=ref.crosswalk(XW_CONTROL_POINT, on, target="cn_port_code"),
        control_point_status=_column_map(ref, XW_CONTROL_POINT, on, "status"),
        mainland_port_name=_column_map(ref, "control_points", on, "mainland_port_zh"),
        function_code=ref.crosswalk(XW_FUNCTION_CODE, on),
        function_change_reason=ref.crosswalk(XW_FUNCTION_CODE, on, target="change_reason"),
        change_reason=ref.crosswalk(XW_CHANGE_REASON, on),
    )


@dataclass(frozen=True)
class WriterContext:
    """The run's context as one writer sees it for one trip.

    Shared by every writer: ``reference`` (the code lists), ``as_of`` (tz-aware; it stamps the message
    heads, never the wall clock, so a replay with the same as-of writes the same bytes),
    ``crossing_date`` (overrides the day whose code lists are used; default: each submission's own
    ``crossing_date``) and ``message_seq``, this trip's slot among the messages of the run (its road
    messages are sent at as-of + ``MESSAGE_SLOT_MS`` × slot milliseconds, so each has its own file name).

    Its own: ``settings``, the instance of the ``settings_type`` the writer declared, which the filing
    step fills from the run's settings and gives to that writer only; None for a writer that declares
    none, so the single submission and the Hong Kong filing never see a Mainland setting."""

    reference: Reference
    as_of: datetime
    crossing_date: date | None = None
    message_seq: int = 0
    settings: object = None

    def __post_init__(self) -> None:
        if self.as_of.tzinfo is None or self.as_of.utcoffset() is None:
            raise ValueError("WriterContext.as_of must be timezone-aware")
        if self.message_seq < 0:
            raise ValueError(f"WriterContext.message_seq must not be negative, got {self.message_seq}")

    def given(self, settings: object) -> WriterContext:
        """This context for a writer that declared ``settings`` (the filing step's per-writer copy)."""
        return self if settings is self.settings else replace(self, settings=settings)

    def settings_as(self, kind: type[S]) -> S:
        """The writer's own settings, as the type it declared. Reading a kind it was not given is a
        writer defect (it reads settings it never declared), so it fails here, not with a blank value."""
        if not isinstance(self.settings, kind):
            raise TypeError(f"the writer was given {type(self.settings).__name__} settings, not the "
                            f"{kind.__name__} it reads: a writer reads only the settings_type it declares")
        return self.settings

    def code_date(self, bundle: FilingBundle) -> date:
        """The day whose code lists apply: the override, else the trip's crossing date (HK local)."""
        if self.crossing_date is not None:
            return self.crossing_date
        sub: dict[str, Any] = bundle.submission
        if not is_missing(sub.get("crossing_date")):
            return date.fromisoformat(fmt_date(sub["crossing_date"], "submissions.crossing_date"))
        return hk_time(sub["expected_crossing_at"], "submissions.expected_crossing_at").date()

    def codes(self, bundle: FilingBundle) -> CodeMaps:
        return load_code_maps(self.reference, self.code_date(bundle))

    @property
    def as_of_hk(self) -> datetime:
        return self.as_of.astimezone(HK_TZ)


def control_point_problem(cp: str | None, maps: CodeMaps, what_en: str, what_zh: str) -> MappingProblem:
    """The one sentence for a control point without a Mainland code (the declaration and the road
    messages both need the customs office: a trader reads it once, worded the same)."""
    if not cp:   # the trip plan named none (a column left out, a blank cell): one sentence, not one per code
        return problem(
            "cn", "control_point", None, XW_CONTROL_POINT,
            "The trip names no control point, so the Mainland filing has no customs office or port code; "
            "the trip is held until its trip plan names the control point.",
            "该车次未注明管制站，内地申报缺少海关关区代码及口岸代码；该车次暂缓申报，待车次计划注明管制站后处理。")
    status = maps.control_point_status.get(cp)
    name = maps.mainland_port_name.get(cp, cp)
    if status == "not_found":
        why_en, why_zh = f" ({name} code not published)", f"（{name}代码未公布）"
    elif status is None:
        why_en, why_zh = " (no row for this control point)", "（该管制站无对应行）"
    else:
        why_en, why_zh = "", ""
    return problem(
        "cn", "control_point", cp, XW_CONTROL_POINT,
        f"Control point {cp} has no Mainland {what_en} in reference table {XW_CONTROL_POINT}{why_en}; "
        "the trip is held until the code is added.",
        f"管制站 {cp} 在参考表 {XW_CONTROL_POINT} 中没有内地{what_zh}{why_zh}；该车次暂缓申报，待补充代码后处理。")
