"""The settings the Mainland writers declare (their ``settings_type``). Only they are given them: the
filing step reads these fields from the run's settings, by name, for the writers that declare them.

The field names are those of :class:`transforms.plumbing.settings.Settings`, and the defaults are its
defaults (a test holds them together), so a writer test can build the settings a run would give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: The setting's default, which is no single-window sender id: the road message writers hold every
#: trip (one sentence) until ``cn_sender_id`` is set to ``<customs code 13>_DXPESW<client no>``.
DEFAULT_SENDER_ID: Final = "SSDD"


@dataclass(frozen=True)
class MainlandSettings:
    """``cn_sender_id`` is the road messages' Head/SenderID; ``cn_transmitter_name`` their 舱单传输人
    (``RepresentativePerson/Name``) when the trip has no FILER party; ``max_items_per_declaration``
    caps the DecList items of one 报关单-ready Declaration block (more split the consignment)."""

    cn_sender_id: str = DEFAULT_SENDER_ID
    cn_transmitter_name: str | None = None
    max_items_per_declaration: int = 50

    def __post_init__(self) -> None:
        if self.max_items_per_declaration < 1:
            raise ValueError(f"max_items_per_declaration must be at least 1, got {self.max_items_per_declaration}")
