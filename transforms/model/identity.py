"""A truck trip's identity: one submission per (carrier, trip_ref, direction), the same id on every run.

Assembly keys lines to trips by it, the ledger stores versions under it, quarantine items take
theirs from the same namespace; so it lives in the model, below all of them.
"""

from __future__ import annotations

import unicodedata
import uuid
from typing import Final

import pandas as pd

SUBMISSION_NAMESPACE: Final = uuid.UUID("6f3a1c52-9d0e-5b7a-8c21-5d5d2a1e0b11")


def submission_id_for(carrier_code: str, trip_ref: str, direction: str) -> str:
    """UUIDv5 of the trip's business key, so re-runs and replays give the same id."""
    parts = [unicodedata.normalize("NFKC", p).strip().upper() for p in (carrier_code, trip_ref, direction)]
    return str(uuid.uuid5(SUBMISSION_NAMESPACE, "|".join(parts)))


#: the columns naming a truck trip: one submission per (carrier, trip_ref, direction)
TRIP_KEY = ("carrier_code", "trip_ref", "direction")


def trip_ids(frame: pd.DataFrame) -> pd.Series:
    """The submission id of each trip-plan row that names its whole trip (:data:`TRIP_KEY`), indexed
    like those rows; rows missing a part are left out."""
    keys = frame[list(TRIP_KEY)].dropna()
    return pd.Series([submission_id_for(str(c), str(r), str(d)) for c, r, d in keys.itertuples(index=False)],
                     index=keys.index, dtype=object)


def quarantine_item_id(trader: str, src_file: str, rule_id: str, row_key: str) -> str:
    """Stable id of a quarantined row: the same failing row of the same file keeps its id."""
    # a part pandas left missing (NaN, None, NA) keys as empty, never as a crash or as 'nan'
    parts = [p if isinstance(p, str) else "" for p in (trader, src_file, rule_id, row_key)]
    key = "\x1f".join(("quarantine", *parts))
    return uuid.uuid5(SUBMISSION_NAMESPACE, key).hex
