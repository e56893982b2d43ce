"""Projects and their members."""

from __future__ import annotations

import json
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response
from sqlalchemy import insert, select, update

from .. import authz
from ..authz import Capability
from ..db.tables import clients, project_members, projects, users
from ..errors import PROBLEM_RESPONSES, ApiError, Forbidden, Invalid, NotFound
from ..ids import canonical, new_id
from ..services import audit, rates
from . import paging
from .billing_models import RepricedOut
from .deps import CurrentActor, State
from .models import (
    MemberIn,
    MemberOut,
    MemberPage,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    ProjectPatch,
)
from .money_io import money_in
from .rate_changes import DryRun, effective_epoch, run
from .views import member_out, project_out

router = APIRouter(tags=["projects"], responses=PROBLEM_RESPONSES)

ProjectId = Annotated[UUID, Path(description="project id")]
UserId = Annotated[UUID, Path(description="user id")]


def _rate_currency(conn, body_currency, rate, client_id) -> str | None:
    """The project's currency: given, else the rate's, else the client's."""
    currency = body_currency
    if rate is not None:
        if currency is not None and rate.currency != currency:
            raise Invalid("currency_mismatch", f"bill_rate must be in {currency}")
        currency = rate.currency
    if currency is None and client_id is not None:
        currency = conn.execute(
            select(clients.c.currency).where(clients.c.id == client_id)
        ).scalar_one_or_none()
    return currency


def _check_client(conn, client_id: str | None) -> None:
    if (
        client_id is not None
        and conn.execute(select(clients.c.id).where(clients.c.id == client_id)).first() is None
    ):
        raise Invalid("client_not_found", f"no client {client_id}")


@router.post(
    "/projects",
    status_code=201,
    response_model=ProjectOut,
    responses={200: {"model": ProjectOut, "description": "the project with this id exists"}},
)
def create_project(body: ProjectIn, actor: CurrentActor, state: State, response: Response) -> dict:
    authz.require(actor, authz.Action.CREATE_PROJECT)
    pid = canonical(body.id) if body.id else new_id()
    client_id = canonical(body.client_id) if body.client_id else None
    now = state.now()
    with state.db.write() as tx:
        existing = tx.conn.execute(select(projects).where(projects.c.id == pid)).first()
        if existing is not None:
            response.status_code = 200
            return project_out(existing, True)
        _check_client(tx.conn, client_id)
        currency = _rate_currency(tx.conn, body.currency, body.bill_rate, client_id)
        rate = money_in(body.bill_rate, "bill_rate")
        budget = _budget(body.budget, currency)
        tx.conn.execute(
            insert(projects).values(
                id=pid, name=body.name, client_id=client_id, bill_rate_minor=rate,
                currency=currency, screenshots=body.screenshots,
                screenshot_blur=body.screenshot_blur, archived=body.archived,
                billable=body.billable, budget_seconds=body.budget_seconds, budget_minor=budget,
                revision=1, seq=tx.next_seq(), created_at=now, updated_at=now,
            )
        )  # fmt: skip
        if rate is not None:
            rates.record(
                tx.conn, holder="project", holder_id=pid, kind="bill", amount_minor=rate,
                currency=currency, effective_from=None, now=now, actor_id=actor.user_id,
            )  # fmt: skip
        return project_out(
            tx.conn.execute(select(projects).where(projects.c.id == pid)).one(), True
        )


@router.get("/projects", response_model=ProjectPage)
def list_projects(
    actor: CurrentActor, state: State, cursor: paging.Cursor = None, limit: paging.Limit = 100
) -> dict:
    q = (
        select(projects)
        .where(authz.visible_projects(actor))
        .order_by(projects.c.id)
        .limit(limit + 1)
    )
    if cursor:
        (after,) = paging.decode(cursor, str)
        q = q.where(projects.c.id > after)
    with state.db.read() as conn:
        rows = conn.execute(q).all()
        more = len(rows) > limit
        rows = rows[:limit]
        items = []
        for r in rows:
            access = authz.project_access(conn, actor, r.id)
            items.append(
                project_out(r, access is not None and authz.may_see_bill_rates(actor, access))
            )
    return {"items": items, "next_cursor": paging.encode(rows[-1].id) if more else None}


