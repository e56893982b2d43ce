"""The tray and window icons: SVGs from ``resources/icons`` (painted fallbacks if missing)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap


def icon_dirs() -> list[Path]:
    here = Path(__file__).resolve()
    return [
        here.parents[2] / "resources" / "icons",  # a source checkout / editable install
        Path(sys.prefix) / "share" / "tracker" / "icons",  # an installed package
    ]


def _painted(running: bool) -> QIcon:
    pix = QPixmap(64, 64)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    green, grey = QColor("#1e8e3e"), QColor("#5f6368")
    p.setPen(QPen(grey, 6) if not running else Qt.PenStyle.NoPen)
    p.setBrush(green if running else QColor("white"))
    p.drawEllipse(QPointF(32, 32), 26, 26)
    hands = QPen(QColor("white") if running else grey, 6)
    hands.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(hands)
    p.drawLine(32, 32, 32, 16)
    p.drawLine(32, 32, 43, 39)
    p.end()
    return QIcon(pix)


ATTENTION = QColor("#e8710a")  # the "sync needs attention" dot
DOT_CENTRE, DOT_RADIUS = QPointF(50, 14), 12.0


def with_dot(icon: QIcon, size: int = 64) -> QIcon:
    """``icon`` with a small orange dot at the top right (ui.md: sync needs attention)."""
    pix = icon.pixmap(size, size)
    if pix.isNull():
        pix = QPixmap(size, size)
        pix.fill(Qt.GlobalColor.transparent)
    pix.setDevicePixelRatio(1.0)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    scale = pix.width() / 64
    p.setPen(QPen(QColor("white"), 3 * scale))
    p.setBrush(ATTENTION)
    p.drawEllipse(DOT_CENTRE * scale, DOT_RADIUS * scale, DOT_RADIUS * scale)
    p.end()
    return QIcon(pix)


def tracker_icon(running: bool, attention: bool = False) -> QIcon:
    name = "tracker-running.svg" if running else "tracker-stopped.svg"
    icon = next(
        (QIcon(str(d / name)) for d in icon_dirs() if (d / name).is_file()), None
    ) or _painted(running)
    return with_dot(icon) if attention else icon
