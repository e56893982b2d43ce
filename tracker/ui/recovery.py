"""Crash recovery: what a running timer's heartbeat says about it (pure, no Qt).

A gap in the beats is a crash, a hang or a suspend. A suspend (or an idle stretch across the
gap) is also an away period that capture asks about; :func:`covers` says when that period
explains the gap, so the user gets one prompt and the gap is decided once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from ..model import Interval

if TYPE_CHECKING:
    from ..capture.away import AwayPeriod


class TimerState(StrEnum):
    IDLE = "idle"  # nothing runs
    ADOPT = "adopt"  # running, never beaten: started from the command line; adopt it silently
    ALIVE = "alive"  # running and beaten recently
    INTERRUPTED = "interrupted"  # running, but the beats stopped (crash, power loss, sleep)


def classify(running: Interval | None, now: datetime, heartbeat_seconds: int) -> TimerState:
    """A timer counts as interrupted once its last beat is older than twice the interval."""
    if running is None:
        return TimerState.IDLE
    if running.heartbeat_at is None:
        return TimerState.ADOPT
    if (now - running.heartbeat_at).total_seconds() > 2 * heartbeat_seconds:
        return TimerState.INTERRUPTED
    return TimerState.ALIVE


@dataclass(frozen=True, slots=True)
class Interrupted:
    """An interrupted timer the user must decide about."""

    entry: Interval
    last_alive: datetime


def covers(period: AwayPeriod, gap: Interrupted, now: datetime, heartbeat_seconds: int) -> bool:
    """True when the away ``period`` explains the interrupted timer's gap in the beats: the same
    entry, and what it leaves out on either side (from the last beat to where it starts, from
    where it ends to ``now``) is shorter than the gap that makes a timer interrupted."""
    if period.interval_id != gap.entry.id:
        return False
    slack = 2 * heartbeat_seconds
    alive = int(gap.last_alive.timestamp())
    return period.start <= alive + slack and period.end >= int(now.timestamp()) - slack
