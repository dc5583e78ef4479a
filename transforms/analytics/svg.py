"""Small inline-SVG charts for the clearance report: no script, no font or file from outside the page.

Every function returns one ``<svg>`` element as text, with a ``<title>`` for screen readers, text
escaped, and sizes in user units so the page scales. Values are minutes unless a caller says
otherwise; ``None`` values are left out (a gap, not a zero).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

SIDE_COLOURS: Final = {"CN": "#b83b28", "HK": "#1f63a8"}
INK: Final = "#222"
GRID: Final = "#ddd"
MUTED: Final = "#666"
FONT: Final = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, sans-serif"'


@dataclass(frozen=True)
class Quantiles:
    n: int
    p50: float | None
    p90: float | None
    p99: float | None


def _fmt(v: float) -> str:
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:.0f}"
    return f"{v:.1f}"


def nice_ticks(top: float, count: int = 5, *, whole: bool = False) -> list[float]:
    """Round tick values from 0 to at least ``top`` (``whole``: integer steps, for counts)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    if whole:
        step = max(1.0, math.ceil(step))
    n = math.ceil(top / step - 1e-9)
    return [i * step for i in range(n + 1)]


def _open(width: int, height: int, title: str) -> list[str]:
    return [f'<svg viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-label="{escape(title)}" {FONT} font-size="12">',
            f"<title>{escape(title)}</title>"]


def _label(text: str, limit: int = 28) -> str:
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def _empty(title: str, width: int = 900) -> str:
    parts = _open(width, 60, title)
    parts.append(f'<text x="{width / 2}" y="35" text-anchor="middle" fill="{MUTED}">no data yet</text></svg>')
    return "".join(parts)


