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


def tracker_icon(running: bool) -> QIcon:
    name = "tracker-running.svg" if running else "tracker-stopped.svg"
    for d in icon_dirs():
        if (d / name).is_file():
            return QIcon(str(d / name))
    return _painted(running)
