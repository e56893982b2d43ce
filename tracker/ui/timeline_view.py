"""The Day tab's timeline strip: one bar for the shown local day, one block per entry, and
under them the day's untracked stretches as ``tracker day`` accounts them (away kept, away
discarded, asleep, untracked), so a hole in the day is never silent.

Two halves. :func:`day_strip` is pure (no Qt): it turns the day's entries into plain values —
epoch seconds, ids, labels, the instants of the whole local hours — and runs on the worker with
the overview (the controller keeps the result). :class:`TimelineView` only paints those values
and maps the mouse back to entries; it never reads the database, and the running block grows
from :meth:`TimelineView.set_now`, which the window's existing 1 Hz tick calls.

The bar spans the real length of the day (23 or 25 hours on DST days), so an hour is wider on
the short day than on the long one; hour ticks sit at the instants where the local clock shows a
whole hour (the repeated hour of a fall-back day is drawn twice, a skipped one not at all).
"""

from __future__ import annotations

import colorsys
import zlib
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QLineF, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ..model import Interval
from ..timeparse import local_day_bounds
from .fmt import hm

QUARTER = 900  # every zone's offset is a multiple of 15 minutes: local hours fall on these


@dataclass(frozen=True, slots=True)
class Block:
    """One entry as the strip draws it: the real (unclipped) instants, and labels."""

    entry_id: str
    project_id: str
    label: str  # "Project / Task"
    start: int  # epoch seconds
    end: int | None  # None while it runs
    start_text: str  # local "09:00"
    end_text: str  # local "09:45" ("now" while it runs)


@dataclass(frozen=True, slots=True)
class GapBlock:
    """A stretch of the day that is not tracked, as ``tracker day`` accounts it."""

    start: int
    end: int
    kind: str  # away_kept | away_discarded | asleep | untracked
    app_running: bool = True

    @property
    def label(self) -> str:
        text = GAP_LABELS[self.kind]
        return text if self.app_running or self.kind != "untracked" else f"{text}, app closed"


GAP_LABELS = {
    "away_kept": "Away, kept",
    "away_discarded": "Away, discarded",
    "asleep": "Asleep",
    "untracked": "Untracked",
}


@dataclass(frozen=True, slots=True)
class DayStrip:
    """Everything the strip paints for one local day, as plain values."""

    day: date
    start: int  # epoch seconds of the day's first instant (local midnight)
    end: int  # the next day's first instant: 23, 24 or 25 hours on
    hours: tuple[tuple[int, int], ...]  # (epoch seconds, local hour) of each whole local hour
    blocks: tuple[Block, ...]  # in start order
    gaps: tuple[GapBlock, ...] = ()  # the untracked kinds, in time order
    tz: ZoneInfo | None = None  # the zone the labels are in

    @property
    def hours_long(self) -> float:
        return (self.end - self.start) / 3600


