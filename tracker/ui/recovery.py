"""Crash recovery: what a running timer's heartbeat says about it (pure, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ..model import Interval


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
