"""Redact personal data from free text (log records, alert payloads) before it leaves the process.

Drivers' names, Mainland driver codes, HKIDs and phone numbers are personal data (PDPO Cap. 486;
PIPL). In logs they can only appear quoted in a message (an exception quoting a cell, a finding
naming a column), so two rules cover them: a value written after a driver field's name or label
(``driver_name='陈大文'``, ``司机: 陈大文``) is replaced, and anything shaped like an HKID or a Mainland
resident identity number is replaced wherever it stands.
"""

from __future__ import annotations

import re
from typing import Any, Final

from transforms.plumbing.personal import PII_COLUMNS, known_personal

MASK: Final = "[redacted]"

_FIELDS: Final = tuple(c for cols in PII_COLUMNS.values() for c in cols)
_LABELS: Final = ("司机海关编号", "司機海關編號", "司机", "司機", "驾驶员", "駕駛員", "driver code", "driver name",
                  "driver", "hkid", "身份证", "身份證", "電話", "电话", "手機", "手机")
_KEY: Final = "|".join(re.escape(k) for k in sorted((*_FIELDS, *_LABELS), key=len, reverse=True))
#: a driver field or label, an optional closing quote, a separator, then the value (quoted or bare)
_KEY_VALUE: Final = re.compile(
    rf"""(?P<key>(?:{_KEY})['"]?\s*(?:[:=：]|\bis\b|(?=['"「]))\s*)(?P<value>'[^']*'|"[^"]*"|「[^」]*」|[^\s,;，；|)\]}}'"]{{1,60}})""",
    re.IGNORECASE)
#: HKID: one or two letters, six digits, check digit (often in brackets); also masked forms (A123***(4))
_HKID: Final = re.compile(r"\b[A-Z]{1,2}\d{6}\s?(?:\([0-9A]\)|[0-9A])(?![0-9A-Za-z])"
                          r"|\b[A-Z]{1,2}\d{1,6}\*{1,6}\s?(?:\([0-9A*]\)|[0-9A*])?")
#: Mainland resident identity number: 17 digits and a check character
_CN_ID: Final = re.compile(r"(?<!\d)\d{17}[\dXx](?![0-9A-Za-z])")


def redact(text: str) -> str:
    """``text`` with personal values replaced by ``[redacted]``: after a driver field's name, in the
    shape of an identity number, and wherever a personal value read tonight appears (an exception
    quoting a cell says nothing about its column)."""
    if not text:
        return text
    out = text
    for value in sorted((v for v in known_personal() if v in out), key=len, reverse=True):
        out = out.replace(value, MASK)
    out = _KEY_VALUE.sub(lambda m: m.group("key") + MASK, out)
    out = _HKID.sub(MASK, out)
    return _CN_ID.sub(MASK, out)


def redact_json(value: Any) -> Any:
    """Every string inside a JSON-like value (dicts, lists), redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_json(v) for v in value]
    return value
