"""Helpers for the desktop-app tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QTime

BERLIN = ZoneInfo("Europe/Berlin")


def local(hhmm: str, day: str = "2026-11-25") -> datetime:
    """An instant from a Berlin wall-clock time."""
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=BERLIN)


def qtime(hhmm: str) -> QTime:
    h, m = hhmm.split(":")
    return QTime(int(h), int(m))


def card(window, task):
    """The task's card, after picking its project on the left (as a user would)."""
    from PySide6.QtCore import Qt

    if task.id not in window.cards:
        for i in range(window.projects.count()):
            item = window.projects.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == task.project_id:
                window.projects.setCurrentItem(item)
                break
    return window.cards[task.id]
