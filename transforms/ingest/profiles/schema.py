"""What a profile may say: strict pydantic models (unknown keys are errors, no code).

A profile maps one source *family* (an ERP export, the item master, the trip plan…) onto
canonical column names. Columns are found by header name (aliases, full/half width, Chinese or
English), never by position.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ColumnType = Literal[
    "text",        # trimmed text
    "code",        # identifier: keep as text, drop spaces and dots, optional left zero-pad
    "number",      # decimal number (thousands separators, decimal comma per profile)
    "integer",     # whole number
    "date",        # calendar date
    "datetime",    # local date-time (Hong Kong unless the trader says otherwise)
    "unit",        # unit word or code -> UN/ECE Rec 20
    "package",     # package word or code -> UN/ECE Rec 21
    "currency",    # name or code -> ISO 4217
    "country",     # name or code -> ISO 3166 alpha-2
    "control_point",  # name on either side -> ImmD code
    "direction",   # HK_IMPORT / HK_EXPORT / 南下 / 北上
    "list",        # several values in one cell (split on ; , / or newlines)
    "mass",        # weight; converted to kg using `unit_headers` or `mass_unit`
]

Role = Literal["commercial_lines", "item_master", "trip_plan"]

#: The canonical fields each role needs before its rows can be filed, mapped as a column or given as a
#: constant; a group of several is alternatives. Commercial lines: what assembly and both filings
#: cannot do without (the rest are per-line findings). Trip plans: only what names and routes a truck
#: (the carrier may come from trader.yaml). Item masters: the SKU lines are matched on.
ROLE_NEEDS: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    "commercial_lines": (("invoice_no",), ("sku", "hs_hk", "hs_cn"), ("quantity_value",), ("quantity_unit",),
                         ("line_amount_value",), ("line_amount_currency",)),
    "trip_plan": (("trip_ref",), ("control_point",), ("expected_crossing_at",), ("direction",),
                  ("vehicle_reg_hk", "vehicle_reg_cn"), ("invoice_nos",)),
    "item_master": (("sku",),),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnSpec(_Strict):
    headers: list[str] = Field(min_length=1, description="Accepted header spellings (any language).")
    type: ColumnType = "text"
    required: bool = Field(False, description="The file does not match this profile without it.")
    pad_to: int | None = Field(None, ge=1, le=20,
                               description="Left-pad digits to this length (only for fixed-length codes).")
    mass_unit: Literal["KGM", "GRM", "LBR"] | None = Field(None, description="Unit of a mass column.")
    unit_headers: list[str] = Field(default_factory=list,
                                    description="Header of a column holding this mass's unit (KG, G, LB).")


class TaxRule(_Strict):
    """Kingdee: 价税合计 is tax-inclusive; when 税率 is present and non-zero, declare 金额."""

    rate_headers: list[str]
    net_headers: list[str]


class Profile(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    profile_version: int = Field(ge=1)
    role: Role
    title: str
    description: str = ""
    containers: list[Literal["xlsx", "xls", "ods", "csv", "spreadsheetml"]] = Field(min_length=1)
    encodings: list[str] = Field(default_factory=list, description="CSV encodings to try, strictly, in order.")
    decimal: Literal[".", ","] = "."
    thousands: Literal[",", ".", " ", ""] = ","
    date_formats: list[str] = Field(
        default_factory=lambda: ["%Y-%m-%d"],
        description="Date formats tried in order: strptime patterns (%d/%m/%Y), 'roc' for Minguo (ROC) dates "
                    "(1140925, 114/09/25, 民國114年9月25日: year + 1911) and 'serial' for Excel serial day numbers "
                    "(46329 = 2026-11-03). A bare number is read as a date only under 'serial' or 'roc'.")
    datetime_formats: list[str] = Field(
        default_factory=lambda: ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        description="Date-time formats tried in order, like date_formats ('roc' takes an optional HH:MM[:SS]; "
                    "'serial' a day number with a fraction).")
    header_scan_rows: int = Field(30, ge=1, le=200)
    totals_markers: list[str] = Field(default_factory=lambda: ["合计", "合計", "总计", "總計", "Total", "Totals"])
    columns: dict[str, ColumnSpec]
    constants: dict[str, str] = Field(
        default_factory=dict,
        description="Values the family implies for every row, e.g. packages_type CT when the count column is 箱數.")
    tax: TaxRule | None = None

    @field_validator("columns")
    @classmethod
    def _some_required(cls, v: dict[str, ColumnSpec]) -> dict[str, ColumnSpec]:
        if not any(c.required for c in v.values()):
            raise ValueError("a profile needs at least one required column to be detectable")
        return v

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.profile_version}"

    def role_gaps(self) -> list[str]:
        """The needs of its role (:data:`ROLE_NEEDS`) this profile maps no field for, e.g.
        ``['invoice_no', 'sku or hs_hk or hs_cn']``; empty when it can serve its role."""
        given = set(self.columns) | set(self.constants)
        return [" or ".join(group) for group in ROLE_NEEDS[self.role] if not given & set(group)]


def role_refusal(profile: Profile, label: str) -> str | None:
    """One sentence refusing ``profile`` (read from ``label``) when it cannot serve its role, else None."""
    gaps = profile.role_gaps()
    if not gaps:
        return None
    return (f"{label} (profile {profile.id}) cannot serve as {profile.role}: it maps no {', '.join(gaps)}; "
            "add these canonical fields under columns (or constants) and run again, until then it is not used.")
