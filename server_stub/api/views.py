"""Rows to API objects, with the caller's visibility applied (amounts, pay rates)."""

from __future__ import annotations

import functools
from typing import Any

from .. import authz
from ..authz import Actor
from ..timefmt import load_tz, rfc3339, utc_datetime
from .money_io import money_out


def project_out(row: Any, show_amounts: bool) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "client_id": row.client_id,
        "bill_rate": money_out(row.bill_rate_minor, row.currency) if show_amounts else None,
        "currency": row.currency,
        "screenshots": bool(row.screenshots),
        "screenshot_blur": bool(row.screenshot_blur),
        "archived": bool(row.archived),
        "billable": bool(row.billable),
        "revision": row.revision,
        "created_at": utc_datetime(row.created_at),
        "updated_at": utc_datetime(row.updated_at),
        "budget_seconds": row.budget_seconds,
        "budget": money_out(row.budget_minor, row.currency) if show_amounts else None,
    }


def task_out(row: Any) -> dict:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "title": row.title,
        "status": row.status,
        "assignee_id": row.assignee_id,
        "revision": row.revision,
        "created_at": utc_datetime(row.created_at),
        "updated_at": utc_datetime(row.updated_at),
    }


def member_out(row: Any, actor: Actor, show_amounts: bool) -> dict:
    return {
        "project_id": row.project_id,
        "user_id": row.user_id,
        "kind": row.kind,
        "bill_rate": money_out(row.bill_rate_minor, row.bill_currency) if show_amounts else None,
        "pay_rate": money_out(row.pay_rate_minor, row.pay_currency)
        if authz.may_see_pay_rate(actor, row.user_id)
        else None,
        "grants": authz.parse_grants(row.grants),
    }


@functools.lru_cache(maxsize=256)
def _tz(name: str):
    return load_tz(name)


def interval_out(row: Any, project_id: str, show_note: bool = True) -> dict:
    tz = _tz(row.tz)
    return {
        "id": row.id,
        "user_id": row.user_id,
        "task_id": row.task_id,
        "project_id": project_id,
        "started_at": rfc3339(row.started_at, tz),
        "ended_at": rfc3339(row.ended_at, tz),
        "duration_seconds": None if row.ended_at is None else row.ended_at - row.started_at,
        "tz": row.tz,
        "note": row.note if show_note else "",
        "source": row.source,
        "revision": row.revision,
        "deleted": bool(row.deleted),
        "device_name": row.device_name,
        "seq": row.seq,
    }
