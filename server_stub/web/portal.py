"""The client's pages (``/portal``, ``/portal/projects/{id}`` and its CSV) and the member's own
week (``/me``), contract §5. What a viewer sees on a project follows their grants, asked of
:mod:`server_stub.authz`; never drafts, pay data or projects they are not granted."""

from __future__ import annotations

import csv
import io
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import authz
from ..api.ranges import resolve_tz
from ..authz import Capability
from ..db.tables import projects as projects_t
from ..services import reports
from ..services import totals as svc
from . import invoices
from . import period as periods
from .deps import PageActor, PageError, State, need, render
from .fmt import clock, hm
from .report import time_report

router = APIRouter(include_in_schema=False)


def _project_id(raw: str) -> str:
    try:
        return str(UUID(raw))
    except ValueError:
        raise PageError(404, "There is no such project.") from None


def _viewer_access(conn, actor, pid: str) -> authz.ProjectAccess:
    need(actor, authz.Action.SEE_PORTAL)
    access = authz.project_access(conn, actor, pid)
    if access is None or access.kind != "viewer":
        raise PageError(404, "There is no such project.")
    return access


@router.get("/portal")
def portal(request: Request, actor: PageActor, state: State):
    need(actor, authz.Action.SEE_PORTAL)
    now = state.now()
    with state.db.read() as conn:
        tz = resolve_tz(conn, None)
        period = periods.parse(None, None, tz, now, default=periods.this_month)
        projects = reports.projects_where(conn, authz.portal_projects(actor))
        cards = []
        for p in projects:
            report = time_report(conn, svc.actor_scope(actor, project_id=p.id), tz, now, period,
                                 by_user=False)  # fmt: skip
            cards.append((p, reports.task_progress(conn, p.id), report.total))
    return render(request, "portal.html", title="Your projects", cards=cards, period=period)


def project_view(conn, actor: authz.Actor, access: authz.ProjectAccess, tz, now: int,
                 period: periods.Period) -> dict:  # fmt: skip
    """What the portal page of one project shows to a caller with ``access``."""
    pid = access.project_id
    project = reports.projects_where(conn, authz.portal_projects(actor) & _is(pid))[0]
    members = access.has(Capability.SEE_MEMBERS)
    report = time_report(conn, svc.actor_scope(actor, project_id=pid), tz, now, period,
                         by_user=members)  # fmt: skip
    view = {
        "project": project,
        "access": access,
        "progress": reports.task_progress(conn, pid),
        "team": reports.team(conn, pid) if members else None,
        "report": report,
        "unames": reports.user_names(conn, {u for u, _ in report.by_user}) if members else {},
        "entries": None,
        "shots": None,
    }
    if access.has(Capability.SEE_ENTRIES):
        view["entries"] = reports.entries(
            conn, actor, period.lo, period.hi, project_id=pid,
            hide_notes=not access.grants.get("show_notes"),
        )  # fmt: skip
    view["invoices"], view["summary"] = invoices.project_invoices(conn, actor, access, pid, now)
    if project.screenshots and access.grants.get("show_screenshots"):
        view["shots"] = reports.shots(conn, actor, period.lo, period.hi, project_id=pid)
    return view


def _is(pid: str):
    return projects_t.c.id == pid


@router.get("/portal/projects/{project_id}")
def portal_project(project_id: str, request: Request, actor: PageActor, state: State):
    pid = _project_id(project_id)
    now = state.now()
    q = request.query_params
    with state.db.read() as conn:
        access = _viewer_access(conn, actor, pid)
        tz = resolve_tz(conn, None)
        period = periods.parse(q.get("from"), q.get("to"), tz, now, default=periods.this_month)
        view = project_view(conn, actor, access, tz, now, period)
    return render(request, "portal_project.html", title=view["project"].name, period=period,
                  tz=tz, now=now, base=f"/portal/projects/{pid}", **view)  # fmt: skip


def _cell(value: str) -> str:
    """No spreadsheet formulas from a note or a name (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def entries_csv(entries, tz, now: int, *, members: bool, notes: bool) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["date", "start", "end", "duration", *(["member"] if members else []), "task",
                *(["note"] if notes else [])])  # fmt: skip
    for e in entries:
        w.writerow([
            periods.local_date(e.started_at, tz).isoformat(),
            clock(e.started_at, tz), clock(e.ended_at, tz), hm(e.seconds(now)),
            *([_cell(e.user_name)] if members else []), _cell(e.task_title),
            *([_cell(e.note)] if notes else []),
        ])  # fmt: skip
    return buf.getvalue()


def csv_download(conn, actor, access: authz.ProjectAccess, tz, now: int, q) -> Response:
    """The project's entries in the page's range as CSV, when the access shows entries."""
    if not access.has(Capability.SEE_ENTRIES):
        raise PageError(403, "Your access to this project does not include its entries.")
    period = periods.parse(q.get("from"), q.get("to"), tz, now, default=periods.this_month)
    notes = bool(access.grants.get("show_notes"))
    rows = reports.entries(conn, actor, period.lo, period.hi, project_id=access.project_id,
                           hide_notes=not notes, limit=100_000)  # fmt: skip
    body = entries_csv(rows, tz, now, members=access.has(Capability.SEE_MEMBERS), notes=notes)
    name = f"entries-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(
        body, media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "private, no-store"},
    )  # fmt: skip


@router.get("/portal/projects/{project_id}/entries.csv")
def portal_csv(project_id: str, request: Request, actor: PageActor, state: State):
    pid = _project_id(project_id)
    with state.db.read() as conn:
        access = _viewer_access(conn, actor, pid)
        tz = resolve_tz(conn, None)
        return csv_download(conn, actor, access, tz, state.now(), request.query_params)


@router.get("/me")
def my_week(request: Request, actor: PageActor, state: State):
    need(actor, authz.Action.TRACK_TIME)
    now = state.now()
    q = request.query_params
    with state.db.read() as conn:
        tz = resolve_tz(conn, None)
        period = periods.parse(q.get("from"), q.get("to"), tz, now)
        report = time_report(conn, svc.actor_scope(actor, user_id=actor.user_id), tz, now,
                             period, by_user=False)  # fmt: skip
        projects = reports.projects_where(conn, authz.visible_projects(actor))
        running = [e for e in reports.running_now(conn, actor) if e.user_id == actor.user_id]
        payouts = invoices.team_invoices(conn, actor, now)
    return render(request, "me.html", title="My week", period=period, report=report,
                  pnames={p.id: p.name for p in projects}, running=running, tz=tz,
                  now=now, payouts=payouts)  # fmt: skip
