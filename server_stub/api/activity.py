"""Activity: per-slot input counts pushed by the desktop, listed per role (server-spec §6.8).

Slots are 10 minutes aligned to UTC; ``slot_seconds`` is the tracked part of the slot and a
task switch inside a slot gives two slots (one per interval). The slot's client UUID is the
primary key, so a retried batch is a harmless upsert — and the way a slot follows its entry
when the desktop splits or edits it: the same id with another ``interval_id`` (and numbers)
moves it. ``deleted: true`` deletes the caller's slot (its entry was deleted, or no longer
covers it); a delete of an unknown id is accepted (nothing to delete), so replays are harmless.
One bad slot never blocks the others: it comes back in ``rejected`` with a stable ``code``.
Slots go only to the caller's own live entries (:func:`server_stub.authz.capture_targets`):
someone else's entry the caller sees is ``no_access``, one they may not know of
``interval_not_found`` — the 403/404 rule of the API, per item.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import delete, false, insert, select, update

from .. import authz
from ..db.tables import activity_slots, intervals, tasks
from ..errors import PROBLEM_RESPONSES, Invalid
from ..ids import canonical
from ..timefmt import rfc3339, to_epoch
from . import paging
from .deps import CurrentActor, State
from .models import ActivityBatchOut, ActivityPage, ActivitySlotIn
from .ranges import Filters, resolve_filters

router = APIRouter(tags=["activity"], responses=PROBLEM_RESPONSES)

SLOT_SECONDS = 600
_FIELDS = (
    "interval_id",
    "slot_start",
    "slot_seconds",
    "active_seconds",
    "keyboard_events",
    "mouse_events",
)


class ActivitySlotSyncIn(ActivitySlotIn):
    deleted: bool = Field(False, description="delete this slot (the numbers are not read)")


class ActivityBatchIn(BaseModel):
    slots: Annotated[list[ActivitySlotSyncIn], Field(json_schema_extra={"maxItems": 1000})]


_REFUSALS = {  # what authz.capture_targets answers for an interval the slot may not go to
    "interval_not_found": "no such interval of yours",
    "no_access": "activity goes only to your own entries (this one is someone else's)",
}


def _reject(out: dict, sid: str, code: str, detail: str) -> None:
    out["rejected"].append({"id": sid, "code": code, "detail": detail})


def _prepare(slot: ActivitySlotSyncIn, out: dict) -> dict | None:
    """The slot as column values, or None after rejecting it (checks needing no database)."""
    sid = canonical(slot.id)
    if slot.deleted:
        return {"id": sid, "deleted": True}
    start = to_epoch(slot.slot_start)
    if start is None:
        _reject(out, sid, "invalid_time", "slot_start must fall between 1971 and 2200")
        return None
    if start % SLOT_SECONDS or slot.slot_start.microsecond:
        _reject(out, sid, "slot_not_aligned", "slot_start must be a multiple of 10 minutes UTC")
        return None
    if slot.active_seconds > slot.slot_seconds:
        _reject(out, sid, "active_exceeds_slot", "active_seconds may not exceed slot_seconds")
        return None
    return {
        "id": sid,
        "interval_id": canonical(slot.interval_id),
        "slot_start": start,
        "slot_seconds": slot.slot_seconds,
        "active_seconds": slot.active_seconds,
        "keyboard_events": slot.keyboard_events,
        "mouse_events": slot.mouse_events,
    }


@router.post("/activity/batch", response_model=ActivityBatchOut)
def push_activity(body: ActivityBatchIn, actor: CurrentActor, state: State) -> dict:
    authz.require(actor, authz.Action.TRACK_TIME)
    limit = state.settings.max_batch_items
    if len(body.slots) > limit:
        raise Invalid("too_many_items", f"at most {limit} slots per batch: split it")
    out: dict = {"accepted": [], "rejected": []}
    items = [v for v in (_prepare(s, out) for s in body.slots) if v is not None]
    now = state.now()
    device = f"token:{actor.token_id[:8]}"
    with state.db.write() as tx:
        conn = tx.conn
        live = {
            r.id: (r.user_id, r.project_id)
            for r in conn.execute(
                select(intervals.c.id, intervals.c.user_id, tasks.c.project_id)
                .select_from(intervals.join(tasks, tasks.c.id == intervals.c.task_id))
                .where(
                    intervals.c.id.in_(
                        sorted({i["interval_id"] for i in items if "interval_id" in i})
                    ),
                    intervals.c.deleted == false(),
                )
            )
        }
        refusals = authz.capture_targets(conn, actor, live)
        existing = {
            r.id: r
            for r in conn.execute(
                select(activity_slots).where(
                    activity_slots.c.id.in_(sorted({i["id"] for i in items}))
                )
            )
        }
        for item in items:
            sid = item["id"]
            if item.get("deleted"):
                row = existing.get(sid)
                if row is not None and not authz.may_upload_capture(actor, row.user_id):
                    _reject(out, sid, "id_conflict", "this slot id belongs to someone else")
                    continue
                if row is not None:
                    conn.execute(delete(activity_slots).where(activity_slots.c.id == sid))
                    existing.pop(sid)
                out["accepted"].append(sid)
                continue
            refusal = refusals.get(item["interval_id"], "interval_not_found")
            if refusal is not None:
                _reject(out, sid, refusal, _REFUSALS[refusal])
                continue
            row = existing.get(sid)
            if row is None:
                conn.execute(
                    insert(activity_slots).values(
                        **item, user_id=actor.user_id, device_name=device,
                        seq=tx.next_seq(), created_at=now, updated_at=now,
                    )
                )  # fmt: skip
                existing[sid] = _Row(user_id=actor.user_id, **item)
            elif not authz.may_upload_capture(actor, row.user_id):
                _reject(out, sid, "id_conflict", "this slot id belongs to someone else")
                continue
            elif any(getattr(row, f) != item[f] for f in _FIELDS):
                conn.execute(
                    update(activity_slots)
                    .where(activity_slots.c.id == sid)
                    .values(**{f: item[f] for f in _FIELDS}, seq=tx.next_seq(), updated_at=now)
                )
                existing[sid] = _Row(user_id=actor.user_id, **item)
            out["accepted"].append(sid)
    return out


class _Row:
    """What a slot written earlier in this batch looks like to a later duplicate."""

    def __init__(self, **values) -> None:
        self.__dict__.update(values)


@router.get("/activity", response_model=ActivityPage)
def list_activity(
    actor: CurrentActor,
    state: State,
    filters: Filters,
    cursor: paging.Cursor = None,
    limit: paging.Limit = 100,
) -> dict:
    q = (
        select(activity_slots, tasks.c.project_id, intervals.c.task_id)
        .select_from(
            activity_slots.join(intervals, intervals.c.id == activity_slots.c.interval_id).join(
                tasks, tasks.c.id == intervals.c.task_id
            )
        )
        .where(authz.activity_scope(actor), intervals.c.deleted == false())
        .order_by(activity_slots.c.slot_start, activity_slots.c.id)
        .limit(limit + 1)
    )
    with state.db.read() as conn:
        f = resolve_filters(conn, actor, filters, "activity")
        if f.lo is not None:
            q = q.where(activity_slots.c.slot_start + activity_slots.c.slot_seconds > f.lo)
        if f.hi is not None:
            q = q.where(activity_slots.c.slot_start < f.hi)
        if f.user_id is not None:
            q = q.where(activity_slots.c.user_id == f.user_id)
        if f.project_id is not None:
            q = q.where(tasks.c.project_id == f.project_id)
        if cursor:
            after_start, after_id = paging.decode(cursor, int, str)
            q = q.where(
                (activity_slots.c.slot_start > after_start)
                | ((activity_slots.c.slot_start == after_start) & (activity_slots.c.id > after_id))
            )
        rows = conn.execute(q).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        {
            "id": r.id,
            "user_id": r.user_id,
            "interval_id": r.interval_id,
            "project_id": r.project_id,
            "task_id": r.task_id,
            "slot_start": rfc3339(r.slot_start, None),
            "slot_seconds": r.slot_seconds,
            "active_seconds": r.active_seconds,
            "activity_percent": r.active_seconds * 100 // r.slot_seconds,
            "keyboard_events": r.keyboard_events,
            "mouse_events": r.mouse_events,
        }
        for r in rows
    ]
    nxt = paging.encode(rows[-1].slot_start, rows[-1].id) if more else None
    return {"items": items, "next_cursor": nxt}