@router.get("/projects/{project_id}", response_model=ProjectOut)
def get_project(project_id: ProjectId, actor: CurrentActor, state: State) -> dict:
    pid = canonical(project_id)
    with state.db.read() as conn:
        access = authz.project(conn, actor, pid)
        row = conn.execute(select(projects).where(projects.c.id == pid)).one()
    return project_out(row, authz.may_see_bill_rates(actor, access))


def _budget(budget, currency: str | None) -> int | None:
    if budget is not None and currency is None:
        raise Invalid("currency_missing", "give the project a currency before a money budget")
    return money_in(budget, "budget", currency=currency)


@router.patch(
    "/projects/{project_id}",
    response_model=ProjectOut | RepricedOut,
    responses={200: {"description": "the project; with ?dry_run=true what a rate change "
                     "would re-price: {repriced, delta}"}},
)  # fmt: skip
def patch_project(
    project_id: ProjectId, body: ProjectPatch, actor: CurrentActor, state: State,
    dry_run: DryRun = False,
) -> dict:  # fmt: skip
    pid = canonical(project_id)
    changes = body.model_dump(exclude_unset=True)
    now = state.now()

    def action(tx, repriced: rates.Repriced) -> dict:
        authz.project(tx.conn, actor, pid, Capability.EDIT)
        row = tx.conn.execute(select(projects).where(projects.c.id == pid)).one()
        values: dict = {}
        for key in ("name", "screenshots", "screenshot_blur", "archived", "billable"):
            if key in changes and changes[key] is not None:
                values[key] = changes[key]
        if "budget_seconds" in changes:
            values["budget_seconds"] = body.budget_seconds
        if "client_id" in changes:
            cid = canonical(body.client_id) if body.client_id else None
            _check_client(tx.conn, cid)
            values["client_id"] = cid
        if "bill_rate" in changes:
            if body.bill_rate is None:
                values["bill_rate_minor"] = None
                if changes.get("currency"):
                    values["currency"] = changes["currency"]
            else:
                currency = changes.get("currency") or body.bill_rate.currency
                if body.bill_rate.currency != currency:
                    raise Invalid("currency_mismatch", f"bill_rate must be in {currency}")
                values["bill_rate_minor"] = money_in(body.bill_rate, "bill_rate")
                values["currency"] = currency
        elif changes.get("currency") and changes["currency"] != row.currency:
            if row.bill_rate_minor is not None:
                raise Invalid("currency_mismatch", "change bill_rate together with currency")
            values["currency"] = changes["currency"]
        if "budget" in changes:
            values["budget_minor"] = _budget(body.budget, values.get("currency", row.currency))
        elif "currency" in values and values["currency"] != row.currency and row.budget_minor:
            raise Invalid("currency_mismatch", "change budget together with currency")
        since = effective_epoch(tx.conn, body.effective_from, now)
        if values:  # first: re-pricing resolves through the project's new client
            values.update(revision=row.revision + 1, seq=tx.next_seq(), updated_at=now)
            tx.conn.execute(update(projects).where(projects.c.id == pid).values(**values))
        if "bill_rate" in changes:
            repriced.add(
                rates.change(
                    tx.conn, holder="project", holder_id=pid, kind="bill",
                    amount_minor=values["bill_rate_minor"],
                    currency=values.get("currency", row.currency), effective_from=since,
                    now=now, actor_id=actor.user_id,
                )
            )  # fmt: skip
        if values.get("client_id", row.client_id) != row.client_id:
            # Another client: its rate (or none) now prices the project's unbilled time.
            repriced.add(
                rates.reprice(
                    tx.conn,
                    holder="project",
                    holder_id=pid,
                    kind="bill",
                    since=since or 0,
                    now=now,
                )
            )
        return project_out(
            tx.conn.execute(select(projects).where(projects.c.id == pid)).one(), True
        )

    return run(state, dry_run, action)


