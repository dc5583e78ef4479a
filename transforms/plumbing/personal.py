"""Keyed hashing of personal data before it reaches the analytics dataset.

Drivers' names, Mainland driver codes, masked HKIDs and phone numbers are personal data (PDPO,
Cap. 486; PIPL on the Mainland). Analysts need to count and join them ("how many trips did this
driver make?"), never read them, so each value becomes ``HMAC-SHA256(key, NFKC-normalised value)``
in hex. A keyed hash, not a plain one: a driver code has few enough possible values that an
unkeyed sha256 is reversed by trying them all.

The key is the setting ``pii_key`` (environment ``SSDD_PII_KEY`` only). Without it the demo uses
:data:`DEMO_PII_KEY`, a labelled, public key, and warns once per process; the dataset's Parquet
metadata says which kind of key hashed it (``ssdd_pii_key``: ``demo`` or ``configured``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sys
import unicodedata
from collections.abc import Collection, Iterable, Set
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd
from pydantic import SecretStr

#: Canonical columns holding personal data, per table (transforms.model.canonical marks them "hashed in analytics").
PII_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "transport": ("driver_name", "driver_cn_code", "driver_hk_id_masked", "driver_phone"),
}
#: Every personal column name, whatever its table.
PERSONAL_FIELDS: Final = tuple(c for cols in PII_COLUMNS.values() for c in cols)
#: What stands in for a personal value in text that leaves the filings and the trader's own workbook.
PERSONAL_MASK: Final = "<redacted>"
#: Public, labelled demo key: hashes made with it protect nothing against someone who reads this file.
DEMO_PII_KEY: Final = "ssdd-DEMO-pii-key-not-secret"
#: Source headers (any case) whose finding values are personal: the driver columns' names and labels.
_PII_HEADER = re.compile(r"driver|司機|司机|hkid|身份證|身份证|phone|電話|电话|手機|手机", re.IGNORECASE)

DEMO_KEY_WARNING: Final = ("ssdd: warning: SSDD_PII_KEY is not set, so personal data in analytics/ is hashed with "
                            "the public DEMO key (fine for the sample data, not for real drivers); set SSDD_PII_KEY "
                            "to a long random secret.")

_warned = False


@dataclass(frozen=True)
class PiiHasher:
    """HMAC-SHA256 with one key; ``demo`` says the key is the public demo key."""

    key: bytes
    demo: bool

    @property
    def label(self) -> str:
        return "demo" if self.demo else "configured"

    def hash(self, value: Any) -> str | None:
        if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
            return None
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not text:
            return None
        return hmac.new(self.key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def hash_series(self, series: pd.Series) -> pd.Series:
        return pd.Series([self.hash(v) for v in series], index=series.index, dtype="object")


def hasher(key: SecretStr | str | None) -> PiiHasher:
    """The hasher for a configured key, or the demo key with one warning per process."""
    global _warned
    secret = key.get_secret_value() if isinstance(key, SecretStr) else key
    if secret:
        return PiiHasher(secret.encode("utf-8"), demo=False)
    if not _warned:
        _warned = True
        # Straight to stderr: a warnings.warn inside a flow can be filtered away by libraries' filters.
        print(DEMO_KEY_WARNING, file=sys.stderr, flush=True)
    return PiiHasher(DEMO_PII_KEY.encode("utf-8"), demo=True)


def hash_table(name: str, frame: pd.DataFrame, pii: PiiHasher) -> pd.DataFrame:
    """A copy of ``frame`` with the table's personal columns hashed (other tables pass through)."""
    cols = [c for c in PII_COLUMNS.get(name, ()) if c in frame.columns]
    if not cols:
        return frame
    out = frame.copy()
    for col in cols:
        out[col] = pii.hash_series(out[col])
    return out


def is_pii_header(header: Any) -> bool:
    """Whether a finding's source column holds personal data (a driver column by name or label)."""
    if header is None or (not isinstance(header, str) and bool(pd.isna(header))):
        return False
    text = str(header)
    return any(text == c for cols in PII_COLUMNS.values() for c in cols) or bool(_PII_HEADER.search(text))


# Personal values this process has read (drivers' names, codes, HKIDs, phones of the night's trip
# plans): a message, a log line or an exception may quote one anywhere, under any column name.
_known: set[str] = set()