def _epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def day_strip(
    entries: Iterable[Interval], day: date, tz: ZoneInfo, gaps: Iterable[Any] = ()
) -> DayStrip:
    """The strip of ``day`` in ``tz`` from that day's entries and the day's account's gaps
    (:class:`tracker.daybook.Gap`; pure; runs on the worker)."""
    lo, hi = local_day_bounds(day, tz)
    start, end = _epoch(lo), _epoch(hi)
    hours = []
    for t in range(start, end, QUARTER):
        local = datetime.fromtimestamp(t, UTC).astimezone(tz)
        if local.minute == 0:
            hours.append((t, local.hour))
    blocks = []
    for e in sorted(entries, key=lambda e: (e.started_at, e.id)):
        s = _epoch(e.started_at)
        f = None if e.ended_at is None else _epoch(e.ended_at)
        if (f is not None and f <= start) or s >= end:
            continue
        blocks.append(
            Block(
                entry_id=e.id,
                project_id=e.project_id,
                label=f"{e.project_name} / {e.task_title}",
                start=s,
                end=f,
                start_text=e.started_at.astimezone(tz).strftime("%H:%M"),
                end_text="now"
                if e.ended_at is None
                else e.ended_at.astimezone(tz).strftime("%H:%M"),
            )
        )
    shown = tuple(GapBlock(g.start, g.end, g.kind, g.app_running) for g in gaps)
    return DayStrip(day, start, end, tuple(hours), tuple(blocks), shown, tz)


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG relative luminance of an sRGB colour (components 0–1)."""

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


# Target luminances: on a light window the blocks keep ≥ 4:1 contrast with white, on a dark one
# ≥ 3:1 with a #353535 background; two levels, so projects with close hues still differ.
LIGHT_LUMA = (0.14, 0.20)
DARK_LUMA = (0.24, 0.32)


@lru_cache(maxsize=1024)
def project_rgb(project_id: str, dark: bool) -> tuple[float, float, float]:
    """A project's colour (sRGB, 0–1): it depends only on the id and the palette's darkness.

    The hue comes from a CRC of the id (stable across runs, unlike ``hash()``); the lightness is
    then found so that the colour has a set luminance, which keeps yellow as visible as blue.
    """
    crc = zlib.crc32(project_id.encode())
    hue = (crc & 0xFFFF) / 0x10000
    target = (DARK_LUMA if dark else LIGHT_LUMA)[(crc >> 16) & 1]
    lo, hi = 0.0, 1.0
    for _ in range(24):  # luminance grows with lightness at a fixed hue and saturation
        mid = (lo + hi) / 2
        if luminance(colorsys.hls_to_rgb(hue, mid, 0.65)) < target:
            lo = mid
        else:
            hi = mid
    return colorsys.hls_to_rgb(hue, (lo + hi) / 2, 0.65)


def project_color(project_id: str, dark: bool) -> QColor:
    return QColor.fromRgbF(*project_rgb(project_id, dark))


def gap_rgb(kind: str, dark: bool) -> tuple[float, float, float]:
    """The fill of a gap kind: amber for kept away time, red for discarded, blue-grey for
    sleep, the window's own grey for untracked (drawn hatched so it reads as a hole)."""
    light = {"away_kept": (0.96, 0.76, 0.30), "away_discarded": (0.90, 0.45, 0.42),
             "asleep": (0.62, 0.68, 0.80), "untracked": (0.55, 0.55, 0.55)}  # fmt: skip
    r, g, b = light[kind]
    return (r * 0.7, g * 0.7, b * 0.7) if dark else (r, g, b)


def gap_tooltip(g: GapBlock, tz: ZoneInfo) -> str:
    """``Away, kept · 10:14–10:52 (0:38)``."""

    def at(t: int) -> str:
        return datetime.fromtimestamp(t, UTC).astimezone(tz).strftime("%H:%M")

    return f"{g.label} · {at(g.start)}–{at(g.end)} ({hm(g.end - g.start)})"


def block_tooltip(b: Block, now: int) -> str:
    """``Globex site / Homepage · 09:00–09:45 (0:45)``."""
    secs = (now if b.end is None else b.end) - b.start
    return f"{b.label} · {b.start_text}–{b.end_text} ({hm(secs)})"


