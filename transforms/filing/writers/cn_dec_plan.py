"""Plan the 报关单 of one trip: every DecHead value resolved, goods merged into items, declarations split.

Each consignment (one invoice, one domestic trade party, one overseas party, one bill) is declared on
its own 报关单; more than ``max_items_per_declaration`` merged items (a Mainland setting, see
:mod:`transforms.filing.writers.cn_settings`) split it into several declarations, each with the totals of
its own items. :func:`plan` returns the declarations numbered ``1..k`` over the trip, or
the problems that hold the trip. National codes come only from the ``xw_*`` crosswalks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from transforms.filing.writers.cn_dec_head import CN_PORTS, consignment_head
from transforms.filing.writers.cn_dec_items import DecItem, Problems, merge_items
from transforms.filing.writers.cn_settings import MainlandSettings
from transforms.filing.writers.context import XW_TRANSPORT_MODE, CodeMaps, WriterContext
from transforms.filing.writers.values import (
    MASS_SCALE,
    MappingProblem,
    as_list,
    dec_text,
    fmt_decimal,
    fmt_int,
    hk_time,
    is_missing,
    opt_text,
    text,
)
from transforms.model.bundle import FilingBundle, Row

#: HK_IMPORT = goods leave the Mainland (报关单 E, export); HK_EXPORT = goods enter it (I, import).
IE_FLAG: Final = {"HK_IMPORT": "E", "HK_EXPORT": "I"}
XW_CONTAINER: Final = "xw_container_iso_cn"
CN_DISTRICTS: Final = "cn_domestic_districts"
XW_DUTY_MODE: Final = "xw_levy_nature_duty_mode_cn"
#: DecList maxOccurs in the official schema: a larger ``max_items_per_declaration`` still splits at 50.
MAX_ITEMS: Final = 50
_CONTAINER_NO: Final = re.compile(r"[A-Z0-9]{1,11}")


@dataclass(frozen=True)
class Container:
    container_id: str
    spec: str          # ContainerMd, 集装箱规格
    lcl: str           # LclFlag: 1 when the container also carries other consignments


@dataclass(frozen=True)
class _Codes:
    """The declaration's own code lists on the crossing date."""

    duty: dict[str, str]          # 征免性质 → DutyMode
    containers: dict[str, str]    # ISO size-type → 集装箱规格
    ports: frozenset[str]         # official 港口代码
    districts: frozenset[str]     # official 国内地区代码


@dataclass
class Declaration:
    """One 报关单: DecHead values by element name (absent = sent empty), items, containers, 航次号."""

    index: int
    consignment_seq: int
    head: dict[str, str]
    duty_mode: str
    destination: str      # 最终目的国 of the consignment (3-letter)
    items: list[DecItem]
    containers: list[Container]
    voy_no: str


def plan(bundle: FilingBundle, ctx: WriterContext) -> tuple[list[Declaration], list[MappingProblem]]:
    """The trip's declarations in file order, or ([], problems) when anything is missing or unmapped."""
    maps = ctx.codes(bundle)
    pr = Problems()
    sub = bundle.submission
    direction = text(sub["direction"], "submissions.direction")
    cp = opt_text(sub["control_point"], "submissions.control_point")
    trip: dict[str, str] = {"IEFlag": IE_FLAG[direction]}
    office, port = (maps.customs_office.get(cp), maps.port.get(cp)) if cp else (None, None)
    if office is None:
        pr.control_point(cp, maps, "customs office code", "海关关区代码")
    if port is None and cp:   # a trip without a control point gets one sentence, above
        pr.control_point(cp, maps, "port code (6-digit)", "口岸代码（6 位）")
    mode = text(sub["mode"], "submissions.mode")
    traf_mode = maps.transport_mode.get(mode)
    if traf_mode is None:
        pr.unmapped("mode", mode, XW_TRANSPORT_MODE, "Transport mode", "运输方式")
    batch = opt_text(sub.get("cn_trip_batch_no"), "submissions.cn_trip_batch_no")
    if batch is None:
        pr.missing("cn_trip_batch_no", "The Mainland trip batch number (货物运输批次号, VoyNo)", "货物运输批次号")
    if office and port and traf_mode:
        trip |= {"CustomMaster": office, "IEPort": office, "EntyPortCode": port, "TrafMode": traf_mode}
    if direction == "HK_EXPORT":   # 进口日期: the day the truck enters; an export's date is left to customs
        trip["IEDate"] = f"{hk_time(sub['expected_crossing_at'], 'submissions.expected_crossing_at'):%Y%m%d}"
    ref = _Codes(ctx.reference.crosswalk(XW_DUTY_MODE, maps.on), ctx.reference.crosswalk(XW_CONTAINER, maps.on),
                 ctx.reference.codes(CN_PORTS, maps.on), ctx.reference.codes(CN_DISTRICTS, maps.on))
    max_items = min(ctx.settings_as(MainlandSettings).max_items_per_declaration, MAX_ITEMS)
    goods: dict[int, list[Row]] = {}
    for g in bundle.goods_items:
        goods.setdefault(int(g["consignment_seq"]), []).append(g)
    out: list[Declaration] = []
    for c in sorted(bundle.consignments, key=lambda r: int(r["consignment_seq"])):
        seq = int(c["consignment_seq"])
        lines = sorted(goods.get(seq, ()), key=lambda r: int(r["line_no"]))
        out.extend(_consignment(bundle, c, lines, trip, ref, maps, max_items, batch or "", pr))
    if pr.items:
        return [], pr.items
    for k, d in enumerate(out, start=1):
        d.index = k
    return out, []


