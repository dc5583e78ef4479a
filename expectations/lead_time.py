"""The V04 timing sentences' words: how far a truck's expected crossing is from the run, said as a
person says it ('8 days 20 hours 31 minutes before the run (2026-12-05 10:31)'), in English and Chinese.
The check itself reads the minutes (``_aci_lead_minutes``); these words only carry them to the trader."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["duration", "lead_words"]


def duration(minutes: int, zh: bool) -> str:
    """Whole minutes as a person says them: '45 minutes', '1 day 2 hours 5 minutes' / '1天2小时5分钟'."""
    parts = ((minutes // 1440, "day", "天"), (minutes % 1440 // 60, "hour", "小时"), (minutes % 60, "minute", "分钟"))
    said = [f"{n}{word_zh}" if zh else f"{n} {word}{'s' if n != 1 else ''}" for n, word, word_zh in parts if n]
    return ("" if zh else " ").join(said) or ("0分钟" if zh else "0 minutes")


def lead_words(lead: pd.Series, as_of_hk: str) -> tuple[list[str], list[str]]:
    """How far the crossing is from the run, in words (the V04 sentences): '20 minutes after the run
    (2026-11-25 20:00)', or for a crossing already past '8 days 20 hours before the run (…)'. Whole
    minutes toward the run, so 29.6 minutes reads 29: under the 30-minute limit, as the check found."""
    en: list[str] = []
    zh: list[str] = []
    for value in lead.tolist():
        if value is None or not np.isfinite(value):
            en.append("")
            zh.append("")
            continue
        n = int(abs(value))
        after = value >= 0
        en.append(f"{duration(n, False)} {'after' if after else 'before'} the run ({as_of_hk})")
        zh.append(f"距本次运行（{as_of_hk}）{duration(n, True)}" if after
                  else f"早于本次运行（{as_of_hk}）{duration(n, True)}")
    return en, zh