class TimelineView(QWidget):
    """Paints a :class:`DayStrip`; a click selects an entry, a double click opens it."""

    entry_clicked = Signal(str)  # entry id
    entry_activated = Signal(str)  # entry id (double click)

    BAR = 24  # height of the bar in px
    MARGIN = 4
    MIN_BLOCK = 2.0  # px: a one-minute entry on a narrow window must still show and be hit

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strip: DayStrip | None = None
        self.now = 0
        self.selected: str | None = None
        self._starts: list[int] = []  # clipped starts, for hit testing
        self._colors: dict[str, QColor] = {}
        self._text_colors: dict[str, QColor] = {}
        self._has_running = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the entries table is the keyboard path
        self.setAccessibleName("Day timeline")
        self.setAccessibleDescription(self.summary())

    # -- data ---------------------------------------------------------------------------------

    def set_strip(self, strip: DayStrip | None, now: int) -> None:
        self.strip = strip
        self.now = now
        blocks = strip.blocks if strip else ()
        self._starts = [max(b.start, strip.start) for b in blocks] if strip else []
        self._has_running = any(b.end is None for b in blocks)
        self._pick_colors()
        self._describe()
        self.update()

    def set_now(self, now: int) -> None:
        """The 1 Hz tick: only a running block changes, so only then repaint."""
        self.now = now
        if self._has_running:
            self._describe()
            self.update()  # a no-op while the Day tab (or the window) is hidden

    def set_selected(self, entry_id: str | None) -> None:
        if entry_id != self.selected:
            self.selected = entry_id
            self.update()

    def _pick_colors(self) -> None:
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        self._colors.clear()
        self._text_colors.clear()
        for b in self.strip.blocks if self.strip else ():
            if b.project_id not in self._colors:
                c = project_color(b.project_id, dark)
                self._colors[b.project_id] = c
                light = luminance((c.redF(), c.greenF(), c.blueF())) > 0.18
                self._text_colors[b.project_id] = QColor(
                    Qt.GlobalColor.black if light else Qt.GlobalColor.white
                )

    def color_of(self, project_id: str) -> QColor:
        return QColor(self._colors[project_id])

    def tracked_seconds(self) -> int:
        """Seconds of the day covered by entries (clipped to the day; the running one to now),
        less kept away time, which the day's account counts apart (``away_kept``)."""
        s = self.strip
        if s is None:
            return 0
        total = 0
        for b in s.blocks:
            end = min(s.end, self.now if b.end is None else b.end)
            total += max(0, end - max(s.start, b.start))
        return total - sum(g.end - g.start for g in s.gaps if g.kind == "away_kept")

    def gap_seconds(self) -> dict[str, int]:
        """Seconds per gap kind (as ``tracker day`` counts them)."""
        out: dict[str, int] = {}
        for g in self.strip.gaps if self.strip else ():
            out[g.kind] = out.get(g.kind, 0) + g.end - g.start
        return out

    def summary(self) -> str:
        n = len(self.strip.blocks) if self.strip else 0
        entries = "entry" if n == 1 else "entries"
        text = f"Day timeline: {n} {entries}, {hm(self.tracked_seconds())} tracked"
        gaps = self.gap_seconds()
        for kind, label in GAP_LABELS.items():
            if gaps.get(kind):
                text += f", {hm(gaps[kind])} {label.lower()}"
        return text

    def _describe(self) -> None:
        text = self.summary()
        if text != self.accessibleDescription():  # changes once a minute while a timer runs
            self.setAccessibleDescription(text)

    # -- geometry -----------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(480, self.BAR + self.fontMetrics().height() + 2 * self.MARGIN)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.sizeHint().height())

    def track_rect(self) -> QRectF:
        m = self.MARGIN
        return QRectF(m, m, max(1, self.width() - 2 * m), self.BAR)

    def x_of(self, t: int) -> float:
        """The x of instant ``t`` (epoch seconds) on the bar."""
        s = self.strip
        r = self.track_rect()
        if s is None:
            return r.left()
        return r.left() + (t - s.start) * r.width() / (s.end - s.start)

    def block_rect(self, i: int) -> QRectF:
        """Where block ``i`` is drawn: clipped to the day, the running one up to now."""
        s = self.strip
        if s is None:
            return QRectF()
        b = s.blocks[i]
        r = self.track_rect()
        end = min(s.end, self.now if b.end is None else b.end)
        x0 = self.x_of(max(s.start, b.start))
        x1 = max(self.x_of(end), x0 + self.MIN_BLOCK)
        return QRectF(x0, r.top(), x1 - x0, r.height())

    def index_at(self, pos: QPoint) -> int | None:
        """The block under ``pos`` (a couple of pixels' slack for thin blocks), or None."""
        s = self.strip
        if s is None or not s.blocks or not self.track_rect().adjusted(0, -2, 0, 2).contains(pos):
            return None
        r = self.track_rect()
        t = s.start + (pos.x() - r.left()) * (s.end - s.start) / r.width()
        i = bisect_right(self._starts, t) - 1
        best, dist = None, 3.0
        for j in (i, i + 1, i - 1):
            if 0 <= j < len(s.blocks):
                br = self.block_rect(j)
                d = (
                    0.0
                    if br.left() <= pos.x() < br.right()
                    else min(abs(pos.x() - br.left()), abs(pos.x() - br.right()))
                )
                if d < dist:
                    best, dist = j, d
        return best

    def block_at(self, pos: QPoint) -> Block | None:
        i = self.index_at(pos)
        return None if i is None or self.strip is None else self.strip.blocks[i]

    # -- painting -----------------------------------------------------------------------------

    def paintEvent(self, _event) -> None:
        # Few calls into Qt per paint, whatever the number of entries: the blocks of one project
        # are one drawRects, the hour ticks one drawLines (PySide6 call overhead dominates).
        s = self.strip
        pal = self.palette()
        r = self.track_rect()
        p = QPainter(self)
        p.setPen(pal.color(QPalette.ColorRole.Mid))
        p.setBrush(pal.color(QPalette.ColorRole.Base))
        p.drawRect(r.adjusted(0, 0, -1, -1))
        if s is None:
            p.end()
            return
        scale = r.width() / (s.end - s.start)
        left, top, h = r.left(), r.top(), r.height()

        # hour ticks, and labels as dense as the width allows
        fm = QFontMetrics(self.font())
        need = fm.horizontalAdvance("00") + 6
        step = next((k for k in (1, 2, 3, 4, 6, 12) if k * 3600 * scale >= need), 24)
        tick = QColor(pal.color(QPalette.ColorRole.Text))
        tick.setAlpha(40)
        p.setPen(tick)
        xs = [(left + (t - s.start) * scale, hour) for t, hour in s.hours if t > s.start]
        p.drawLines([QLineF(x, top + 1, x, top + h - 1) for x, _h in xs])
        p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        base = top + h + fm.ascent() + 1
        for x, hour in xs:
            if hour % step == 0:
                text = f"{hour:02d}"
                p.drawText(QPointF(x - fm.horizontalAdvance(text) / 2, base), text)

        # the gaps between the blocks: one fill per kind (untracked ones hatched); kept away
        # time lies inside an entry, so it is a band over the block's lower edge (drawn after)
        dark = pal.color(QPalette.ColorRole.Window).lightness() < 128
        by_kind: dict[str, list[QRectF]] = {}
        for g in s.gaps:
            x0 = left + (max(g.start, s.start) - s.start) * scale
            w = max((min(g.end, s.end) - max(g.start, s.start)) * scale, 1.0)
            band = QRectF(x0, top + h - 8, w, 6) if g.kind == "away_kept" else None
            by_kind.setdefault(g.kind, []).append(band or QRectF(x0, top + 6, w, h - 12))
        kept = by_kind.pop("away_kept", [])
        p.setPen(Qt.PenStyle.NoPen)
        for kind, rects in by_kind.items():
            color = QColor.fromRgbF(*gap_rgb(kind, dark))
            style = (
                Qt.BrushStyle.BDiagPattern if kind == "untracked" else Qt.BrushStyle.SolidPattern
            )
            p.setBrush(QBrush(color, style))
            p.drawRects(rects)

        # the blocks, grouped by colour; labels only where there is room
        now = self.now
        groups: dict[str, list[QRectF]] = {}
        labels: dict[str, list[tuple[QRectF, str]]] = {}
        for b, st in zip(s.blocks, self._starts, strict=True):
            end = min(s.end, now if b.end is None else b.end)
            w = max((end - st) * scale, self.MIN_BLOCK)
            if w >= 4:
                w -= 1  # a hairline between neighbours
            rect = QRectF(left + (st - s.start) * scale, top + 2, w, h - 4)
            groups.setdefault(b.project_id, []).append(rect)
            if w >= 48:
                labels.setdefault(b.project_id, []).append((rect, b.label))
        p.setPen(Qt.PenStyle.NoPen)
        for pid, rects in groups.items():
            p.setBrush(self._colors[pid])
            p.drawRects(rects)
        by_ink: dict[int, list[tuple[QRectF, str]]] = {}
        for pid, items in labels.items():
            by_ink.setdefault(self._text_colors[pid].rgb(), []).extend(items)
        for ink, items in by_ink.items():
            p.setPen(QColor.fromRgb(ink))
            for rect, label in items:
                inner = rect.adjusted(3, 0, -3, 0)
                text = fm.elidedText(label, Qt.TextElideMode.ElideRight, int(inner.width()))
                p.drawText(inner, Qt.AlignmentFlag.AlignVCenter, text)
        if kept:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor.fromRgbF(*gap_rgb("away_kept", dark)))
            p.drawRects(kept)

        if self.selected is not None:
            i = next((k for k, b in enumerate(s.blocks) if b.entry_id == self.selected), None)
            if i is not None:
                p.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(self.block_rect(i).adjusted(1, 1, -1, -1))
        if s.start <= now < s.end:  # where "now" is, on today's strip
            x = left + (now - s.start) * scale
            p.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 1))
            p.drawLine(QLineF(x, top - 2, x, top + h + 1))
        p.end()

    # -- input --------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        b = self.block_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and b is not None:
            self.entry_clicked.emit(b.entry_id)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        b = self.block_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and b is not None:
            self.entry_activated.emit(b.entry_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def gap_at(self, pos: QPoint) -> GapBlock | None:
        s = self.strip
        if s is None or not s.gaps or not self.track_rect().contains(pos):
            return None
        r = self.track_rect()
        t = s.start + (pos.x() - r.left()) * (s.end - s.start) / r.width()
        return next((g for g in s.gaps if g.start <= t < g.end), None)

    def tooltip_at(self, pos: QPoint) -> str:
        b = self.block_at(pos)
        if b is not None:
            return block_tooltip(b, self.now)
        g = self.gap_at(pos)
        s = self.strip
        return "" if g is None or s is None or s.tz is None else gap_tooltip(g, s.tz)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._pick_colors()
        super().changeEvent(event)


__all__ = [
    "GAP_LABELS",
    "Block",
    "DayStrip",
    "GapBlock",
    "TimelineView",
    "block_tooltip",
    "day_strip",
    "gap_rgb",
    "gap_tooltip",
    "project_color",
    "project_rgb",
]
