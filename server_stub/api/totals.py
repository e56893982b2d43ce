"""Totals: ``GET /totals`` and ``GET /projects/{id}/totals``."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select

from .. import authz
from ..db.tables import projects
from ..errors import PROBLEM_RESPONSES, Forbidden, Invalid, NotFound
from ..ids import canonical
from ..services import amounts as money
from ..services import totals as svc
from .deps import CurrentActor, State
from .models import ProjectTotalsOut, TotalsOut
from .money_io import money_out
from .ranges import resolve_range, resolve_tz

router = APIRouter(tags=["totals"], responses=PROBLEM_RESPONSES)


@router.get("/totals", response_model=TotalsOut, response_model_exclude_none=True)
def get_totals(
    actor: CurrentActor,
    state: State,
    from_: Annotated[date | None, Query(alias="from", description="first local day")] = None,
    to: Annotated[date | None, Query(description="last local day (inclusive)")] = None,
    group_by: Annotated[
        str | None,
        Query(max_length=100, description="comma list of project, task, user, day, week"),
    ] = None,
    tz: Annotated[
        str | None, Query(max_length=64, description="IANA zone (default workspace)")
    ] = None,
    project_id: UUID | None = None,
    user_id: UUID | None = None,
    include: Annotated[
        str | None, Query(max_length=100, description="`amounts`: money per row and in all")
    ] = None,
    basis: Annotated[
        money.Basis,
        Query(description="amounts estimated at tracking, invoiced (final), or best of both"),
    ] = "best",
) -> JSONResponse:
    try:
        groups = svc.parse_group_by(group_by)
    except svc.TotalsError as exc:
        raise Invalid(exc.code, str(exc)) from None
    extras = {p.strip() for p in (include or "").split(",") if p.strip()}
    if extras - {"amounts"}:
        raise Invalid("invalid_include", "include takes: amounts")
    now = state.now()
    uid = pid = None
    with state.db.read() as conn:
        zone = resolve_tz(conn, tz)
        resolve_range(from_, to, zone)
        if ("user" in groups or user_id is not None) and not authz.may_group_by_user(conn, actor):
            raise Forbidden("your grants do not show who works on these projects")
        if user_id is not None:
            uid = canonical(user_id)
            if not authz.may_see_user(actor, uid):
                raise Forbidden("you may only see your own totals")
        if project_id is not None:
            pid = canonical(project_id)
            if authz.project_access(conn, actor, pid) is None:
                raise NotFound("project")
        if extras and not authz.may_see_amounts(conn, actor, pid):
            raise Forbidden("your grants do not show amounts", "amounts_not_granted")
        scope = svc.actor_scope(actor, project_id=pid, user_id=uid)
        try:
            rows, total, first, last = svc.totals(conn, scope, groups, zone, now, from_, to)
        except svc.TotalsError as exc:
            raise Invalid(exc.code, str(exc)) from None
        sums = (
            money.by_row(conn, scope, groups, zone, first, last, basis, now=now) if extras else None
        )
    body = {"rows": rows, "total_seconds": total, "tz": zone.key}
    if sums is not None:
        names = money.row_names(groups)
        all_sums: dict[str, int] = {}
        for row in rows:
            row_sums = sums.get(tuple(row[n] for n in names), {})
            row["amounts"] = _money_list(row_sums)
            for cur, v in row_sums.items():
                all_sums[cur] = all_sums.get(cur, 0) + v
        body["total_amounts"] = _money_list(all_sums)
    if first is not None:
        body["from"] = first.isoformat()
    if last is not None:
        body["to"] = last.isoformat()
    return JSONResponse(body)  # already the response model's shape; skip re-validation


def _money_list(sums: dict[str, int]) -> list[dict]:
    return [money_out(v, cur) for cur, v in sorted(sums.items())]


@router.get("/projects/{project_id}/totals", response_model=ProjectTotalsOut)
def project_totals(
    project_id: Annotated[UUID, Path()],
    actor: CurrentActor,
    state: State,
    tz: Annotated[
        str | None, Query(max_length=64, description="IANA zone (default workspace)")
    ] = None,
) -> dict:
    pid = canonical(project_id)
    now = state.now()
    with state.db.read() as conn:
        if authz.project_access(conn, actor, pid) is None:
            raise NotFound("project")
        zone = resolve_tz(conn, tz)
        scope = svc.actor_scope(actor, project_id=pid)
        rollup = svc.project_rollup(conn, scope, zone, now)
        show = authz.may_see_amounts(conn, actor, pid)
        out = {"project_id": pid, "tz": zone.key, **rollup}
        out["uninvoiced"] = _money_list(money.uninvoiced(conn, scope)) if show else None
        row = conn.execute(
            select(projects.c.budget_seconds, projects.c.budget_minor, projects.c.currency)
            .where(projects.c.id == pid)
        ).one()  # fmt: skip
        out["budget"] = None
        if row.budget_seconds is not None or row.budget_minor is not None:
            used = money.spent(conn, scope).get(row.currency, 0) if show else None
            out["budget"] = {
                "seconds": row.budget_seconds,
                "used_seconds": rollup["all_time"],
                "amount": money_out(row.budget_minor, row.currency) if show else None,
                "used_amount": money_out(used, row.currency) if show and row.currency else None,
            }
    return out
