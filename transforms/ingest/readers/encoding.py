"""Which text encodings a delimited file may be in, in the order they should be tried.

Decoding is always strict: a byte sequence that is invalid in an encoding rules that encoding
out, it is never replaced. Strictness alone cannot choose, though: Big5-HKSCS bytes are also
valid GB18030 (as nonsense), and BOM-less UTF-16 is valid UTF-8 full of NULs. So a BOM decides
when there is one, a NUL pattern points at BOM-less UTF-16, and otherwise the caller's
``header_hint`` picks the first candidate under which a known header appears.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from typing import Final

#: Tried in this order when nothing better is known: the encodings traders' exports come in
#: (UTF-8; GBK/GB18030 from Mainland ERPs; Big5-HKSCS from Hong Kong systems; Windows-1252
#: from Western tools), then Shift-JIS last because it accepts much that is not Japanese.
DEFAULT_CANDIDATES: Final = ("utf-8", "gb18030", "big5hkscs", "cp1252", "cp932")

# Longest first: the UTF-32 LE BOM begins with the UTF-16 LE one.
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF8_NAMES: Final = frozenset({"utf-8", "utf8", "utf_8", "u8"})


def bom_encoding(head: bytes) -> str | None:
    """The codec a byte-order mark announces (the codec also consumes the mark)."""
    return next((encoding for bom, encoding in _BOMS if head.startswith(bom)), None)


def utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when NUL bytes sit on one side of the byte pairs.

    In UTF-16 every ASCII character (digits, delimiters, line ends) has a NUL high byte, so
    text in it shows NULs at odd offsets (little-endian) or even offsets (big-endian); a
    single-byte encoding almost never contains NULs at all.
    """
    sample = head[: 4096 - 4096 % 2]
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= max(2, pairs // 10) and even * 3 < odd and even <= pairs // 20:
        return "utf-16-le"
    if even >= max(2, pairs // 10) and odd * 3 < even and odd <= pairs // 20:
        return "utf-16-be"
    return None


def candidate_encodings(head: bytes, declared: Sequence[str] | None) -> list[str]:
    """Encodings to try, in order, for a file whose first bytes are ``head``."""
    bom = bom_encoding(head)
    if declared:
        # Declared encodings are tried exactly as given, except that a UTF-8 declaration must
        # not turn the file's BOM into a stray U+FEFF at the start of the first header.
        return [("utf-8-sig" if bom == "utf-8-sig" and e.lower() in _UTF8_NAMES else e) for e in declared]
    if bom is not None:
        return [bom]
    utf16 = utf16_without_bom(head)
    return ([utf16] if utf16 else []) + list(DEFAULT_CANDIDATES)


def decode_head(head: bytes, encoding: str, *, complete: bool) -> str | None:
    """``head`` decoded strictly, or None when it is invalid in ``encoding``.

    When the file goes on past ``head`` a character cut in two at the end is not an error.
    """
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        return decoder.decode(head, final=complete)
    except UnicodeDecodeError:
        return None
