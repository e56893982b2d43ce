"""The audit trail: who did what, written in the transaction of the action (contract §4b').

Callers pass the connection of their own write transaction, so an action and its audit row
commit or roll back together::

    audit.record(tx.conn, actor_id=actor.user_id, action="invoice.finalize",
                 entity="invoice", entity_id=invoice_id, before={"status": "draft"},
                 after={"status": "final", "number": number})

``action`` is ``entity.verb`` in lower case (``user.create``, ``auth.sign_in_failed``);
``actor_id`` is None for the server's operator (the ``tracker-server`` command). ``before`` and
``after`` are small JSON objects of what changed: keys that name secrets (passwords, tokens,
their hashes) are dropped wherever they are nested, and an object larger than
:data:`MAX_STATE_BYTES` is kept as its SHA-256 only, so the trail never holds a secret or a blob.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Connection, insert, select

from ..db.tables import audit_events
from ..timefmt import utc_datetime

MAX_STATE_BYTES = 2048
#: Key fragments that name a secret; a key containing one (any case) never reaches the trail.
SECRET_MARKERS = ("password", "secret", "token", "hash", "key", "url")
#: Keys kept although they contain a marker: what is not secret (a token's id, its prefix).
NOT_SECRET = frozenset({"token_id", "token_prefix"})
_ACTION_MAX, _ENTITY_MAX, _ID_MAX = 64, 32, 64


class BadAuditRecord(ValueError):
    """A caller passed an action, entity or id the trail cannot hold (a programming error)."""


def _is_secret(key: str) -> bool:
    k = key.lower()
    return k not in NOT_SECRET and any(m in k for m in SECRET_MARKERS)


def scrub(value: Any) -> Any:
    """``value`` with every secret-named key removed, at any depth."""
    if isinstance(value, dict):
        return {str(k): scrub(v) for k, v in value.items() if not _is_secret(str(k))}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def _state(value: dict | None) -> str | None:
    if value is None:
        return None
    text = json.dumps(scrub(value), sort_keys=True, separators=(",", ":"), default=str)
    if len(text.encode()) > MAX_STATE_BYTES:
        text = json.dumps({"sha256": hashlib.sha256(text.encode()).hexdigest()})
    return text


def record(
    conn: Connection,
    *,
    actor_id: str | None,
    action: str,
    entity: str,
    entity_id: str | None,
    before: dict | None = None,
    after: dict | None = None,
    at: int | None = None,
) -> None:
    """Append one event in ``conn``'s transaction (the caller's: it commits with the action)."""
    if not action or len(action) > _ACTION_MAX or not entity or len(entity) > _ENTITY_MAX:
        raise BadAuditRecord(f"audit action {action!r} or entity {entity!r} is empty or too long")
    if entity_id is not None and len(str(entity_id)) > _ID_MAX:
        raise BadAuditRecord(f"audit entity id longer than {_ID_MAX} characters")
    if at is None:
        import time

        at = int(time.time())
    conn.execute(
        insert(audit_events).values(
            at=at, actor_id=actor_id, action=action, entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            before=_state(before), after=_state(after),
        )
    )  # fmt: skip


def event_out(row) -> dict:
    return {
        "id": str(row.id),
        "at": utc_datetime(row.at),
        "actor_id": row.actor_id,
        "action": row.action,
        "entity": row.entity,
        "entity_id": row.entity_id,
        "before": json.loads(row.before) if row.before else None,
        "after": json.loads(row.after) if row.after else None,
    }


def page(conn: Connection, *, before_id: int | None, limit: int) -> tuple[list[dict], int | None]:
    """The newest events first, ``limit`` of them older than ``before_id``; and the id to page
    on from (None on the last page)."""
    q = select(audit_events).order_by(audit_events.c.id.desc()).limit(limit + 1)
    if before_id is not None:
        q = q.where(audit_events.c.id < before_id)
    rows = conn.execute(q).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return [event_out(r) for r in rows], (rows[-1].id if more else None)