def quantile_columns(categories: Sequence[str], panels: Sequence[tuple[str, Sequence[Quantiles | None]]],
                     title: str, unit: str = "min", width: int = 900) -> str:
    """Vertical columns per category: p90 (light), p50 (dark) and a p99 tick; one panel per side."""
    if not categories or not any(q and q.p50 is not None for _, qs in panels for q in qs):
        return _empty(title, width)
    panel_h, top_pad, left, bottom = 150, 26, 48, 34
    height = len(panels) * (panel_h + top_pad + bottom) + 20
    parts = _open(width, height, title)
    slot = (width - left - 10) / len(categories)
    for p, (side, qs) in enumerate(panels):
        y0 = p * (panel_h + top_pad + bottom) + top_pad
        colour = SIDE_COLOURS.get(side, INK)
        top = max((q.p99 or q.p90 or q.p50 or 0.0) for q in qs if q) if any(qs) else 1.0
        ticks = nice_ticks(top)
        scale = panel_h / ticks[-1]
        parts.append(f'<text x="{left}" y="{y0 - 8}" fill="{colour}" font-weight="600">{escape(side)} '
                     f'(p50 dark, p90 light, p99 tick; {escape(unit)})</text>')
        for t in ticks:
            y = y0 + panel_h - t * scale
            parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
                         f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{_fmt(t)}</text>')
        bar_w = max(2.0, slot * 0.6)
        for i, (cat, q) in enumerate(zip(categories, qs, strict=True)):
            x = left + i * slot + (slot - bar_w) / 2
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y0 + panel_h + 14}" text-anchor="middle" '
                         f'fill="{INK}">{_label(cat, max(3, int(slot / 7)))}</text>')
            if q is None or q.p50 is None:
                continue
            tip = (f"{cat} {side}: n={q.n}, p50 {_fmt(q.p50)}, p90 {_fmt(q.p90 or q.p50)}, "
                   f"p99 {_fmt(q.p99 or q.p50)} {unit}")
            parts.append(f"<g><title>{escape(tip)}</title>")
            if q.p90 is not None:
                h = q.p90 * scale
                parts.append(f'<rect x="{x:.1f}" y="{y0 + panel_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                             f'fill="{colour}" fill-opacity="0.35"/>')
            h = q.p50 * scale
            parts.append(f'<rect x="{x:.1f}" y="{y0 + panel_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'fill="{colour}"/>')
            if q.p99 is not None:
                y = y0 + panel_h - q.p99 * scale
                parts.append(f'<line x1="{x:.1f}" x2="{x + bar_w:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{INK}" '
                             'stroke-width="2"/>')
            parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def quantile_rows(categories: Sequence[str], panels: Sequence[tuple[str, Sequence[Quantiles | None]]],
                  title: str, unit: str = "min", width: int = 900) -> str:
    """Horizontal bars per category (for long lists: traders, HS chapters); panels side by side."""
    if not categories or not any(q and q.p50 is not None for _, qs in panels for q in qs):
        return _empty(title, width)
    row_h, top_pad, label_w = 18, 34, 150
    panel_w = (width - label_w) / len(panels)
    height = top_pad + row_h * len(categories) + 24
    parts = _open(width, height, title)
    for i, cat in enumerate(categories):
        parts.append(f'<text x="{label_w - 6}" y="{top_pad + i * row_h + 13}" text-anchor="end" '
                     f'fill="{INK}">{_label(cat, 22)}</text>')
    for p, (side, qs) in enumerate(panels):
        x0 = label_w + p * panel_w + 6
        inner = panel_w - 24
        colour = SIDE_COLOURS.get(side, INK)
        top = max(((q.p99 or q.p90 or q.p50 or 0.0) for q in qs if q), default=1.0)
        ticks = nice_ticks(top, 4)
        scale = inner / ticks[-1]
        parts.append(f'<text x="{x0}" y="14" fill="{colour}" font-weight="600">{escape(side)} ({escape(unit)})</text>')
        for t in ticks:
            x = x0 + t * scale
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top_pad - 4}" y2="{height - 20}" stroke="{GRID}"/>'
                         f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="{MUTED}">{_fmt(t)}</text>')
        for i, q in enumerate(qs):
            if q is None or q.p50 is None:
                continue
            y = top_pad + i * row_h + 3
            tip = (f"{categories[i]} {side}: n={q.n}, p50 {_fmt(q.p50)}, p90 {_fmt(q.p90 or q.p50)}, "
                   f"p99 {_fmt(q.p99 or q.p50)} {unit}")
            parts.append(f"<g><title>{escape(tip)}</title>")
            if q.p90 is not None:
                parts.append(f'<rect x="{x0:.1f}" y="{y}" width="{q.p90 * scale:.1f}" height="{row_h - 6}" '
                             f'fill="{colour}" fill-opacity="0.35"/>')
            parts.append(f'<rect x="{x0:.1f}" y="{y}" width="{q.p50 * scale:.1f}" height="{row_h - 6}" '
                         f'fill="{colour}"/>')
            if q.p99 is not None:
                x = x0 + q.p99 * scale
                parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 1}" y2="{y + row_h - 5}" stroke="{INK}" '
                             'stroke-width="2"/>')
            parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def histogram(panels: Sequence[tuple[str, Sequence[tuple[float, float, int]]]], title: str, unit: str = "min",
              width: int = 900) -> str:
    """Counts per bin (lo, hi, count); one panel per side, side by side."""
    if not any(bins for _, bins in panels):
        return _empty(title, width)
    height, top_pad, bottom, left = 230, 24, 30, 44
    panel_w = (width - 10) / len(panels)
    parts = _open(width, height, title)
    for p, (side, bins) in enumerate(panels):
        x0 = p * panel_w + left
        inner_w, inner_h = panel_w - left - 12, height - top_pad - bottom
        colour = SIDE_COLOURS.get(side, INK)
        parts.append(f'<text x="{x0}" y="14" fill="{colour}" font-weight="600">{escape(side)} '
                     f'({sum(c for _, _, c in bins)} trips)</text>')
        if not bins:
            continue
        ticks = nice_ticks(max(c for _, _, c in bins), 4, whole=True)
        scale = inner_h / ticks[-1]
        for t in ticks:
            y = top_pad + inner_h - t * scale
            parts.append(f'<line x1="{x0}" x2="{x0 + inner_w:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
                         f'<text x="{x0 - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{_fmt(t)}</text>')
        lo_all, hi_all = bins[0][0], bins[-1][1]
        span = (hi_all - lo_all) or 1.0
        for lo, hi, count in bins:
            x = x0 + (lo - lo_all) / span * inner_w
            w = max(1.0, (hi - lo) / span * inner_w - 1)
            h = count * scale
            parts.append(f'<rect x="{x:.1f}" y="{top_pad + inner_h - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
                         f'fill="{colour}"><title>{_fmt(lo)}–{_fmt(hi)} {escape(unit)}: {count}</title></rect>')
        for t in nice_ticks(hi_all, 5):
            if t < lo_all or t > hi_all:
                continue
            x = x0 + (t - lo_all) / span * inner_w
            parts.append(f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle" fill="{MUTED}">{_fmt(t)}</text>')
        parts.append(f'<text x="{x0 + inner_w:.1f}" y="{height - 1}" text-anchor="end" fill="{MUTED}">'
                     f'{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def lines(xs: Sequence[str], series: Sequence[tuple[str, str, Sequence[float | None], bool]], title: str,
          unit: str = "min", width: int = 900) -> str:
    """Line chart over ordered labels (days); series = (label, colour, values, dashed)."""
    values = [v for _, _, vs, _ in series for v in vs if v is not None]
    if not xs or not values:
        return _empty(title, width)
    height, top_pad, bottom, left, right = 260, 30, 40, 48, 10
    inner_w, inner_h = width - left - right, height - top_pad - bottom
    ticks = nice_ticks(max(values))
    scale = inner_h / ticks[-1]
    step = inner_w / max(1, len(xs) - 1)
    parts = _open(width, height, title)
    for t in ticks:
        y = top_pad + inner_h - t * scale
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{_fmt(t)}</text>')
    every = max(1, math.ceil(len(xs) / 12))
    for i, x_label in enumerate(xs):
        if i % every == 0:
            x = left + i * step if len(xs) > 1 else left + inner_w / 2
            parts.append(f'<text x="{x:.1f}" y="{height - 22}" text-anchor="middle" fill="{MUTED}">'
                         f'{escape(x_label[5:] if len(x_label) == 10 else x_label)}</text>')
    legend_x = left
    for label, colour, vs, dashed in series:
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        pts = [(left + i * step if len(xs) > 1 else left + inner_w / 2, top_pad + inner_h - v * scale)
               for i, v in enumerate(vs) if v is not None]
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for x, y in pts:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>')
        parts.append(f'<line x1="{legend_x}" x2="{legend_x + 18}" y1="{height - 6}" y2="{height - 6}" '
                     f'stroke="{colour}" stroke-width="2"{dash}/><text x="{legend_x + 22}" y="{height - 2}" '
                     f'fill="{INK}">{escape(label)}</text>')
        legend_x += 30 + 7 * len(label)
    parts.append(f'<text x="{left}" y="16" fill="{MUTED}">{escape(unit)}</text></svg>')
    return "".join(parts)


def bars(categories: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]], title: str,
         unit: str = "", width: int = 900, label_width: int = 330) -> str:
    """Horizontal stacked bars: one row per category, one segment per series (label, colour, values)."""
    if not categories:
        return _empty(title, width)
    row_h, top_pad = 20, 26
    inner = width - label_width - 60
    height = top_pad + row_h * len(categories) + 10
    totals = [sum(vs[i] for _, _, vs in series) for i in range(len(categories))]
    scale = inner / (max(totals) or 1.0)
    parts = _open(width, height, title)
    legend_x = label_width
    for label, colour, _ in series:
        parts.append(f'<rect x="{legend_x}" y="6" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{legend_x + 14}" y="15" fill="{INK}">{escape(label)}</text>')
        legend_x += 24 + 7 * len(label)
    for i, cat in enumerate(categories):
        y = top_pad + i * row_h
        parts.append(f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" fill="{INK}">'
                     f'<title>{escape(cat)}</title>{_label(cat, label_width // 7)}</text>')
        x = float(label_width)
        for label, colour, vs in series:
            w = vs[i] * scale
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}">'
                             f"<title>{escape(cat)} — {escape(label)}: {_fmt(vs[i])}{escape(unit)}</title></rect>")
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}" fill="{MUTED}">{_fmt(totals[i])}{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)
