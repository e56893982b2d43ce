"""Users (admins only)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path
from sqlalchemy import func, select, update

from .. import authz
from ..db.tables import users
from ..errors import PROBLEM_RESPONSES, ApiError, Invalid, NotFound
from ..ids import canonical
from ..services import accounts, audit, rates
from . import paging
from .billing_models import RepricedOut, UserPatch
from .deps import CurrentActor, State
from .models import UserIn, UserOut, UserPage
from .money_io import money_in
from .rate_changes import DryRun, effective_epoch, run

router = APIRouter(tags=["users"], responses=PROBLEM_RESPONSES)


@router.post("/users", status_code=201, response_model=UserOut)
def create_user(body: UserIn, actor: CurrentActor, state: State) -> dict:
    authz.require(actor, authz.Action.CREATE_USER)
    return accounts.create_user(
        state.db, state.passwords, email=body.email, name=body.name, role=body.role,
        password=body.password, now=state.now(), actor_id=actor.user_id,
    )  # fmt: skip


@router.get("/users", response_model=UserPage)
def list_users(
    actor: CurrentActor, state: State, cursor: paging.Cursor = None, limit: paging.Limit = 100
) -> dict:
    authz.require(actor, authz.Action.LIST_USERS)
    q = select(users).order_by(users.c.id).limit(limit + 1)
    if cursor:
        (after,) = paging.decode(cursor, str)
        q = q.where(users.c.id > after)
    with state.db.read() as conn:
        rows = conn.execute(q).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [accounts.user_out(r) for r in rows],
        "next_cursor": paging.encode(rows[-1].id) if more else None,
    }


class LastAdmin(ApiError):
    def __init__(self) -> None:
        super().__init__(
            409, "last_admin", "the workspace needs an active admin: make another first"
        )


# (kind, body field, the user's columns) of the default rates
_DEFAULT_RATES = (
    ("bill", "default_bill_rate", ("default_bill_rate_minor", "default_bill_currency")),
    ("pay", "default_pay_rate", ("default_pay_rate_minor", "pay_currency")),
)


@router.patch(
    "/users/{user_id}",
    response_model=UserOut | RepricedOut,
    responses={200: {"description": "the user; with ?dry_run=true what a rate change "
                     "would re-price: {repriced, delta}"}},
)  # fmt: skip
def patch_user(
    user_id: Annotated[UUID, Path(description="user id")], body: UserPatch, actor: CurrentActor,
    state: State, dry_run: DryRun = False,
) -> dict:  # fmt: skip
    """Name, role, archiving and the user's default rates (the last step of the rate chain)."""
    authz.require(actor, authz.Action.EDIT_USER)
    uid = canonical(user_id)
    changes = body.model_dump(exclude_unset=True)
    for key in ("name", "role", "archived"):
        if key in changes and changes[key] is None:
            raise Invalid("field_required", f"{key} cannot be null")
    bill = money_in(body.default_bill_rate, "default_bill_rate")
    pay = money_in(body.default_pay_rate, "default_pay_rate")
    now = state.now()

    def action(tx, repriced: rates.Repriced) -> dict:
        row = tx.conn.execute(select(users).where(users.c.id == uid)).first()
        if row is None:
            raise NotFound("user", "user_not_found")
        values: dict = {}
        if "name" in changes:
            values["name"] = changes["name"]
        if "role" in changes:
            values["role"] = changes["role"]
        if "archived" in changes:
            values["archived_at"] = (row.archived_at or now) if changes["archived"] else None
        demoted = values.get("role", row.role) != "admin" or values.get("archived_at")
        if row.role == "admin" and row.archived_at is None and demoted:
            others = tx.conn.execute(
                select(func.count())
                .select_from(users)
                .where(users.c.role == "admin", users.c.archived_at.is_(None), users.c.id != uid)
            ).scalar_one()
            if others == 0:
                raise LastAdmin()
        since = effective_epoch(tx.conn, body.effective_from, now)
        for (kind, field, cols), minor in zip(_DEFAULT_RATES, (bill, pay), strict=True):
            if field not in changes:
                continue
            money = getattr(body, field)
            cur = money.currency if money is not None else None
            values[cols[0]], values[cols[1]] = minor, cur
            repriced.add(
                rates.change(
                    tx.conn, holder="user", holder_id=uid, kind=kind, amount_minor=minor,
                    currency=cur, effective_from=since, now=now, actor_id=actor.user_id,
                )
            )  # fmt: skip
        changed = {
            k: v for k, v in (("name", row.name), ("role", row.role)) if values.get(k, v) != v
        }
        if "archived_at" in values and (values["archived_at"] is None) != (row.archived_at is None):
            changed["archived"] = row.archived_at is not None
        if changed:  # rate changes have their own events (services/rates.py)
            audit.record(
                tx.conn, actor_id=actor.user_id, action="user.update", entity="user",
                entity_id=uid, before=changed,
                after={k: values[k] if k != "archived" else not v for k, v in changed.items()},
                at=now,
            )  # fmt: skip
        if values:
            tx.conn.execute(update(users).where(users.c.id == uid).values(**values))
        return accounts.user_out(tx.conn.execute(select(users).where(users.c.id == uid)).one())

    return run(state, dry_run, action)
