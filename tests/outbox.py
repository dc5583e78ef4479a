"""Comparing two nights' outboxes when only the trips' message slots may differ.

A Mainland road message's SendTime, and so its file name, is the run's as-of plus the trip's slot
among the night's trips (flows/night.py numbers them in the order the night meets them), so a night
split into other batches, or missing another trader's trips, numbers a trip differently. Every other
byte must be the same."""

from __future__ import annotations

import re
from pathlib import Path

_SEND_TIME = re.compile(rb"<SendTime>\d{17}</SendTime>")
_STAMP = re.compile(r"(CN_MT\d{4}_1p0_\w{13}_)\d{17}(\d{2}\.xml)")


def without_send_time(data: bytes) -> bytes:
    """A message's bytes with its road SendTime (the trip's slot in the night) blanked."""
    return _SEND_TIME.sub(b"<SendTime/>", data)


def slot_free(ws: Path) -> list[tuple[str, bytes]]:
    """Every XML file of the outbox as (path with the SendTime stamp blanked, bytes with SendTime
    blanked), sorted."""
    return sorted((_STAMP.sub(r"\1<SendTime>\2", p.relative_to(ws).as_posix()), without_send_time(p.read_bytes()))
                  for p in (ws / "outbox").rglob("*.xml"))
