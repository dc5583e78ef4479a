"""Validation frames: each canonical frame plus the context columns its rules read.

GX validates one table at a time, but several rules look across tables (line sums against the
consignment, the tariff line of a goods item, the run's as-of time). Those values are derived here,
once, into columns whose names start with ``_`` (never canonical names), so every rule can be stated
as an ordinary GX expectation over one frame. The fast runner and the real-GX parity test read the
very same frames.

Reference code lists enter as suite parameters (``{"$PARAMETER": "countries"}`` in a suite), mapping
each crossing date of the run to the codes valid that day.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from expectations.lead_time import lead_words
from transforms.model.canonical import TABLES, empty_frame
from transforms.plumbing.timeutil import HK_TZ

__all__ = [
    "CODE_LISTS", "SUITE_TABLES", "CodeLists", "RunContext", "ValidationFrames", "build_frames",
    "suite_parameters",
]

#: Tables with a suite, in report order.
SUITE_TABLES: Final = ("submissions", "parties", "consignments", "goods_items", "transport", "trailers",
                       "equipment", "seals")

#: Reference tables passed to suites as ``codes_by_date`` parameters.
CODE_LISTS: Final = ("control_points", "countries", "currencies", "rec20_units", "rec21_package_types",
                     "hs2022_subheadings", "cn_units", "cn_tariff_lines", "cn_brand_types", "cn_export_preferences")

#: Where a row came from; tables without it in the model (trailers, seals) get empty columns.
PROVENANCE: Final = ("src_file", "src_sheet", "src_row")
ACI_MAX_MINUTES: Final = 14 * 24 * 60
TDEC_DAYS: Final = 14
HS_HK_SHAPE: Final = r"^[0-9]{8}$"
HS_CN_SHAPE: Final = r"^[0-9]{10}$"
CIQ_SHAPE: Final = r"^[0-9]{3}$"
NO_UNIT: Final = frozenset({"", "000"})  # China tariff: 000 = no second legal unit

# Who the HK declaration (TDEC) is lodged for, by direction (C&SD major data items).
_HK_TRADER_ROLES: Final = {"HK_IMPORT": {"IMPORTER", "CONSIGNEE"}, "HK_EXPORT": {"EXPORTER", "CONSIGNOR"}}
_ROCARS_ROLES: Final = ("CONSIGNOR", "CONSIGNEE")


class CodeLists(Protocol):
    """The part of :class:`transforms.model.reference.Reference` the checks need."""

    def codes(self, name: str, on: date | None = None) -> frozenset[str]: ...

    def table(self, name: str, on: date | None = None) -> pd.DataFrame: ...


@dataclass(frozen=True)
class RunContext:
    as_of: datetime
    new_or_changed: frozenset[str] | None = None
    cn_manifest_lead_minutes: int = 60

    @property
    def as_of_utc(self) -> pd.Timestamp:
        ts = pd.Timestamp(self.as_of)
        return (ts.tz_localize(HK_TZ) if ts.tzinfo is None else ts).tz_convert("UTC")

    @property
    def as_of_local_date(self) -> date:
        local: date = self.as_of_utc.tz_convert(HK_TZ).date()
        return local


@dataclass
class ValidationFrames:
    frames: dict[str, pd.DataFrame]
    parameters: dict[str, Any]
    #: submission_id -> crossing date (ISO), control point, trader (for findings).
    submission_info: pd.DataFrame = field(default_factory=pd.DataFrame)

    def row_ids(self, table: str, positions: Iterable[int] | None = None) -> list[str]:
        """Source row ids ``file:sheet:row``; a row without provenance gets ``table:key/values``."""
        frame = self.frames[table]
        pos = np.arange(len(frame)) if positions is None else np.fromiter(positions, dtype=np.int64)

        def take(column: str) -> np.ndarray:
            taken: np.ndarray = frame[column].take(pos).to_numpy(dtype=object)
            return taken

        files, sheets, rows = take("src_file"), take("src_sheet"), take("src_row")
        keys = zip(*(take(c) for c in TABLES[table].key), strict=True)
        out = []
        for f, s, r, key in zip(files, sheets, rows, keys, strict=True):
            if _missing(r) or _missing(f):
                out.append(f"{table}:" + "/".join("" if _missing(k) else str(k) for k in key))
            else:
                out.append(f"{f}:{'' if _missing(s) else s}:{int(r)}")
        return out


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


# -- helpers ------------------------------------------------------------------------------------

def _canonical(frames: Mapping[str, pd.DataFrame], table: str) -> pd.DataFrame:
    """The input frame (or an empty one) with every model column present, text as pandas' Arrow-backed
    ``str`` dtype and numbers as float64, so every later check runs on fast native columns."""
    given = frames.get(table)
    frame = empty_frame(table) if given is None else given.reset_index(drop=True)
    n = len(frame)
    spec = TABLES[table]
    types = {c.name: c.type for c in spec.columns}
    for p in PROVENANCE:
        types.setdefault(p, pa.int32() if p == "src_row" else pa.string())
    fixed: dict[str, pd.Series] = {}
    for name, typ in types.items():
        present = name in frame.columns
        if pa.types.is_string(typ):
            if not present:
                fixed[name] = pd.Series(np.full(n, np.nan), index=frame.index, dtype="str")
            elif frame[name].dtype == object:
                fixed[name] = frame[name].astype("str")
        elif (pa.types.is_decimal(typ) or pa.types.is_integer(typ)) and name not in spec.key:
            if not present:
                fixed[name] = pd.Series(np.full(n, np.nan), index=frame.index)
            elif frame[name].dtype != "float64":
                fixed[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
        elif not present:
            fixed[name] = pd.Series([None] * n, index=frame.index, dtype=object)
    return frame.assign(**fixed) if fixed else frame


def _iso_dates(values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values, errors="coerce")
    return parsed.dt.strftime("%Y-%m-%d").astype(object).where(parsed.notna(), None)


def _blank(values: pd.Series) -> pd.Series:
    text = values.astype(str)
    return values.isna() | text.str.strip().eq("").fillna(False).astype(bool)


def _coalesce(first: pd.Series, second: pd.Series) -> pd.Series:
    return first.where(~_blank(first), second)


def _shaped(values: pd.Series, regex: str) -> pd.Series:
    return values.astype(str).str.contains(regex, na=False).astype(bool) & values.notna()


def _list_stats(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Element count (0 for null) and the elements joined by newlines (null for null)."""
    n = len(values)
    if n == 0 or values.isna().all():
        return (pd.Series(np.zeros(n), index=values.index),
                pd.Series([None] * n, index=values.index, dtype=object))
    arrow = _as_arrow_lists(values)
    if arrow is not None:
        counts = pc.fill_null(pc.list_value_length(arrow), 0).to_numpy(zero_copy_only=False).astype("float64")
        text = pc.binary_join(arrow, "\n").to_pandas(types_mapper=pd.ArrowDtype).astype(object)
        return pd.Series(counts, index=values.index), pd.Series(text.to_numpy(), index=values.index, dtype=object)
    counts = np.zeros(n)
    texts: list[str | None] = [None] * n
    for i, v in enumerate(values.to_numpy(dtype=object)):
        if v is None or (isinstance(v, float) and v != v):
            continue
        items = [v] if isinstance(v, str) else list(v)
        counts[i] = len(items)
        texts[i] = "\n".join(str(x) for x in items)
    return pd.Series(counts, index=values.index), pd.Series(texts, index=values.index, dtype=object)


