"""Query helpers shared by listings and totals: the zone and the local-day range."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from tracker.totals import range_bounds

from ..db.tables import workspace
from ..errors import Invalid
from ..timefmt import check_date, load_tz


def resolve_tz(conn: Connection, name: str | None) -> ZoneInfo:
    """The requested IANA zone, else the workspace's; 422 ``invalid_tz`` when unknown."""
    if name is None:
        name = conn.execute(select(workspace.c.timezone)).scalar() or "UTC"
    zone = load_tz(name)
    if zone is None:
        raise Invalid("invalid_tz", f"unknown time zone '{name[:64]}': use an IANA name")
    return zone


def resolve_range(
    first: date | None, last: date | None, tz: ZoneInfo
) -> tuple[int | None, int | None]:
    """Epoch bounds ``[lo, hi)`` of the inclusive local days; 422 for absurd ranges."""
    for d in (first, last):
        if d is not None and not check_date(d):
            raise Invalid("invalid_date", "dates must fall between 1971 and 2200")
    if first is not None and last is not None and last < first:
        raise Invalid("invalid_range", "'to' is before 'from'")
    return range_bounds(first, last, tz)
