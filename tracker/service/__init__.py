"""The use cases of the desktop: what the `tracker` command and the tray app call.

The service owns no I/O of its own: the store, the clock, the zone and the id factory are passed
in. Every change that touches more than one row runs in one store transaction, so a crash at any
instant leaves either the old state or the new one.

One module per use case, each a part of :class:`Tracker`: projects (projects and tasks), timer
(start, stop, status), entries (manual entries, edit, split, delete, restore, log, totals),
capture (activity, away time, screenshots), queries (settings and the desktop's overview),
daybook (the day accounted for: the app's runs, away answers, suspends), importing (other
trackers' exports in, files out); base holds the lookups they share.
"""

from __future__ import annotations

from .base import MIN_PREFIX
from .capture import AWAY_CHOICES, CaptureSettings
from .daybook import Day, DayBook
from .entries import Entries
from .importing import Importing
from .projects import Projects
from .queries import Overview, Queries
from .timer import Status, Timer

__all__ = ["AWAY_CHOICES", "MIN_PREFIX", "CaptureSettings", "Day", "Overview", "Status", "Tracker"]


class Tracker(Projects, Timer, Importing, DayBook, Entries, Queries):
    """All use cases over one store (entries bring capture with them)."""