def _consignment(bundle: FilingBundle, c: Row, lines: list[Row], trip: dict[str, str], ref: _Codes,
                 maps: CodeMaps, max_items: int, batch: str, pr: Problems) -> list[Declaration]:
    seq = int(c["consignment_seq"])
    before = len(pr.items)
    head = consignment_head(bundle, c, trip["IEFlag"], maps, ref.ports, pr)
    if not lines:
        pr.missing("goods_items", "At least one goods line", "商品项", seq)
    items = merge_items(lines, c, maps, ref.districts, pr)
    duty_mode = None if head is None else ref.duty.get(head.levy_nature)
    if head is not None and duty_mode is None:
        pr.unmapped("cn_levy_nature", head.levy_nature, XW_DUTY_MODE, "Levy nature (征免性质)", "征免性质", seq)
    containers = _containers(bundle, c, ref.containers, seq, pr)
    for col, what_en, what_zh in (("net_mass_kg", "The net mass (净重, NetWt)", "净重"),
                                  ("gross_mass_kg", "The gross mass (毛重, GrossWet)", "毛重")):
        if is_missing(c.get(col)):
            pr.missing(col, what_en, what_zh, seq)
    parts = [items[i:i + max_items] for i in range(0, len(items), max_items)]
    if len(parts) > 1 and any(it.packages is None or it.gross is None or it.net is None for it in items):
        pr.missing("packages_qty", f"Per-line packages, gross and net mass (needed to split {len(items)} items "
                   f"into declarations of at most {max_items})", "各项件数、毛重及净重（拆分报关单所需）", seq)
    if len(pr.items) > before:
        return []
    assert head is not None and duty_mode is not None
    out = []
    for part in parts:
        values = {**trip, **head.values, **_totals(c, part, single=len(parts) == 1)}
        out.append(Declaration(0, seq, values, duty_mode, head.destination, part, containers, batch))
    return out


def _totals(c: Row, items: list[DecItem], single: bool) -> dict[str, str]:
    """PackNo, GrossWet, NetWt: the consignment's stated totals, or a split part's own sums."""
    if single:
        return {"PackNo": fmt_int(c["total_packages_qty"], "consignments.total_packages_qty"),
                "GrossWet": fmt_decimal(c["gross_mass_kg"], MASS_SCALE, "consignments.gross_mass_kg"),
                "NetWt": fmt_decimal(c["net_mass_kg"], MASS_SCALE, "consignments.net_mass_kg")}
    return {"PackNo": str(sum(it.packages or 0 for it in items)),
            "GrossWet": dec_text(sum((it.gross or Decimal(0) for it in items), Decimal(0))),
            "NetWt": dec_text(sum((it.net or Decimal(0) for it in items), Decimal(0)))}


def _containers(bundle: FilingBundle, c: Row, specs: dict[str, str], seq: int, pr: Problems) -> list[Container]:
    """Containers of the consignment (its ``equipment_refs``, else every container on the truck)."""
    refs = {str(r) for r in as_list(c.get("equipment_refs")) if r}
    users: dict[str, int] = {}
    for other in bundle.consignments:
        other_refs = {str(r) for r in as_list(other.get("equipment_refs")) if r}
        for eq in bundle.equipment:
            if not other_refs or eq["container_no"] in other_refs:
                users[str(eq["container_no"])] = users.get(str(eq["container_no"]), 0) + 1
    out = []
    for eq in sorted(bundle.equipment, key=lambda r: int(r["equipment_seq"])):
        box = text(eq["container_no"], "equipment.container_no")
        if refs and box not in refs:
            continue
        size = opt_text(eq.get("size_type"), "equipment.size_type")
        spec = None if size is None else specs.get(size)
        if size is None:
            pr.missing("size_type", f"The size-type of container {box} (集装箱规格)", f"集装箱 {box} 的规格", seq)
        elif spec is None:
            pr.unmapped("size_type", size, XW_CONTAINER, f"Container {box} size-type", f"集装箱 {box} 规格", seq)
        elif not _CONTAINER_NO.fullmatch(box):
            pr.invalid("container_no", box, f"Container number {box} is not 11 letters or digits",
                       f"集装箱号 {box} 不是 11 位字母或数字", seq)
        else:
            out.append(Container(box, spec, "1" if users.get(box, 0) > 1 else "0"))
    return out
