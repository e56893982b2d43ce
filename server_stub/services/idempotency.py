"""``Idempotency-Key`` (IETF draft semantics; server-spec §6.8).

A replay with the same key and body returns the stored response verbatim; the same key with a
different body is 422; a request whose twin is still running is 409 ``idempotency_in_flight``
(clients retry it like a 503). Records are per token and kept 7 days.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from ..db.session import Database
from ..db.tables import idempotency_records as rec
from ..errors import ApiError

KEEP_SECONDS = 7 * 24 * 3600
STALE_IN_FLIGHT_SECONDS = 300  # a crashed request's key is usable again after this


@dataclass(frozen=True)
class Stored:
    status: int
    body: str


def request_hash(payload: object) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> None:
    if not (1 <= len(key) <= 255) or not key.isprintable() or not key.isascii():
        raise ApiError(422, "invalid_idempotency_key", "Idempotency-Key: 1-255 printable ASCII")


def begin(db: Database, token_id: str, key: str, digest: str, now: int) -> Stored | None:
    """Claim ``key``; a finished twin's stored response, or None when this request proceeds."""
    with db.write() as tx:  # holds the counter lock: twins queue here on PostgreSQL too
        conn = tx.conn
        conn.execute(delete(rec).where(rec.c.created_at < now - KEEP_SECONDS))
        row = conn.execute(select(rec).where(rec.c.token_id == token_id, rec.c.key == key)).first()
        if row is None:
            conn.execute(
                insert(rec).values(
                    token_id=token_id, key=key, request_hash=digest, state="in_flight",
                    created_at=now,
                )
            )  # fmt: skip
            return None
        if row.request_hash != digest:
            raise ApiError(
                422, "idempotency_key_reused",
                "this Idempotency-Key was used with a different request body",
            )  # fmt: skip
        if row.state == "done":
            return Stored(row.response_status, row.response_body)
        if now - row.created_at < STALE_IN_FLIGHT_SECONDS:
            raise ApiError(
                409, "idempotency_in_flight",
                "the same request is still being processed: retry shortly",
                headers={"Retry-After": "1"},
            )  # fmt: skip
        conn.execute(
            update(rec).where(rec.c.token_id == token_id, rec.c.key == key).values(created_at=now)
        )
        return None


def finish(conn: Connection, token_id: str, key: str, status: int, body: str) -> None:
    """Store the response, inside the transaction that made it."""
    conn.execute(
        update(rec)
        .where(rec.c.token_id == token_id, rec.c.key == key)
        .values(state="done", response_status=status, response_body=body)
    )


def abandon(db: Database, token_id: str, key: str) -> None:
    with db.small_write() as conn:
        conn.execute(
            delete(rec).where(
                rec.c.token_id == token_id, rec.c.key == key, rec.c.state == "in_flight"
            )
        )