@router.put(
    "/projects/{project_id}/members/{user_id}",
    response_model=MemberOut | RepricedOut,
    responses={200: {"description": "the membership; with ?dry_run=true what a rate change "
                     "would re-price: {repriced, delta}"}},
)  # fmt: skip
def put_member(
    project_id: ProjectId, user_id: UserId, body: MemberIn, actor: CurrentActor, state: State,
    dry_run: DryRun = False,
) -> dict:  # fmt: skip
    """Rates left out of the body stay as they are; ``null`` removes one. Pay rates: admins."""
    pid, uid = canonical(project_id), canonical(user_id)
    sent = body.model_fields_set
    bill = money_in(body.bill_rate, "bill_rate")
    pay = money_in(body.pay_rate, "pay_rate")
    grants = (body.grants.model_dump() if body.grants else {}) if body.kind == "viewer" else {}
    now = state.now()

    def action(tx, repriced: rates.Repriced) -> dict:
        authz.project(tx.conn, actor, pid, Capability.MANAGE_MEMBERS)
        role = tx.conn.execute(select(users.c.role).where(users.c.id == uid)).scalar_one_or_none()
        if role is None:
            raise NotFound("user", "user_not_found")
        if role == "viewer" and body.kind == "member":
            raise ApiError(422, "role_mismatch", "a viewer can only be a project viewer")
        where = (project_members.c.project_id == pid, project_members.c.user_id == uid)
        old = tx.conn.execute(select(project_members).where(*where)).first()
        values: dict = dict(
            kind=body.kind, grants=json.dumps(grants, sort_keys=True), seq=tx.next_seq(),
            updated_at=now,
        )  # fmt: skip
        if "bill_rate" in sent or old is None:
            values.update(
                bill_rate_minor=bill, bill_currency=body.bill_rate.currency if bill else None
            )
        if "pay_rate" in sent or old is None:
            old_pay = (old.pay_rate_minor, old.pay_currency) if old is not None else (None, None)
            new_pay = (pay, body.pay_rate.currency if body.pay_rate else None)
            if new_pay != old_pay and not authz.may(actor, authz.Action.SET_PAY_RATE):
                raise Forbidden("only an admin may set pay rates", "pay_rate_admin_only")
            values.update(pay_rate_minor=new_pay[0], pay_currency=new_pay[1])
        since = effective_epoch(tx.conn, body.effective_from, now)
        before = None if old is None else {"kind": old.kind, "grants": json.loads(old.grants)}
        after = {"kind": body.kind, "grants": grants}
        if before != after:  # a role on the project given, changed or widened (rates: rate.*)
            audit.record(
                tx.conn, actor_id=actor.user_id, action="membership.set", entity="project",
                entity_id=pid, before=before, after={"user_id": uid, **after}, at=now,
            )  # fmt: skip
        if old is not None:
            tx.conn.execute(update(project_members).where(*where).values(**values))
        else:
            tx.conn.execute(
                insert(project_members).values(
                    project_id=pid, user_id=uid, created_at=now, **values
                )
            )
        for kind in ("bill", "pay"):
            if f"{kind}_rate_minor" in values:
                repriced.add(
                    rates.change(
                        tx.conn, holder="project_member", holder_id=rates.member_key(pid, uid),
                        kind=kind, amount_minor=values[f"{kind}_rate_minor"],
                        currency=values[f"{kind}_currency"], effective_from=since, now=now,
                        actor_id=actor.user_id,
                    )
                )  # fmt: skip
        return member_out(tx.conn.execute(select(project_members).where(*where)).one(), actor, True)

    return run(state, dry_run, action)


@router.get("/projects/{project_id}/members", response_model=MemberPage)
def list_members(project_id: ProjectId, actor: CurrentActor, state: State) -> dict:
    pid = canonical(project_id)
    with state.db.read() as conn:
        access = authz.project(conn, actor, pid, Capability.SEE_MEMBERS)
        rows = conn.execute(
            select(project_members)
            .where(project_members.c.project_id == pid)
            .order_by(project_members.c.user_id)
        ).all()
    show = authz.may_see_bill_rates(actor, access)
    return {"items": [member_out(r, actor, show) for r in rows], "next_cursor": None}
