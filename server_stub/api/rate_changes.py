"""Rate changes through the API: ``effective_from`` and ``?dry_run=true`` (server-spec §6.3).

A rate change runs in one write transaction: the new period in ``rate_history``, the holder's
current-rate column, and the re-priced intervals. A dry run does all of it and rolls back, so
what it lists is exactly what the real change re-prices.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import Query
from sqlalchemy import Connection, select

from tracker.totals import range_bounds

from ..db.session import WriteTx
from ..db.tables import workspace
from ..errors import Invalid
from ..services.rates import Repriced
from ..timefmt import check_date, load_tz
from .deps import AppState
from .money_io import money_out

DryRun = Annotated[
    bool,
    Query(description="answer {repriced, delta} for the rate change and change nothing"),
]


class _Rollback(Exception):
    def __init__(self, repriced: Repriced) -> None:
        super().__init__("dry run")
        self.repriced = repriced


def effective_epoch(conn: Connection, day: date | None, now: int) -> int | None:
    """The start of local ``day`` in the workspace zone; None for the default (§6.3)."""
    if day is None:
        return None
    if not check_date(day):
        raise Invalid("invalid_date", "effective_from must fall between 1971 and 2200")
    zone = load_tz(conn.execute(select(workspace.c.timezone)).scalar() or "UTC")
    start, _ = range_bounds(day, None, zone)
    assert start is not None
    if start > now:
        raise Invalid(
            "effective_from_in_future", "effective_from must be today or a day in the past"
        )
    return start


def repriced_out(repriced: Repriced) -> dict:
    return {
        "repriced": repriced.ids,
        "delta": [money_out(v, cur) for cur, v in sorted(repriced.delta.items())],
    }


def run(state: AppState, dry_run: bool, action: Callable[[WriteTx, Repriced], Any]) -> Any:
    """``action(tx, repriced)`` in a write transaction; it adds what it re-prices to
    ``repriced``. A dry run rolls everything back and answers the re-pricing instead."""
    try:
        with state.db.write() as tx:
            repriced = Repriced()
            body = action(tx, repriced)
            if dry_run:
                raise _Rollback(repriced)
    except _Rollback as rollback:
        return repriced_out(rollback.repriced)
    return body
