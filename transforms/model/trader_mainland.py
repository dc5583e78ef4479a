"""The ``mainland:`` and ``hk:`` sections of ``trader.yaml``: what the two declarations need that no
commercial file carries (the parties the customs registers know, the declaration's explicit codes).

Every field is optional here so that a trader.yaml without them still loads; a trip that needs a
missing one is held by :mod:`transforms.assembly.mainland_record` with a sentence naming the key to set.
Codes are the official ones (报关单 EntryType, DeclTrnRel, Type; FeeMark/InsurMark), never words.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _as_text(v: Any) -> Any:
    """A code written unquoted in YAML (``decl_trn_rel: 0``) arrives as a number: take its digits."""
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


Code = Annotated[str, BeforeValidator(_as_text)]
EntryType = Annotated[Literal["0", "L", "W", "D", "M"], BeforeValidator(_as_text)]
DeclTrnRel = Annotated[Literal["0", "1"], BeforeValidator(_as_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CnParty(_Strict):
    """A Mainland enterprise as the customs register knows it."""

    name_zh: str | None = Field(None, description="Registered Chinese name.")
    name_en: str | None = None
    customs_code: Code | None = Field(None, pattern=r"^[0-9A-Z]{10}$", description="海关编码, 10 characters.")
    uscc: str | None = Field(None, pattern=r"^([0-9A-Z]{18}|NO)$",
                             description="统一社会信用代码, 18 characters ('NO' for an owner that has none).")


class Charge(_Strict):
    """运费 / 保费 as the declaration states them: a rate (mark 1), per unit (2) or a total (3)."""

    value: float = Field(ge=0)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$", description="ISO 4217; not used with a rate.")
    mark: Annotated[Literal["1", "2", "3"], BeforeValidator(_as_text)]


class MainlandRecord(_Strict):
    owner: CnParty | None = Field(None, description="生产销售单位 (leaving the Mainland) / 消费使用单位 (entering).")
    declarant: CnParty | None = Field(None, description="申报单位 (the customs broker or the trader itself).")
    trade_party: CnParty | None = Field(None, description="境内收发货人 (the Mainland exporter / importer).")
    contract_no: str | None = Field(None, max_length=32, description="合同协议号, unless the invoices carry it.")
    foreign_port: str | None = Field(None, pattern=r"^[A-Z]{3}[0-9]{3}$",
                                     description="指运港 / 启运港, official port code, e.g. HKG000.")
    trading_country: str | None = Field(None, pattern=r"^[A-Z]{2}$", description="贸易国, ISO 3166 alpha-2.")
    marks_and_numbers: str | None = Field(None, max_length=400, description="标记唛码; N/M when there are none.")
    goods_place: str | None = Field(None, max_length=100, description="货物存放地点.")
    entry_type: EntryType | None = Field(
        None, description="报关单类型: 0 ordinary, L with list, W paperless, D list and paperless, M 无纸化通关.")
    decl_trn_rel: DeclTrnRel | None = Field(None, description="0 一般报关, 1 转关运输提前报关.")
    dec_type: str | None = Field(None, pattern=r"^[A-Z]{2}$", description="单据类型 (SD, ML, LY, CL, SS, MT, Z…).")
    freight: Charge | None = None
    insurance: Charge | None = None


class HkDeclarant(_Strict):
    name_en: str
    name_zh: str | None = None
    hk_brn: str | None = Field(None, pattern=r"^[0-9]{8}$", description="Business Registration No., 8 digits.")
    address: str | None = None


class HkRecord(_Strict):
    declarant: HkDeclarant | None = Field(None, description="Who lodges the import/export declaration (TDEC).")
    place_of_loading: str | None = Field(None, max_length=35,
                                         description="Place of loading, UN/LOCODE where known (CNSZX, HKHKG).")
