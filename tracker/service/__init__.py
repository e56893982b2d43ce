"""The use cases of the desktop: what the `tracker` command and the tray app call.

The service owns no I/O of its own: the store, the clock, the zone and the id factory are passed
in. Every change that touches more than one row runs in one store transaction, so a crash at any
instant leaves either the old state or the new one.

One module per use case, each a part of :class:`Tracker`: projects (projects and tasks), timer
(start, stop, status), entries (manual entries, edit, split, delete, restore, log, totals),
capture (activity, away time, screenshots), queries (settings and the desktop's overview);
base holds the lookups they share.
"""

from __future__ import annotations

from .base import MIN_PREFIX
from .capture import AWAY_CHOICES, CaptureSettings
from .entries import Entries
from .projects import Projects
from .queries import Overview, Queries
from .timer import Status, Timer

__all__ = ["AWAY_CHOICES", "MIN_PREFIX", "CaptureSettings", "Overview", "Status", "Tracker"]


class Tracker(Projects, Timer, Entries, Queries):
    """All use cases over one store (entries bring capture with them)."""
