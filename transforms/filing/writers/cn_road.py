"""What the Mainland road messages share: namespaces, the flattened official schemas, value checks
read from those schemas, the message head and the channel's file names.

Evidence (``../shared/reference/cn-manifest/``, read at development time only): the schemas are the
official 2019-02-12 pack, flattened by :mod:`transforms.devtools.manifest_schema_build` into
``data/schemas/cn-manifest/``; head layout and file names follow the official samples (structure.md
§3, §5). A value a message needs is checked here against the very facets (length, pattern,
enumeration) the schema enforces, so a preflight sentence says what is wrong before validation would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Final

from lxml import etree

from transforms.filing.writers.schemas import SCHEMA_DIR as SHIPPED_SCHEMAS
from transforms.filing.writers.schemas import validate_with, xml_parser
from transforms.filing.writers.values import Builder
from transforms.plumbing.timeutil import HK_TZ

SCHEMA_DIR: Final = SHIPPED_SCHEMAS / "cn-manifest"
RECEIPT_SCHEMA: Final = "Manifest_Response_Road.xsd"
RECEIPT_NAMESPACE: Final = "urn:Declaration:datamodel:standard:CN:MTRES4:1"

#: (MessageType, FunctionCode) -> the official schema of that variant (structure.md §3).
SCHEMAS: Final[dict[tuple[str, str], str]] = {
    ("MT2401", "9"): "Manifest_Declare_Export_Road_MT2401_9.xsd",
    ("MT2401", "5"): "Manifest_Declare_Export_Road_Update_MT2401_5.xsd",
    ("MT2401", "3"): "Manifest_Declare_Export_Road_Delete_MT2401_3.xsd",
    ("MT1401", "9"): "Manifest_Declare_Import_Road_MT1401_9.xsd",
    ("MT1401", "5"): "Manifest_Declare_Import_Road_Update_MT1401_5.xsd",
    ("MT1401", "3"): "Manifest_Declare_Import_Road_Delete_MT1401_3.xsd",
    ("MT4402", "2"): "Manifest_Binding_Export_Road_MT4402_2.xsd",
    ("MT4402", "3"): "Manifest_Binding_Export_Road_Delete_MT4402_3.xsd",
    ("MT4401", "2"): "Manifest_Binding_Import_Road_MT4401_2.xsd",
    ("MT4401", "3"): "Manifest_Binding_Import_Road_Delete_MT4401_3.xsd",
}

#: Mainland view of a trip: HK_IMPORT = goods leave the Mainland (pre-stowage manifest MT2401, export
#: conveyance confirmation MT4402); HK_EXPORT = goods enter it (original manifest MT1401, MT4401).
MANIFEST_TYPE: Final = {"HK_IMPORT": "MT2401", "HK_EXPORT": "MT1401"}
CONVEYANCE_TYPE: Final = {"HK_IMPORT": "MT4402", "HK_EXPORT": "MT4401"}
RECEIVER_ID: Final = "EPORT"          # every sample, template and real message (structure.md §5)
MESSAGE_VERSION: Final = "1.0"        # CC015's only value
_SENDER_CODE_LENGTH: Final = 13       # customs district (4) + organisation code (9), structure.md §5


def namespace(message_type: str) -> str:
    return f"urn:Declaration:datamodel:standard:CN:{message_type}:1"


@cache
def builder(message_type: str) -> Builder:
    return Builder(namespace(message_type))


# ---------------------------------------------------------------------------------------------
# schemas
# ---------------------------------------------------------------------------------------------


def schema_file(message_type: str, function_code: str) -> str:
    try:
        return SCHEMAS[(message_type, function_code)]
    except KeyError:
        raise KeyError(f"no official schema for {message_type} with FunctionCode {function_code}") from None


def validate_file(file: str, doc: etree._Element) -> list[str]:
    """``line N: message`` errors of ``doc`` against one flattened schema; [] when valid (compiled once per
    process by :func:`transforms.filing.writers.schemas.validate_with`, like every shipped XSD)."""
    return validate_with(f"{SCHEMA_DIR.name}/{file}", doc)


def validate_message(doc: etree._Element) -> list[str]:
    """Validate a road message against the schema its own Head names (MessageType, FunctionCode)."""
    head = doc.find("{*}Head")
    mt = head.findtext("{*}MessageType") if head is not None else None
    fc = head.findtext("{*}FunctionCode") if head is not None else None
    if (mt, fc) not in {(k[0], k[1]) for k in SCHEMAS}:
        return [f"no official schema for MessageType {mt} with FunctionCode {fc}"]
    return validate_file(schema_file(str(mt), str(fc)), doc)


# ---------------------------------------------------------------------------------------------
# facets: the value checks of the schema, for preflight sentences
# ---------------------------------------------------------------------------------------------

_XS: Final = "{http://www.w3.org/2001/XMLSchema}"


#: The official patterns in words (a sentence for a trader, not a regular expression).
_PATTERN_WORDS: Final = {
    "([A-Z0-9]+)": ("capital letters and digits only", "仅限大写字母和数字"),
    "[A-Z0-9]+": ("capital letters and digits only", "仅限大写字母和数字"),
    "[@]{0,1}[A-Z0-9]+": ("capital letters and digits only", "仅限大写字母和数字"),
    "[A-Z0-9]+[-]{0,1}[A-Z0-9]+": ("capital letters and digits, at most one hyphen inside",
                                   "大写字母和数字，中间最多一个连字符"),
    "((M|E)/([A-Za-z0-9]+)@(AA|AB|AC|CA|CU|SH|TO))|(0000)": (
        "M or E, a slash, the seal number, @ and the sealing party AA, AB, AC, CA, CU, SH or TO, e.g. M/123456@CU",
        "M 或 E、斜杠、封志号、@ 及施封人代码 AA/AB/AC/CA/CU/SH/TO，如 M/123456@CU"),
    "[0-9]{2}[A-Z0-9]{2}|LokMaChau": ("a 4-character customs district code", "4 位海关关区代码"),
    "([0-9]{4})": ("a 4-digit UN number", "4 位联合国危险货物编号"),
}


@dataclass(frozen=True)
class Facets:
    """The string facets of one schema type (all its restriction steps together)."""

    min_length: int | None
    max_length: int | None
    patterns: tuple[str, ...]
    enumeration: frozenset[str] | None

    def problem(self, value: str) -> tuple[str, str] | None:
        """Why ``value`` breaks these facets, as an English and a Chinese clause; None when it fits."""
        if self.enumeration is not None and value not in self.enumeration:
            return "is not in the code list", "不在代码表中"
        if self.max_length is not None and len(value) > self.max_length:
            return f"is longer than {self.max_length} characters", f"超过 {self.max_length} 个字符"
        if self.min_length is not None and len(value) < self.min_length:
            return f"is shorter than {self.min_length} characters", f"少于 {self.min_length} 个字符"
        for p in self.patterns:
            if re.fullmatch(p, value) is None:
                en, zh = _PATTERN_WORDS.get(p, (p, p))
                return f"does not have the form the channel requires ({en})", f"不符合报文要求的格式（{zh}）"
        return None


@cache
def _types(file: str) -> dict[str, etree._Element]:
    root = etree.parse(str(SCHEMA_DIR / file), xml_parser()).getroot()
    return {t.get("name", ""): t for t in root if t.tag in (_XS + "simpleType", _XS + "complexType")}


@cache
def facets(type_name: str, file: str = SCHEMAS[("MT2401", "9")]) -> Facets:
    """Facets of a flattened library type such as ``Declaration.ConsigneeNameTextType``."""
    types = _types(file)
    lo: int | None = None
    hi: int | None = None
    patterns: list[str] = []
    enum: frozenset[str] | None = None
    name: str | None = type_name
    while name is not None:
        t = types[name]
        step = t.find(f"{_XS}simpleContent/*") if t.tag == _XS + "complexType" else t.find(_XS + "restriction")
        if step is None:
            break
        values = [e.get("value", "") for e in step.findall(_XS + "enumeration")]
        if values and enum is None:
            enum = frozenset(values)
        patterns.extend(e.get("value", "") for e in step.findall(_XS + "pattern"))
        for f in step.findall(_XS + "minLength"):
            lo = max(lo or 0, int(f.get("value", "0")))
        for f in step.findall(_XS + "maxLength"):
            v = int(f.get("value", "0"))
            hi = v if hi is None else min(hi, v)
        base = step.get("base", "")
        name = base[4:] if base.startswith("mft:") else None
    return Facets(lo, hi, tuple(patterns), enum)


def codes(code_list: str) -> frozenset[str]:
    """The values a code list (``CN005``, ``CC007`` …) enumerates in the official schema."""
    file = next(f for f in sorted(set(SCHEMAS.values())) if f"{code_list}.{code_list}" in _types(f))
    found = facets(f"{code_list}.{code_list}", file).enumeration
    assert found is not None
    return found


# ---------------------------------------------------------------------------------------------
# head and file names
# ---------------------------------------------------------------------------------------------

def sender_code(sender_id: str) -> str:
    """The sender part of a channel file name: the 13-character customs registration code that
    starts the SenderID (samples: SenderID ``5345766374655_DXPESW0000001256``, files
    ``CN_MT2401_1p0_5345766374655_…``); the literal senders EPORT / CCIC stand for themselves."""
    return sender_id if sender_id in ("EPORT", "CCIC") else sender_id[:_SENDER_CODE_LENGTH]


#: Milliseconds of SendTime reserved per trip: a trip's messages of one type are at most two (an
#: amended conveyance confirmation is a deletion, then a new application).
MESSAGE_SLOT_MS: Final = 2


def send_time(as_of: datetime, message_seq: int, offset_ms: int = 0) -> datetime:
    """A message's SendTime: the run's as-of in Hong Kong (= Beijing, both UTC+8) time, plus the
    trip's slot (``message_seq`` × :data:`MESSAGE_SLOT_MS``) and the message's offset inside it, so
    that every message a run writes has its own time and file name, the same on every replay."""
    if not 0 <= offset_ms < MESSAGE_SLOT_MS:
        raise ValueError(f"offset_ms must be in 0..{MESSAGE_SLOT_MS - 1}, got {offset_ms}")
    return as_of.astimezone(HK_TZ) + timedelta(milliseconds=message_seq * MESSAGE_SLOT_MS + offset_ms)


def stamp17(t: datetime) -> str:
    """yyyyMMddHHmmssfff, the SendTime layout of the head (17 digits)."""
    return f"{t:%Y%m%d%H%M%S}{t.microsecond // 1000:03d}"


def file_name(message_type: str, sender_id: str, t: datetime, function_code: str) -> str:
    """``CN_<MessageType>_1p0_<sender code>_<yyyyMMddHHmmssfff><FunctionCode, 2 digits>.xml``.

    Assumption from the samples: every official sample's name ends in its SendTime (17 digits)
    followed by its FunctionCode padded to two digits (…_2019021210203040009 for a FunctionCode 9
    sent at 20190212102030400); the format notes name only the 17-digit time."""
    return f"CN_{message_type}_1p0_{sender_code(sender_id)}_{stamp17(t)}{int(function_code):02d}.xml"


def message_id(message_type: str, submission_id: str, version: int, function_code: str) -> str:
    """Unique per sender and message type, and stable for a filed version: receipts echo it, so it
    names the submission and version it answers (``MT2401_<submission hex>_V<version>_F<code>``)."""
    return f"{message_type}_{submission_id.replace('-', '')}_V{version}_F{function_code}"


_DECLARATION: Final = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def serialise_message(root: etree._Element) -> bytes:
    """A road message as the channel's samples write it: UTF-8 with a double-quoted declaration."""
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def head(parent: etree._Element, message_type: str, function_code: str, mid: str, sender_id: str,
         t: datetime) -> None:
    b = builder(message_type)
    h = b.el(parent, "Head")
    b.el(h, "MessageID", mid)
    b.el(h, "FunctionCode", function_code)
    b.el(h, "MessageType", message_type)
    b.el(h, "SenderID", sender_id)
    b.el(h, "ReceiverID", RECEIVER_ID)
    b.el(h, "SendTime", stamp17(t))
    b.el(h, "Version", MESSAGE_VERSION)
