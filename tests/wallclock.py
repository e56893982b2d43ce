"""Keeping tests that run the real `tracker` command (real clock) clear of local midnight.

A subprocess cannot be handed a fixed clock, so a test that relies on "today" being one local day
for all of its commands waits, when it starts close to a local midnight, until the new day has
begun. That happens only in the few seconds a day the margin covers.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tracker.timeparse import local_day_bounds


def clear_of_midnight(tz: ZoneInfo, ahead: float = 120.0, after: float = 5.0) -> datetime:
    """Return once the next ``ahead`` seconds lie within one local day in ``tz`` and that day
    began at least ``after`` seconds ago (sleeping past midnight if need be). Returns the
    current instant (UTC)."""
    while True:
        now = datetime.now(UTC)
        lo, hi = local_day_bounds(now.astimezone(tz).date(), tz)
        if now < lo + timedelta(seconds=after):
            time.sleep((lo + timedelta(seconds=after) - now).total_seconds() + 0.05)
        elif hi - now < timedelta(seconds=ahead):
            time.sleep((hi - now).total_seconds() + after + 0.05)
        else:
            return now
