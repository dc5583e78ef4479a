"""What a quality rule is: :class:`Rule`, its severities and the source each rule id cites.

The rules themselves are declared in :mod:`expectations.rules`. A :class:`Rule` names its id and
severity, the canonical table (= suite) and the columns it reads (the first one is the cell a finding
points at), and states the check as a GX expectation. The runner evaluates that expectation with the
vectorised implementation of its type (:mod:`expectations.checks`); :func:`expectations.suites.build_suites`
puts the same expectation, stamped with the rule's identity and source, into the GX suite that Data Docs,
the snapshots and the parity test read.

Severity: ``error`` holds the whole submission; ``warning`` is reported only. Items only the later
HK declaration (TDEC) needs are warnings when missing and errors when present but malformed.

Message templates are ``str.format`` strings: ``{value}`` is the reported cell as text,
``{value_escaped}`` the same with control characters escaped, ``{column}`` its canonical name,
``{label}`` its Chinese label; any column of the validation frame and any scalar run parameter
(e.g. ``{cn_manifest_lead_minutes}``) can be named too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final, Literal

import pandas as pd
from great_expectations.expectations.expectation import Expectation
from great_expectations.expectations.metadata_types import FailureSeverity

from expectations import checks

__all__ = ["ERROR", "SOURCES", "WARNING", "Check", "Rule", "Severity"]

Severity = Literal["error", "warning"]
ERROR: Final[Severity] = "error"
WARNING: Final[Severity] = "warning"
Check = Callable[[pd.DataFrame, checks.Params], checks.Mask]

_GX_SEVERITY: Final = {ERROR: FailureSeverity.CRITICAL, WARNING: FailureSeverity.WARNING}

#: Why each rule exists (ssdd-domain.md §6.4; [Sn] = its Sources list). Stamped into the suites' meta.
SOURCES: Final[dict[str, str]] = {
    "V01": "only 6 road land boundary control points exist [S28][S31]",
    "V02": "ROCARS is road-only [S1]; SSDD covers road cargo [S13]",
    "V03": "the 8 mandatory ROCARS e-ACI items [S1][S2]",
    "V04": "ACI 30 min to 14 days before crossing; bundling >= 30 min [S1][S3]; Mainland manifest lead "
           "is a run parameter",
    "V05": "HKHS is 8 digits, first 6 = HS [S26]; annual editions [S24]",
    "V06": "China 商品编号 is 10 digits [S38]; 检验检疫编码 (CiqCode) is 3 digits (official DecMessage schema: "
           "'检验检疫编码，填写3位编码')",
    "V07": "HKHS and China codes extend the same HS subheading [S26][S38]",
    "V08": "WCO DM / China manifest code lists: ISO 3166-1 alpha-2, ISO 4217 [S33][S45]",
    "V09": "UN/ECE Rec 20/21 and China legal units [S33][S54][S36]",
    "V10": "physical consistency; China manifest carries consignment and item GrossMassMeasure [S33]",
    "V11": "ROCARS item (a) vs manifest ConsignmentItem/Packaging [S1][S33]",
    "V12": "报关单 DeclPrice x GQty = DeclTotal [S38]",
    "V13": "ISO 6346 check digit [S57]",
    "V14": "GB 32100-2015 mod-31 check character [S58]",
    "V15": "legal units fixed per tariff line (unit1/unit2) [S42]",
    "V16": "GModel is |-delimited in the tariff line's element order without 品名, starting with the 品牌类型 and "
           "出口享惠情况 codes [S39]",
    "V17": "C&SD major data items: BRN, HK address, no P.O. box [S23]; needed by the later TDEC",
    "V18": "Cap. 60E: TDEC within 14 days of import/export [S22]",
    "V19": "WCO UCR an..35 [S47][S49]",
    "V20": "ROCARS bundling is per truck (CCRNs + VRN) [S1]; MT4401 is per conveyance [S35]",
    "V21": "XML 1.0 character rules; text must survive both filings' XML (architecture invariant 4)",
    "V22": "conveyance ID and driver code needed in 承运确报 MT4401/MT4402 [S35]",
    "REQ": "goods-line items both filings need (quantity, unit, amount, currency, origin, China code)",
}


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    table: str
    columns: tuple[str, ...]
    gx: Expectation
    message_en: str
    message_zh: str
    #: Context column holding a reason where the rule could not be checked (null = checked).
    not_checkable: str | None = None
    #: Vectorised ``failed`` mask; by default the implementation of ``gx``'s expectation type.
    check: Check | None = None
    #: Reference table the rule compares against: when that table is not from an official source
    #: (manifest.json ``official``), a failure is a warning, never a hold.
    reference_table: str | None = None

    def on_reference(self, official: Callable[[str], bool]) -> Rule:
        """This rule as it applies with the loaded reference: an error on illustrative rows warns."""
        if self.reference_table is None or self.severity != ERROR or official(self.reference_table):
            return self
        return replace(self, severity=WARNING,
                       message_en=self.message_en + " (illustrative tariff rows: a warning until an official tariff "
                       "is loaded)", message_zh=self.message_zh + "（税则为示例数据：导入官方税则前仅作警告）")

    @property
    def key(self) -> str:
        """Unique rule key, e.g. ``V05.hs_hk_format`` (several keys can share one V-id)."""
        return f"{self.id}.{self.name}"

    def expectation(self) -> Expectation:
        """``gx`` stamped with the rule's identity, ready to add to a suite."""
        meta = {"rule_id": self.id, "rule_key": self.key, "severity": self.severity,
                "columns": list(self.columns), "source": SOURCES[self.id]}
        stamped: Expectation = self.gx.copy(update={
            "meta": meta, "severity": _GX_SEVERITY[self.severity], "id": None,
            "description": f"{self.key} [{self.severity}]: {_generic(self.message_en)}",
        })
        return stamped

    def evaluate(self, frame: pd.DataFrame, params: checks.Params) -> tuple[checks.Mask, checks.Mask]:
        """(rows GX would judge, rows that fail) over a validation frame."""
        considered = checks.considered_mask(self.gx, frame)
        raw = self.check(frame, params) if self.check is not None else checks.raw_failures(self.gx, frame, params)
        return considered, considered & raw


def _generic(template: str) -> str:
    """A message template as a rule statement: ``'{value}'`` becomes ``'«value»'`` (HTML-safe)."""
    return re.sub(r"\{(\w+)(![rsa])?\}", r"«\1»", template).replace("«value_escaped»", "«value»")
