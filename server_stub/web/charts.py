"""Charts as inline SVG drawn on the server: readable without JavaScript, printable, and CSP-safe
(presentation attributes and classes of our stylesheet, never ``style=`` or script).

Each chart is an ``<svg role="img">`` with a ``<title>`` naming what it shows; the page puts the
same figures in a table beside it, so nothing is only in the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from .fmt import hm


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    seconds: int


def _scale(bars: Sequence[Bar]) -> int:
    return max([b.seconds for b in bars] + [1])


def hbars(title: str, bars: Sequence[Bar], *, width: int = 640, row: int = 26) -> Markup:
    """Horizontal bars, one per label (projects, members), with H:MM at the end of each."""
    label_w, value_w = 200, 70
    plot = width - label_w - value_w
    top = max(_scale(bars), 1)
    height = row * max(len(bars), 1) + 8
    out = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, b in enumerate(bars):
        y = 4 + i * row
        w = 0 if b.seconds <= 0 else max(1, round(plot * b.seconds / top))
        label = b.label if len(b.label) <= 28 else b.label[:27] + "…"
        out.append(
            f'<text class="chart-label" x="{label_w - 8}" y="{y + row * 0.62:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
            f'<rect class="chart-bar bar-{i % 6}" x="{label_w}" y="{y + 3}" width="{w}" '
            f'height="{row - 8}" rx="3"/>'
            f'<text class="chart-value" x="{label_w + w + 6}" y="{y + row * 0.62:.1f}">'
            f"{hm(b.seconds)}</text>"
        )
    if not bars:
        out.append('<text class="chart-label" x="8" y="20">No time in this range</text>')
    out.append("</svg>")
    return Markup("".join(out))


def columns(title: str, bars: Sequence[Bar], *, width: int = 640, height: int = 180) -> Markup:
    """Vertical columns over time (days, weeks), labelled under each column."""
    n = max(len(bars), 1)
    base, head = height - 28, 18
    slot = width / n
    col = max(2.0, min(48.0, slot * 0.7))
    top = _scale(bars)
    out = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line class="chart-axis" x1="0" y1="{base}" x2="{width}" y2="{base}"/>',
    ]
    every = max(1, round(n / 14))  # at most ~14 labels under the columns
    for i, b in enumerate(bars):
        h = 0 if b.seconds <= 0 else max(1, round((base - head) * b.seconds / top))
        x = i * slot + (slot - col) / 2
        out.append(
            f'<rect class="chart-bar bar-0" x="{x:.1f}" y="{base - h}" width="{col:.1f}" '
            f'height="{h}" rx="2"/>'
        )
        if b.seconds > 0 and n <= 14:
            out.append(
                f'<text class="chart-value" x="{x + col / 2:.1f}" y="{base - h - 4}" '
                f'text-anchor="middle">{hm(b.seconds)}</text>'
            )
        if i % every == 0:
            out.append(
                f'<text class="chart-label" x="{x + col / 2:.1f}" y="{height - 8}" '
                f'text-anchor="middle">{escape(b.label)}</text>'
            )
    out.append("</svg>")
    return Markup("".join(out))