def value_forms(value: str) -> set[str]:
    """``value`` as messages may quote it: as is, stripped, and escaped the ways our messages, JSON
    and Python reprs escape control characters."""
    text = value.strip()
    forms = {value, text, json.dumps(text, ensure_ascii=False)[1:-1], repr(text)[1:-1],
             "".join(ch if ch.isprintable() or ch in "\t\n\r " else f"\\u{ord(ch):04x}" for ch in text)}
    return {f for f in forms if len(f.strip()) >= 2}


def remember_personal(values: Iterable[Any]) -> None:
    """Note personal values read tonight, so that any text quoting one is redacted (see ``redact``)."""
    for v in values:
        if isinstance(v, str) and len(v.strip()) >= 2:
            _known.update(value_forms(v))


def forget_personal() -> None:
    """Start a run afresh: a long-running ``serve`` or ``watch`` would otherwise collect every night's."""
    _known.clear()


def personal_values(frames: Iterable[pd.DataFrame]) -> list[Any]:
    """The values of every personal column of ``frames`` (mapped trip plans, transport rows)."""
    return [v for f in frames for c in PERSONAL_FIELDS if c in f.columns for v in f[c].dropna().unique()]


def known_personal() -> Set[str]:
    """The personal values (in every quoted form) noted so far; read-only."""
    return _known


def is_personal_finding(header: Any, value: Any, known: Collection[str] | None = None) -> bool:
    """A finding on a driver column (by header), or quoting a value read from one."""
    seen = _known if known is None else known
    return is_pii_header(header) or (isinstance(value, str) and bool(value) and value in seen)


def _masked(message: Any, value: Any, stand_in: str) -> Any:
    if not isinstance(message, str) or not isinstance(value, str) or not value.strip():
        return message
    for form in sorted(value_forms(value), key=len, reverse=True):
        message = message.replace(form, stand_in)
    return message


def mask_personal(frame: pd.DataFrame, stand_in: str = PERSONAL_MASK) -> pd.DataFrame:
    """Findings as they may leave the trader's own workbook: the value of a personal finding, and
    every quotation of it in the messages, replaced by ``stand_in``."""
    if frame.empty or "value" not in frame.columns:
        return frame
    headers = frame["src_column"] if "src_column" in frame.columns else pd.Series(None, index=frame.index)
    mask = [is_personal_finding(h, v) for h, v in zip(headers, frame["value"], strict=True)]
    if not any(mask):
        return frame
    out = frame.copy()
    for idx in out.index[mask]:
        raw = out.at[idx, "value"]
        for col in _message_columns(out.columns):
            out.at[idx, col] = _masked(out.at[idx, col], raw if isinstance(raw, str) else str(raw), stand_in)
        out.at[idx, "value"] = stand_in
    return out


def redact_findings(frame: pd.DataFrame, pii: PiiHasher) -> pd.DataFrame:
    """Findings on personal columns: the value hashed, and removed from the messages that quote it
    (also in the escaped form a message shows a control character in)."""
    if frame.empty or "src_column" not in frame.columns or "value" not in frame.columns:
        return frame
    mask = [is_personal_finding(h, v) for h, v in zip(frame["src_column"], frame["value"], strict=True)]
    if not any(mask):
        return frame
    out = frame.copy()
    for idx in out.index[mask]:
        raw = out.at[idx, "value"]
        hashed = pii.hash(raw)
        out.at[idx, "value"] = hashed
        if hashed is None:
            continue
        for col in _message_columns(out.columns):
            out.at[idx, col] = _masked(out.at[idx, col], str(raw), "<hashed>")
    return out


def _message_columns(columns: Iterable[Any]) -> list[str]:
    return [str(c) for c in columns if str(c).startswith("message_")]


def require_key(key: SecretStr | str | None, command: str) -> PiiHasher:
    """For long-running commands (``serve``, ``watch``): no demo key, refuse to start without SSDD_PII_KEY."""
    secret = key.get_secret_value() if isinstance(key, SecretStr) else key
    if not secret:
        raise ValueError(f"`ssdd {command}` needs SSDD_PII_KEY (a long random secret that keys the hash of "
                         "drivers' personal data in analytics/); it refuses to run with the public demo key.")
    return PiiHasher(secret.encode("utf-8"), demo=False)