def _as_arrow_lists(values: pd.Series) -> pa.Array | None:
    """The column as an Arrow list<string> array when it cleanly is one (else None: slow path)."""
    if isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_list(values.dtype.pyarrow_dtype):
        arr = pa.array(values)
        return arr if pa.types.is_string(arr.type.value_type) else None
    raw = values.to_numpy(dtype=object)
    # A bare string would be read as a list of characters: only lists/tuples/arrays take the fast path.
    if any(isinstance(v, str) for v in raw):
        return None
    try:
        return pa.array(raw, type=pa.list_(pa.string()), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def _seq(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype("float64")


# -- per table ----------------------------------------------------------------------------------

def _submission_info(subs: pd.DataFrame, consignments: pd.DataFrame) -> pd.DataFrame:
    crossing = _iso_dates(subs["crossing_date"])
    if crossing.isna().any():
        at = pd.to_datetime(subs["expected_crossing_at"], errors="coerce", utc=True)
        crossing = crossing.fillna(_iso_dates(at.dt.tz_convert(HK_TZ).dt.tz_localize(None)))
    info = pd.DataFrame({"submission_id": subs["submission_id"].astype(object), "crossing_date": crossing,
                         "control_point": subs["control_point"], "direction": subs["direction"]})
    traders = (consignments.dropna(subset=["submission_id"]).drop_duplicates("submission_id")
               .set_index("submission_id")["trader"])
    info["trader"] = info["submission_id"].map(traders)
    return info.drop_duplicates("submission_id", keep="last").set_index("submission_id")


def _submissions(f: pd.DataFrame, info: pd.DataFrame, transport: pd.DataFrame,
                 run: RunContext) -> pd.DataFrame:
    expected = pd.to_datetime(f["expected_crossing_at"], errors="coerce", utc=True)
    lead = (expected - run.as_of_utc).dt.total_seconds() / 60.0
    if run.new_or_changed is not None:
        lead = lead.where(f["submission_id"].isin(run.new_or_changed))
    crossing = f["submission_id"].map(info["crossing_date"])
    days = pd.to_datetime(crossing, errors="coerce") + pd.Timedelta(days=TDEC_DAYS)
    days_left = (days - pd.Timestamp(run.as_of_local_date)).dt.days.astype("float64")
    counts = transport["submission_id"].value_counts()
    # the V04 sentences say the times as the trip plan and the trader write them: Hong Kong time, to
    # the minute, and the distance in days, hours and minutes (not '-12745.65672145 minutes', in UTC)
    lead_en, lead_zh = lead_words(lead, run.as_of_utc.tz_convert(HK_TZ).strftime("%Y-%m-%d %H:%M"))
    crossing_hk = expected.dt.tz_convert(HK_TZ).dt.strftime("%Y-%m-%d %H:%M").fillna("")
    return f.assign(_crossing_date=crossing, _aci_lead_minutes=lead.astype("float64"),
                    _crossing_hk=crossing_hk.astype(object), _lead_en=lead_en, _lead_zh=lead_zh,
                    _tdec_days_left=days_left,
                    _transport_rows=f["submission_id"].map(counts).fillna(0).astype("float64"))


def _consignments(f: pd.DataFrame, info: pd.DataFrame, goods: pd.DataFrame,
                  parties: pd.DataFrame) -> pd.DataFrame:
    key = pd.MultiIndex.from_arrays([f["submission_id"].astype(object), _seq(f["consignment_seq"])])
    g = pd.DataFrame({"sid": goods["submission_id"].astype(object), "seq": _seq(goods["consignment_seq"]),
                      "gross": goods["gross_mass_kg"], "pk": goods["packages_qty"]})
    agg = g.groupby(["sid", "seq"]).agg(lines=("gross", "size"), with_gross=("gross", "count"),
                                        gross=("gross", "sum"), with_pk=("pk", "count"), pk=("pk", "sum"))
    agg = agg.reindex(key)
    lines = agg["lines"].fillna(0).to_numpy()
    with_gross = agg["with_gross"].fillna(0).to_numpy()
    with_pk = agg["with_pk"].fillna(0).to_numpy()
    complete = (lines > 0) & (with_gross == lines)
    stated_missing = f["stated_gross_mass_kg"].isna().to_numpy()
    reason = np.full(len(f), None, dtype=object)
    for i in np.flatnonzero(stated_missing | ~complete):
        if stated_missing[i]:
            reason[i] = "stated_gross_mass_kg is empty: no independent total to check the line sum against"
        elif lines[i] == 0:
            reason[i] = "the consignment has no goods lines to sum"
        else:
            reason[i] = f"{int(lines[i] - with_gross[i])} of {int(lines[i])} goods lines have no gross_mass_kg"
    pk_reason = np.full(len(f), None, dtype=object)
    partial = (with_pk > 0) & (with_pk < lines)
    for i in np.flatnonzero(partial):
        pk_reason[i] = f"only {int(with_pk[i])} of {int(lines[i])} goods lines carry packages_qty"
    p = pd.DataFrame({"sid": parties["submission_id"].astype(object), "seq": _seq(parties["consignment_seq"]),
                      "role": parties["role"]})
    role_counts = {}
    for role in _ROCARS_ROLES:
        of_role = p[p["role"] == role]
        per_seq = of_role.groupby(["sid", "seq"]).size().reindex(key).fillna(0).to_numpy()
        per_sub = of_role[of_role["seq"] == 0].groupby("sid").size()
        role_counts[role] = per_seq + f["submission_id"].map(per_sub).fillna(0).to_numpy()
    return f.assign(
        _crossing_date=f["submission_id"].map(info["crossing_date"]),
        _lines_gross_mass_kg=np.where(complete, agg["gross"].to_numpy(dtype="float64", na_value=np.nan), np.nan),
        _v10_not_checkable=reason,
        _lines_packages_qty=np.where((with_pk > 0) & (with_pk == lines),
                                     agg["pk"].to_numpy(dtype="float64", na_value=np.nan), np.nan),
        _v11_not_checkable=pk_reason,
        _consignors=role_counts["CONSIGNOR"].astype("float64"),
        _consignees=role_counts["CONSIGNEE"].astype("float64"),
    )


def _parties(f: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    direction = f["submission_id"].map(info["direction"])
    role = f["role"].astype(object)
    hk_trader = role.eq("DECLARANT_HK")
    for d, roles in _HK_TRADER_ROLES.items():
        hk_trader |= direction.eq(d) & role.isin(roles)
    hk_trader = hk_trader.fillna(False).astype(bool)
    return f.assign(
        _crossing_date=f["submission_id"].map(info["crossing_date"]),
        _hk_trader=hk_trader,
        _hk_trader_address=f["address_lines"].where(hk_trader, None),
        _rocars_party=role.isin(_ROCARS_ROLES).astype(bool),
        _party_name=_coalesce(f["name"], f["name_zh"]),
    )


def _goods(f: pd.DataFrame, info: pd.DataFrame, reference: CodeLists) -> pd.DataFrame:
    crossing = f["submission_id"].map(info["crossing_date"])
    hk_ok = _shaped(f["hs_hk"], HS_HK_SHAPE)
    cn_ok = _shaped(f["hs_cn"], HS_CN_SHAPE)
    n = len(f)
    unit_1 = np.full(n, None, dtype=object)
    unit_2 = np.full(n, None, dtype=object)
    elements = np.full(n, np.nan)
    known = np.zeros(n, dtype=bool)
    cn_ok_np = cn_ok.to_numpy()
    hs_cn = f["hs_cn"]
    # Days that see the same tariff table (the usual case: all of them) share one lookup.
    tables: dict[tuple[tuple[str, ...], ...], tuple[pd.DataFrame, list[str]]] = {}
    for day in info["crossing_date"].dropna().unique():
        table = reference.table("cn_tariff_lines", on=date.fromisoformat(str(day)))
        table = table.drop_duplicates("hs_cn", keep="last").set_index("hs_cn")[["unit_1", "unit_2", "element_count"]]
        table["element_count"] = pd.to_numeric(table["element_count"], errors="coerce").astype("float64")
        for col in ("unit_1", "unit_2"):
            table[col] = table[col].fillna("").astype(object).where(~table[col].isin(NO_UNIT), "")
        signature = tuple(tuple(map(str, row)) for row in table.itertuples())
        tables.setdefault(signature, (table, []))[1].append(str(day))
    for table, days in tables.values():
        hit = cn_ok_np & crossing.isin(days).to_numpy() & hs_cn.isin(table.index).to_numpy()
        if not hit.any():
            continue
        known |= hit
        # factorise once, look up each distinct code once
        codes, uniques = pd.factorize(hs_cn[hit])
        found = table.reindex(uniques)
        unit_1[hit] = found["unit_1"].to_numpy(dtype=object)[codes]
        unit_2[hit] = found["unit_2"].to_numpy(dtype=object)[codes]
        elements[hit] = found["element_count"].to_numpy(dtype="float64")[codes]
    unknown = cn_ok_np & ~known
    reason = np.full(n, None, dtype=object)
    if unknown.any():
        reason[unknown] = ("hs_cn '" + hs_cn[unknown].astype(str) + "' is not in cn_tariff_lines valid on "
                           + crossing[unknown].astype(str) + "; legal units and 申报要素 not checked").tolist()
    count, text = _list_stats(f["cn_declaration_elements"])

    def declared(unit: pd.Series) -> pd.Series:
        return unit.where(~_blank(unit) & ~unit.isin(NO_UNIT), "")

    qty = f["cn_qty_declared"].where(f["cn_qty_declared"].notna(), f["quantity_value"])
    return f.assign(
        _crossing_date=crossing,
        _description=_coalesce(f["description_en"], f["description_zh"]),
        _hs_hk_6=f["hs_hk"].astype(str).str.slice(0, 6).where(hk_ok, None),
        _hs_cn_6=f["hs_cn"].astype(str).str.slice(0, 6).where(cn_ok, None),
        _price_qty=qty.astype("float64"),
        _tariff_unit_1=unit_1, _tariff_unit_2=unit_2, _tariff_element_count=elements,
        _tariff_not_checkable=reason,
        _unit_1_declared=declared(f["cn_unit_legal_1"]),
        _unit_2_declared=declared(f["cn_unit_legal_2"]),
        _declaration_element_count=count,
        _cn_declaration_elements_text=text,
        # GModel starts with the 品牌类型 and 出口享惠情况 codes (V16 checks them against their code sets)
        _declaration_brand_type=_element(text, 0),
        _declaration_export_preference=_element(text, 1),
    )


def _element(text: pd.Series, i: int) -> pd.Series:
    """Element ``i`` of newline-joined 申报要素 (None when the list is shorter)."""
    parts = text.astype(object).where(text.notna(), None).str.split("\n").str[i]
    return parts.astype(object).where(parts.notna(), None)


def _list_texts(f: pd.DataFrame, table: str) -> pd.DataFrame:
    extra = {f"_{c.name}_text": _list_stats(f[c.name])[1] for c in TABLES[table].columns
             if pa.types.is_list(c.type) and f"_{c.name}_text" not in f.columns}
    return f.assign(**extra) if extra else f


def build_frames(frames: Mapping[str, pd.DataFrame], reference: CodeLists, run: RunContext) -> ValidationFrames:
    """Validation frames for every suite table, and the suite parameters for this run."""
    base = {t: _canonical(frames, t) for t in SUITE_TABLES}
    info = _submission_info(base["submissions"], base["consignments"])
    out = dict(base)
    out["submissions"] = _submissions(base["submissions"], info, base["transport"], run)
    out["consignments"] = _consignments(base["consignments"], info, base["goods_items"], base["parties"])
    out["parties"] = _parties(base["parties"], info)
    out["goods_items"] = _goods(base["goods_items"], info, reference)
    for t in ("transport", "trailers", "equipment", "seals"):
        out[t] = base[t].assign(_crossing_date=base[t]["submission_id"].map(info["crossing_date"]))
    out = {t: _list_texts(f, t) for t, f in out.items()}
    dates = sorted({d for d in info["crossing_date"].dropna().tolist()})
    return ValidationFrames(frames=out, parameters=suite_parameters(reference, dates, run), submission_info=info)


def suite_parameters(reference: CodeLists, dates: Collection[str], run: RunContext) -> dict[str, Any]:
    """Run-time values for the suites' ``$PARAMETER`` placeholders."""
    params: dict[str, Any] = {
        name: {d: sorted(reference.codes(name, on=date.fromisoformat(d))) for d in dates} for name in CODE_LISTS
    }
    params["cn_manifest_lead_minutes"] = run.cn_manifest_lead_minutes
    return params


def hk_date(at: datetime) -> date:
    """The Hong Kong calendar date of an instant (naive = HK local)."""
    ts = pd.Timestamp(at)
    local: date = (ts.tz_localize(HK_TZ) if ts.tzinfo is None else ts.tz_convert(HK_TZ)).date()
    return local

