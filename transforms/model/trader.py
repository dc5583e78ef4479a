"""``trader.yaml``: the trader's standing data (source-formats.md §G), strict and code-free."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from transforms.model.reference import norm_header
from transforms.model.trader_mainland import HkRecord, MainlandRecord
from transforms.plumbing.paths import relative_folder
from transforms.plumbing.timeutil import HK_TZ
from transforms.plumbing.yamldata import iana_time_zone, load_yaml_model, text_encodings

TRADER_FILE = "trader.yaml"
#: UN/ECE Rec 19 road: the mode of a trip whose plan and trader.yaml say none. The scheme covers cargo
#: crossing the land boundary by truck (../shared/domain/ssdd-domain.md §6.4 V02: "ROCARS is road-only
#: [S1]; SSDD covers road cargo [S13]"; §6.2 Submission: mode "`3` road (only value accepted now)").
ROAD_MODE: Final = "3"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartyIds(_Strict):
    cn_uscc: str | None = None
    cn_customs_code: str | None = None
    hk_brn: str | None = None


class SelfParty(_Strict):
    """The consignor: the trader issuing the invoices."""

    name_en: str
    name_zh: str | None = None
    address: str
    city: str | None = None
    country: str = Field(pattern=r"^[A-Z]{2}$")
    ids: PartyIds = PartyIds()


class Customer(SelfParty):
    """A consignee, looked up by any of the names the export uses for it."""

    names: list[str] = Field(min_length=1, description="Names the export uses for this customer.")


class Carrier(_Strict):
    name_en: str
    code: str | None = Field(None, description="The carrier code trip plans use (carrier_code); the carrier of "
                                               "plan rows without one (else cn_customs_code).")
    cn_customs_code: str | None = None
    # The conveyance confirmation writes a seal as M|E/<number>@<sealing party> (MT4401/MT4402
    # TransportEquipmentSealIDType; CN017 施加封志人类型). A trip plan without seal_type / sealing_party
    # takes these.
    seal_type: Literal["M", "E"] | None = Field(
        None, description="封志类型 of this carrier's seals when the trip plan has no seal_type: M mechanical, "
                          "E electronic.")
    sealing_party: Literal["AA", "AB", "AC", "CA", "CU", "SH", "TO"] | None = Field(
        None, description="Who seals (CN017) when the trip plan has no sealing_party: CA carrier, CU customs, "
                          "SH shipper, AA consolidator, AB unknown, AC quarantine agency, TO terminal operator.")
    # The registry picks a trip's writers by its mode (the road manifest and declaration only for 3), so
    # a carrier that is not a trucking company says so here, or each plan row in its transport_mode column.
    transport_mode: Literal["1", "2", "3", "4", "5", "6", "7", "8"] = Field(
        ROAD_MODE, description="UN/ECE Rec 19 mode of this carrier's trips when the trip plan has no "
                               "transport_mode cell: 3 road (the default), 1 sea, 2 rail, 4 air, 5 mail, "
                               "6 multimodal, 7 fixed installation, 8 inland water.")


class Declaration(_Strict):
    cn_trade_mode: str | None = None
    cn_transaction_method: str | None = None
    cn_levy_nature: str | None = None
    cn_origin_district: str | None = None


class Defaults(_Strict):
    package_type: str | None = None
    country_of_origin: str | None = None


class TraderSettings(_Strict):
    trader: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    profile: str | None = None
    self_: SelfParty = Field(alias="self")
    customers: list[Customer] = Field(default_factory=list)
    carrier: Carrier | None = None
    declaration: Declaration = Declaration()
    language: Literal["zh-Hans", "zh-Hant"] = "zh-Hans"
    defaults: Defaults = Defaults()
    mainland: MainlandRecord = Field(default_factory=lambda: MainlandRecord.model_validate({}))
    hk: HkRecord = Field(default_factory=lambda: HkRecord.model_validate({}))
    timezone: Annotated[str, AfterValidator(iana_time_zone)] = HK_TZ.key
    direction_view: Literal["HK", "CN"] | None = Field(
        None, description="Whose view a bare 进口/出口 in the trip plan takes.")
    invoice_no_column: str | None = Field(
        None, description="Kingdee: the header that holds the invoice number when 单据编号 is not it.")
    feedback_dir: Annotated[str | None, AfterValidator(relative_folder)] = Field(
        None, description="Folder (inside the workspace) for error workbooks.")
    encodings: Annotated[list[str], AfterValidator(text_encodings)] = Field(
        default_factory=list, description="CSV encodings this trader's files use.")

    def customer(self, name: str | None) -> Customer | None:
        if not name:
            return None
        key = norm_header(name)
        for c in self.customers:
            if key in {norm_header(n) for n in (*c.names, c.name_en, c.name_zh or "")}:
                return c
        return None


class TraderSettingsError(Exception):
    pass


def load_trader(path: Path) -> TraderSettings:
    return load_yaml_model(path, TraderSettings, f"{path.parent.name}/{path.name}", TraderSettingsError)
