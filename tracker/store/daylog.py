"""What a day is accounted from besides the entries (table-family functions): the app's runs
(``app_sessions``), the answered away periods (``away_periods``) and the suspends (``sleeps``).

None of it syncs: it explains this machine's day to its user. :func:`day_records` reads one
local day as the plain periods :func:`tracker.daybook.account` takes.
"""

from __future__ import annotations

from datetime import datetime

from ..daybook import AwayRecord, DayRecords, Period
from .repo import Store


def _epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def session_started(store: Store, session_id: str, at: datetime) -> None:
    t = _epoch(at)
    store.conn.execute(
        "INSERT INTO app_sessions (id, started_at, alive_at) VALUES (?, ?, ?) "
        "ON CONFLICT (id) DO NOTHING",
        [session_id, t, t],
    )


def session_alive(store: Store, session_id: str, at: datetime) -> None:
    """The app's heartbeat: its run reaches ``at`` (a clock set back never shortens it)."""
    t = _epoch(at)
    cur = store.conn.execute(
        "UPDATE app_sessions SET alive_at = MAX(alive_at, ?) WHERE id = ?", [t, session_id]
    )
    if cur.rowcount == 0:
        session_started(store, session_id, at)


def record_away(
    store: Store,
    interval_id: str,
    start: datetime,
    end: datetime,
    reason: str,
    answer: str,
    now: datetime,
) -> None:
    s, e = _epoch(start), _epoch(end)
    if e <= s:
        return
    store.conn.execute(
        "INSERT INTO away_periods (interval_id, started_at, ended_at, reason, answer, "
        "answered_at) VALUES (?, ?, ?, ?, ?, ?)",
        [interval_id, s, e, reason, answer, _epoch(now)],
    )


def record_sleep(store: Store, start: datetime, end: datetime, source: str) -> None:
    s, e = _epoch(start), _epoch(end)
    if e > s:
        store.conn.execute(
            "INSERT INTO sleeps (started_at, ended_at, source) VALUES (?, ?, ?)", [s, e, source]
        )


def day_records(store: Store, lo: datetime, hi: datetime, now: datetime) -> DayRecords:
    """Everything overlapping ``[lo, hi)``, the running entry up to ``now``."""
    a, b, n = _epoch(lo), _epoch(hi), _epoch(now)
    with store.snapshot():
        entries = [
            Period(
                _epoch(e.started_at),
                _epoch(e.ended_at) if e.ended_at else max(n, _epoch(e.started_at)),
            )
            for e in store.list_intervals(lo, hi, now)
        ]
        q = store.conn.execute
        sessions = [Period(s, e) for s, e in q(
            "SELECT started_at, alive_at FROM app_sessions WHERE alive_at > ? AND started_at < ?",
            [a, b])]  # fmt: skip
        away = [AwayRecord(s, e, answer) for s, e, answer in q(
            "SELECT started_at, ended_at, answer FROM away_periods "
            "WHERE ended_at > ? AND started_at < ? ORDER BY id", [a, b])]  # fmt: skip
        asleep = [Period(s, e) for s, e in q(
            "SELECT started_at, ended_at FROM sleeps WHERE ended_at > ? AND started_at < ?",
            [a, b])]  # fmt: skip
    return DayRecords(entries, sessions, away, asleep)
