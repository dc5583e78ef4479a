"""The trip's mode of transport, the truck's equipment and the waybill numbers, from a trip-plan row (and
trader.yaml's carrier).

The mode (UN/ECE Rec 19, ``submissions.mode``) decides which writers a trip gets (the registry's
``applies_to``): the plan's optional ``transport_mode`` column, a code or a word for it
(``data/reference/rec19_transport_modes.csv``: code, name and curated aliases such as road, 公路运输,
汽车运输), else ``carrier.transport_mode`` of ``trader.yaml``, else road (3).

The Mainland conveyance confirmation (MT4401/MT4402) needs each trailer's tare (托架或拖挂车自重) and
type (CC019), each container's size-type (集装箱尺寸和类型, CN007) and tare (集装箱自重), and each
seal as ``M|E/<number>@<sealing party CN017>``; the road manifest needs a waybill number (提（运）单号)
per consignment. The trip plan carries them in optional columns; a seal's type and sealing party may
instead come from ``trader.yaml`` (``carrier.seal_type``, ``carrier.sealing_party``). A value given
but unusable holds the trip with a sentence naming the trip-plan row, column and value; a value not
given is left empty, and the Mainland writers hold the trip with their own sentence. Codes are
upper-cased (``22g1`` is ``22G1``); nothing else is changed and nothing is made up.

Sources (../shared/reference/cn-manifest/): CN007 is the pattern of
``TransportEquipmentCharacteristicCodeType`` in ``schemas/Type/Declaration.xsd`` (no list: ISO 6346
size-type codes, the 1995 ``22G1`` as well as the older ``22GP`` of the official MT4402 sample);
``codes/CC019_trailer_type.csv``; ``codes/CN017_sealing_party.csv``; the seal form is the pattern of
``TransportEquipmentSealIDType``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from transforms.model.inputs import CellProblem
from transforms.model.reference import normalise_key
from transforms.model.trader import ROAD_MODE, Carrier

RULE: Final = "T02"
#: CN007 (pattern only): ISO 6346 size and type codes.
SIZE_TYPE: Final = re.compile(r"[123456789ABCDEFGHKLMNPR][0245689CDEFLMNP]([GVBSRHUPT][0-9]|A0|AS|TG|TD|TN|PS|PC|PF|PL"
                              r"|UT|HI|HR|RE|RT|RS|SN|BU|BK|GP|VH)")
#: CC019 托架或拖挂车类型: 01 one axle … 04 four or more.
TRAILER_TYPES: Final = frozenset({"01", "02", "03", "04"})
#: 封志类型: M mechanical, E electronic.
SEAL_TYPES: Final = frozenset({"M", "E"})
#: CN017 施加封志人类型.
SEALING_PARTIES: Final = frozenset({"AA", "AB", "AC", "CA", "CU", "SH", "TO"})
#: A seal number already written as the channel writes it (or 0000, a full special container that
#: cannot be sealed).
CHANNEL_SEAL: Final = re.compile(r"((M|E)/([A-Za-z0-9]+)@(AA|AB|AC|CA|CU|SH|TO))|(0000)")


def _code(v: Any) -> str | None:
    return None if v is None or not str(v).strip() else str(v).strip().upper()


#: key of a trip row holding its plan file's headers (profile key -> header as written), set by assembly
SOURCE_HEADERS: Final = "_source_headers"


def _problem(trip: dict[str, Any], column: str, value: str, en: str, zh: str) -> CellProblem:
    """The sentence names the column as the trip plan's own header (运输方式, 拖架類型…), so the trader
    finds the cell and the error workbook highlights it; the canonical key only when the plan has no header
    for it (a value from trader.yaml)."""
    where, row = str(trip["src_file"]), int(trip["src_row"])
    header = (trip.get(SOURCE_HEADERS) or {}).get(column, column)
    return CellProblem(where, str(trip.get("src_sheet") or ""), row, column, header, value, RULE,
                       f"{where} row {row}, column {header}: trip '{trip['trip_ref']}' {en}",
                       f"{where} 第{row}行「{header}」列：车次「{trip['trip_ref']}」{zh}")


def _checked(trip: dict[str, Any], column: str, allowed: frozenset[str] | re.Pattern[str], what_en: str,
             what_zh: str, problems: list[CellProblem]) -> str | None:
    value = _code(trip.get(column))
    if value is None:
        return None
    ok = value in allowed if isinstance(allowed, frozenset) else allowed.fullmatch(value) is not None
    if ok:
        return value
    problems.append(_problem(
        trip, column, str(trip.get(column)),
        f"has {what_en} '{trip.get(column)}', which is not a code the Mainland conveyance confirmation "
        "accepts; correct it in the trip plan.",
        f"的{what_zh}「{trip.get(column)}」不是内地承运确报可接受的代码；请在车次计划中更正。"))
    return None


def transport_mode(trip: dict[str, Any], carrier: Carrier | None, modes: Mapping[str, str],
                   problems: list[CellProblem]) -> str:
    """The trip's Rec 19 mode: the plan's ``transport_mode`` cell resolved through ``modes`` (the
    ``transport_mode`` alias map of the reference data), else the carrier's declared default. A cell
    that names no mode is appended to ``problems`` (the trip is held); its record keeps the default,
    since ``submissions.mode`` is never empty, and nothing is filed for a held trip."""
    default = carrier.transport_mode if carrier else ROAD_MODE
    cell = trip.get("transport_mode")
    if cell is None or not str(cell).strip():
        return default
    mode = modes.get(normalise_key(str(cell)))
    if mode is not None:
        return mode
    problems.append(_problem(
        trip, "transport_mode", str(cell),
        f"has transport mode '{cell}', which is not a UN/ECE Rec 19 mode of transport; write its code or name "
        "(3 or road for a truck, 1 or sea, 2 or rail, 4 or air), or leave the cell empty for trader.yaml's "
        "carrier.transport_mode (road when not set).",
        f"的运输方式「{cell}」不是 UN/ECE 第19号建议书的运输方式；请填写其代码或名称（汽车 3 或 公路运输，海运 1，"
        "铁路 2，空运 4），或留空以使用 trader.yaml 的 carrier.transport_mode（未填写时为公路运输）。"))
    return default


def bill_numbers(trip: dict[str, Any], problems: list[CellProblem]) -> dict[str, str]:
    """invoice number -> 提（运）单号 from the plan's ``bill_nos``, listed in the order of ``invoice_nos``.
    Counts that differ pair nothing (a bill number is never guessed for an invoice) and hold the trip."""
    bills = [str(b).strip() for b in trip.get("bill_nos") or [] if str(b).strip()]
    invoices = [str(i).strip() for i in trip.get("invoice_nos") or [] if str(i).strip()]
    if not bills:
        return {}
    if len(bills) != len(invoices):
        problems.append(_problem(
            trip, "bill_nos", "; ".join(bills),
            f"lists {len(bills)} waybill numbers (提运单号) for {len(invoices)} invoices; list one per invoice, "
            "in the order of invoice_nos.",
            f"列出 {len(bills)} 个提运单号，但发票有 {len(invoices)} 张；请按发票编号的顺序逐一填写提运单号。"))
        return {}
    return dict(zip(invoices, bills, strict=True))


def equipment_rows(sid: str, trip: dict[str, Any], carrier: Carrier | None, problems: list[CellProblem],
                   ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(trailers, equipment, seals) rows of one trip; unusable codes are appended to ``problems``."""
    key = {"submission_id": sid, "version": 0}
    trailers, equipment, seals = [], [], []
    if trip.get("trailer_id"):
        trailers.append({**key, "trailer_seq": 1, "trailer_id": trip["trailer_id"],
                         "type_code": _checked(trip, "trailer_type", TRAILER_TYPES, "a trailer type (CC019 01-04)",
                                               "拖挂车类型（CC019 01-04）", problems),
                         "tare_kg": trip.get("trailer_tare_kg")})
    if trip.get("container_no"):
        equipment.append({**key, "equipment_seq": 1, "container_no": trip["container_no"], "full_empty": "5",
                          "size_type": _checked(trip, "container_size_type", SIZE_TYPE,
                                                "a container size-type (ISO 6346, e.g. 22G1)",
                                                "集装箱尺寸和类型（ISO 6346，如 22G1）", problems),
                          "tare_kg": trip.get("container_tare_kg")})
    if trip.get("seal_id"):
        seal_type = _checked(trip, "seal_type", SEAL_TYPES, "a seal type (M mechanical, E electronic)",
                             "封志类型（M 机械封志，E 电子封志）", problems)
        party = _checked(trip, "sealing_party", SEALING_PARTIES, "a sealing party (CN017: AA AB AC CA CU SH TO)",
                         "施封人代码（CN017：AA AB AC CA CU SH TO）", problems)
        default_type, default_party = (carrier.seal_type, carrier.sealing_party) if carrier else (None, None)
        seals.append({**key, "equipment_seq": 1 if trip.get("container_no") else 0, "seal_seq": 1,
                      "seal_id": trip["seal_id"], "issuer": "CARRIER",
                      # trader.yaml's carrier stands in for an empty cell, never for a bad value
                      "seal_type": seal_type if _code(trip.get("seal_type")) else default_type,
                      "sealing_party": party if _code(trip.get("sealing_party")) else default_party})
    return trailers, equipment, seals
