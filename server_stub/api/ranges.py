"""Query helpers shared by listings and totals: the zone and the local-day range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import Depends, Query
from sqlalchemy import Connection, select

from tracker.totals import range_bounds

from .. import authz
from ..db.tables import workspace
from ..errors import Forbidden, Invalid, NotFound
from ..ids import canonical
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


class ListFilters:
    """The filters every time-range listing takes: one definition for the OpenAPI and checks."""

    def __init__(
        self,
        from_: Annotated[date | None, Query(alias="from", description="first local day")] = None,
        to: Annotated[date | None, Query(description="last local day (inclusive)")] = None,
        tz: Annotated[str | None, Query(max_length=64, description="IANA zone of the days")] = None,
        user_id: UUID | None = None,
        project_id: UUID | None = None,
    ) -> None:
        self.from_ = from_
        self.to = to
        self.tz = tz
        self.user_id = user_id
        self.project_id = project_id


Filters = Annotated[ListFilters, Depends()]


@dataclass(frozen=True, slots=True)
class Resolved:
    lo: int | None  # epoch bounds [lo, hi) of the local days
    hi: int | None
    user_id: str | None  # canonical ids, already checked against the caller
    project_id: str | None
    access: Any = None  # the caller's access to project_id


def resolve_filters(conn: Connection, actor: authz.Actor, f: ListFilters, what: str) -> Resolved:
    """Zone, day range, and the permission checks of the user and project filters: 403 for
    another user's ``what`` the caller may not see, 404 for a project they may not know."""
    lo, hi = resolve_range(f.from_, f.to, resolve_tz(conn, f.tz))
    uid = pid = access = None
    if f.user_id is not None:
        uid = canonical(f.user_id)
        if not authz.may_see_user(actor, uid):
            raise Forbidden(f"you may only list your own {what}")
    if f.project_id is not None:
        pid = canonical(f.project_id)
        access = authz.project_access(conn, actor, pid)
        if access is None:
            raise NotFound("project")
    return Resolved(lo, hi, uid, pid, access)
