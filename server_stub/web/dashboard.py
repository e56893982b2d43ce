"""The manager's pages: ``/dashboard``, ``/dashboard/members/{id}``, ``/dashboard/clients/{id}``
(contract §5). Admins and managers only (``authz.Action.SEE_DASHBOARD``)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, Request

from .. import authz
from ..api.ranges import resolve_tz
from ..db.tables import projects as projects_t
from ..services import messages, reports
from ..services import totals as svc
from . import invoices
from . import period as periods
from .deps import PageActor, PageError, State, need, render
from .report import time_report

router = APIRouter(include_in_schema=False)
CLIENT_MESSAGES = 20  # the newest messages a client's history shows


def _id(raw: str, what: str) -> str:
    try:
        return str(UUID(raw))
    except ValueError:
        raise PageError(404, f"There is no such {what}.") from None


@router.get("/dashboard")
def dashboard(request: Request, actor: PageActor, state: State):
    need(actor, authz.Action.SEE_DASHBOARD)
    now = state.now()
    q = request.query_params
    with state.db.read() as conn:
        tz = resolve_tz(conn, None)
        period = periods.parse(q.get("from"), q.get("to"), tz, now)
        report = time_report(conn, svc.actor_scope(actor), tz, now, period)
        projects = reports.projects_where(conn, authz.visible_projects(actor))
        running = reports.running_now(conn, actor)
        people = reports.members_of_workspace(conn)
        names = reports.user_names(conn, {u for u, _ in report.by_user})
        clients = sorted({(p.client_id, p.client_name) for p in projects if p.client_id},
                         key=lambda c: c[1] or "")  # fmt: skip
        money = invoices.dashboard_money(conn, actor, clients, period, now)
    pnames = {p.id: p.name for p in projects}
    return render(
        request, "dashboard.html", title="Dashboard", period=period, report=report,
        pnames=pnames, unames=names, running=running, people=people, projects=projects,
        clients=clients, tz=tz, now=now, done=invoices.DONE.get(q.get("done", ""), ""),
        problem=invoices.PROBLEMS.get(q.get("problem", ""), ""), **money,
    )  # fmt: skip


@router.get("/dashboard/members/{user_id}")
def member_days(user_id: str, request: Request, actor: PageActor, state: State):
    need(actor, authz.Action.SEE_DASHBOARD)
    uid = _id(user_id, "member")
    now = state.now()
    q = request.query_params
    with state.db.read() as conn:
        person = reports.user_row(conn, uid)
        if person is None or not authz.may_see_user(actor, uid):
            raise PageError(404, "There is no such member.")
        tz = resolve_tz(conn, None)
        period = periods.parse(q.get("from"), q.get("to"), tz, now)
        report = time_report(conn, svc.actor_scope(actor, user_id=uid), tz, now, period,
                             by_user=False)  # fmt: skip
        entries = reports.entries(conn, actor, period.lo, period.hi, user_id=uid)
        slots = reports.activity(conn, actor, [e.id for e in entries])
        shots = reports.shots(conn, actor, period.lo, period.hi, user_id=uid)
    days: dict[date, list] = {}
    for e in entries:
        days.setdefault(periods.local_date(e.started_at, tz), []).append(e)
    return render(
        request, "member.html", title=person.name, person=person, period=period,
        report=report, days=days, slots=slots, shots=shots, tz=tz, now=now,
        pnames={e.project_id: e.project_name for e in entries},
    )  # fmt: skip


@router.get("/dashboard/clients/{client_id}")
def client_history(client_id: str, request: Request, actor: PageActor, state: State):
    need(actor, authz.Action.SEE_DASHBOARD)
    cid = _id(client_id, "client")
    now = state.now()
    with state.db.read() as conn:
        client = reports.client_row(conn, cid)
        if client is None:
            raise PageError(404, "There is no such client.")
        tz = resolve_tz(conn, None)
        projects = reports.projects_where(
            conn, authz.visible_projects(actor) & (projects_t.c.client_id == cid)
        )
        months: dict[str, int] = {}
        for p in projects:
            rows, _, _, _ = svc.totals(
                conn, svc.actor_scope(actor, project_id=p.id), ["day"], tz, now, None, None
            )
            for r in rows:
                months[r["day"][:7]] = months.get(r["day"][:7], 0) + r["seconds"]
        billed = []
        if authz.may(actor, authz.Action.SEE_INVOICES):
            billed, _ = invoices.svc.listing(conn, actor, now, client_id=cid, limit=100)
    chat = []  # the contact's side of the story: the newest messages of the client's projects
    pnames = {p.id: p.name for p in projects}
    for p in projects:
        got, _ = messages.page(state.db, actor, p.id, limit=CLIENT_MESSAGES)
        chat.extend({**m, "project": pnames[p.id]} for m in got)
    chat.sort(key=lambda m: m["created_at"], reverse=True)
    return render(
        request, "client.html", title=client.name, client=client, projects=projects,
        months=sorted(months.items()), tz=tz, now=now, invoices=billed,
        chat=chat[:CLIENT_MESSAGES],
    )  # fmt: skip
