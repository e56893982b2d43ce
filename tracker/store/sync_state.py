"""The store's sync family: the outbox queries, the merge base, the cursor and the notices.

Only the sync engine calls these. "What is left to push" is a query (``revision >
synced_revision`` on entries and tasks of server projects), never a flag; the engine writes
every server answer and every pulled page in one transaction of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .repo import Store

# -- key/value state ------------------------------------------------------------------------------


def get(store: Store, key: str) -> str | None:
    row = store.conn.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def put(store: Store, key: str, value: str | None) -> None:
    if value is None:
        store.conn.execute("DELETE FROM sync_state WHERE key = ?", [key])
    else:
        store.conn.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


# -- entries ---------------------------------------------------------------------------------------

CONTENT = ("task_id", "started_at", "ended_at", "note", "source", "deleted")


@dataclass(frozen=True, slots=True)
class Content:
    """What the server and the desktop hold of one interval (the fields the merge compares)."""

    task_id: str
    started_at: int
    ended_at: int | None
    note: str
    source: str
    deleted: bool

    def values(self) -> tuple:
        return (self.task_id, self.started_at, self.ended_at, self.note, self.source,
                int(self.deleted))  # fmt: skip


@dataclass(frozen=True, slots=True)
class LocalRow:
    id: str
    content: Content
    tz: str
    revision: int
    synced_revision: int
    server_revision: int
    sync_status: str | None
    base: Content | None  # the server's copy at server_revision, when kept

    @property
    def pending(self) -> bool:
        return self.revision > self.synced_revision


_LOCAL_SELECT = """
    SELECT i.id, i.task_id, i.started_at, i.ended_at, i.note, i.source, i.deleted, i.tz,
           i.revision, i.synced_revision, i.server_revision, i.sync_status,
           b.task_id, b.started_at, b.ended_at, b.note, b.source, b.deleted
    FROM intervals i LEFT JOIN sync_base b ON b.interval_id = i.id
"""


def _local(r: Sequence) -> LocalRow:
    base = None
    if r[12] is not None:
        base = Content(r[12], r[13], r[14], r[15], r[16], bool(r[17]))
    return LocalRow(
        id=r[0], content=Content(r[1], r[2], r[3], r[4], r[5], bool(r[6])), tz=r[7],
        revision=r[8], synced_revision=r[9], server_revision=r[10], sync_status=r[11], base=base,
    )  # fmt: skip


def pending_intervals(store: Store, after_id: str, limit: int) -> list[LocalRow]:
    """Entries of server projects with unpushed revisions, in id (creation) order."""
    rows = store.conn.execute(
        _LOCAL_SELECT + " JOIN tasks t ON t.id = i.task_id JOIN projects p ON p.id = t.project_id "
        "WHERE i.revision > i.synced_revision AND p.origin = 'server' AND i.id > ? "
        "ORDER BY i.id LIMIT ?",
        [after_id, limit],
    ).fetchall()
    return [_local(r) for r in rows]


def local_rows(store: Store, ids: Iterable[str]) -> dict[str, LocalRow]:
    ids = list(ids)
    out: dict[str, LocalRow] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ", ".join("?" * len(chunk))
        for r in store.conn.execute(_LOCAL_SELECT + f" WHERE i.id IN ({marks})", chunk):
            out[r[0]] = _local(r)
    return out


def server_revisions(store: Store, ids: Sequence[str]) -> dict[str, int]:
    """id -> the server revision this desktop holds, for the entries it has (cheap: no objects)."""
    out: dict[str, int] = {}
    for i in range(0, len(ids), 900):
        chunk = ids[i : i + 900]
        marks = ", ".join("?" * len(chunk))
        out.update(
            store.conn.execute(
                f"SELECT id, server_revision FROM intervals WHERE id IN ({marks})", chunk
            ).fetchall()
        )
    return out


def running_row(store: Store) -> LocalRow | None:
    r = store.conn.execute(_LOCAL_SELECT + " WHERE i.ended_at IS NULL AND i.deleted = 0").fetchone()
    return _local(r) if r else None


def mark_synced(store: Store, row: LocalRow, server_revision: int) -> bool:
    """The server confirmed ``row`` as read (at ``server_revision``); False if it changed since."""
    cur = store.conn.execute(
        "UPDATE intervals SET synced_revision = ?, server_revision = ?, "
        "sync_status = CASE WHEN sync_status = 'conflict' THEN sync_status END, "
        "sync_detail = CASE WHEN sync_status = 'conflict' THEN sync_detail END "
        "WHERE id = ? AND revision = ?",
        [row.revision, server_revision, row.id, row.revision],
    )
    if cur.rowcount == 1:
        store.conn.execute("DELETE FROM sync_base WHERE interval_id = ?", [row.id])
        return True
    # Edited while the batch was in flight: the server's copy is now this edit's base.
    store.conn.execute(
        "UPDATE intervals SET synced_revision = MAX(synced_revision, ?), server_revision = ? "
        "WHERE id = ?",
        [row.revision, server_revision, row.id],
    )
    set_base(store, row.id, row.content)
    return False


def mark_synced_many(store: Store, rows: list[tuple[LocalRow, int]]) -> None:
    """:func:`mark_synced` for many rows: two statements when none changed meanwhile."""
    if not rows:
        return
    cur = store.conn.executemany(
        "UPDATE intervals SET synced_revision = ?, server_revision = ?, "
        "sync_status = CASE WHEN sync_status = 'conflict' THEN sync_status END, "
        "sync_detail = CASE WHEN sync_status = 'conflict' THEN sync_detail END "
        "WHERE id = ? AND revision = ?",
        [(r.revision, srev, r.id, r.revision) for r, srev in rows],
    )
    if cur.rowcount == len(rows):
        if any(r.base is not None for r, _ in rows):
            store.conn.executemany(
                "DELETE FROM sync_base WHERE interval_id = ?", [(r.id,) for r, _ in rows]
            )
        return
    for r, srev in rows:  # some were edited in flight: sort them out one by one
        now = store.conn.execute(
            "SELECT revision, synced_revision FROM intervals WHERE id = ?", [r.id]
        ).fetchone()
        if now is not None and now[1] != r.revision:
            mark_synced(store, r, srev)
        elif now is not None:
            store.conn.execute("DELETE FROM sync_base WHERE interval_id = ?", [r.id])


def set_base(store: Store, interval_id: str, base: Content) -> None:
    store.conn.execute(
        "INSERT OR REPLACE INTO sync_base (interval_id, task_id, started_at, ended_at, note, "
        "source, deleted) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [interval_id, *base.values()],
    )


def set_status(store: Store, interval_id: str, status: str | None, detail: str | None) -> None:
    store.conn.execute(
        "UPDATE intervals SET sync_status = ?, sync_detail = ? WHERE id = ?",
        [status, detail, interval_id],
    )


def write_server_copy(
    store: Store,
    interval_id: str,
    content: Content,
    tz: str,
    server_revision: int,
    now: int,
    local: LocalRow | None,
    status: str | None = None,
    detail: str | None = None,
) -> None:
    """Make the entry equal the server's copy and synced (inserting it when new)."""
    if local is None:
        store.conn.execute(
            "INSERT INTO intervals (id, task_id, started_at, ended_at, tz, note, source, "
            "revision, synced_revision, server_revision, deleted, sync_status, sync_detail, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [interval_id, content.task_id, content.started_at, content.ended_at, tz,
             content.note, content.source, server_revision, server_revision, server_revision,
             int(content.deleted), status, detail, now, now],
        )  # fmt: skip
    else:
        revision = max(local.revision, server_revision)
        store.conn.execute(
            "UPDATE intervals SET task_id = ?, started_at = ?, ended_at = ?, note = ?, "
            "source = ?, deleted = ?, tz = ?, revision = ?, synced_revision = ?, "
            "server_revision = ?, sync_status = ?, sync_detail = ?, updated_at = ?, "
            "heartbeat_at = CASE WHEN ? IS NULL THEN heartbeat_at END WHERE id = ?",
            [*content.values(), tz, revision, revision, server_revision, status, detail, now,
             content.ended_at, interval_id],
        )  # fmt: skip
        store.conn.execute("DELETE FROM sync_base WHERE interval_id = ?", [interval_id])


def write_merged(
    store: Store,
    local: LocalRow,
    merged: Content,
    server: Content,
    server_revision: int,
    now: int,
    status: str | None = None,
    detail: str | None = None,
) -> None:
    """A pending entry merged with a newer server copy: still pending, on the new base."""
    revision = max(local.revision, server_revision) + 1
    store.conn.execute(
        "UPDATE intervals SET task_id = ?, started_at = ?, ended_at = ?, note = ?, source = ?, "
        "deleted = ?, revision = ?, synced_revision = ?, server_revision = ?, sync_status = ?, "
        "sync_detail = ?, updated_at = ? WHERE id = ?",
        [*merged.values(), revision, revision - 1, server_revision, status, detail, now,
         local.id],
    )  # fmt: skip
    set_base(store, local.id, server)


def stop_local(store: Store, row: LocalRow, at: int, now: int) -> None:
    """End the running entry at ``at`` as a local change (it is pushed like an edit)."""
    store.conn.execute(
        "UPDATE intervals SET ended_at = ?, revision = revision + 1, heartbeat_at = NULL, "
        "updated_at = ? WHERE id = ? AND ended_at IS NULL",
        [at, now, row.id],
    )
    note_span(store, at - row.content.started_at)


def drop_local(store: Store, row: LocalRow, now: int) -> None:
    """Remove a running entry that would end before it started (a tombstone if synced)."""
    if row.synced_revision > 0:
        store.conn.execute(
            "UPDATE intervals SET deleted = 1, revision = revision + 1, updated_at = ? "
            "WHERE id = ?",
            [now, row.id],
        )
    else:
        store.conn.execute("DELETE FROM intervals WHERE id = ?", [row.id])


def note_span(store: Store, span: int) -> None:
    if span > 0:
        store.conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'max_span_seconds' AND value < ?",
            [span, span],
        )


def counts(store: Store) -> dict[str, int]:
    """Entries per problem state (conflict, rejected)."""
    rows = store.conn.execute(
        "SELECT sync_status, COUNT(*) FROM intervals INDEXED BY intervals_sync_problems "
        "WHERE sync_status IS NOT NULL GROUP BY sync_status"
    ).fetchall()
    return {k: int(v) for k, v in rows}


def problems(store: Store, limit: int = 50) -> list[tuple[str, str, str | None]]:
    return store.conn.execute(
        "SELECT id, sync_status, sync_detail FROM intervals INDEXED BY intervals_sync_problems "
        "WHERE sync_status IS NOT NULL ORDER BY id LIMIT ?",
        [limit],
    ).fetchall()


# -- projects and tasks ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PendingTask:
    id: str
    project_id: str
    title: str
    status: str
    revision: int
    synced_revision: int


def pending_tasks(store: Store) -> list[PendingTask]:
    rows = store.conn.execute(
        "SELECT t.id, t.project_id, t.title, t.status, t.revision, t.synced_revision "
        "FROM tasks t INDEXED BY tasks_unpushed JOIN projects p ON p.id = t.project_id "
        "WHERE t.revision > t.synced_revision AND p.origin = 'server' ORDER BY t.id"
    ).fetchall()
    return [PendingTask(*r) for r in rows]


def mark_task_synced(store: Store, t: PendingTask, server_revision: int) -> None:
    store.conn.execute(
        "UPDATE tasks SET synced_revision = ?, server_revision = ? WHERE id = ?",
        [t.revision, server_revision, t.id],
    )


def upsert_project(store: Store, data: dict[str, Any], now: int) -> None:
    store.conn.execute(
        "INSERT INTO projects (id, name, origin, screenshots, blur, archived, revision, "
        "server_revision, created_at, updated_at) VALUES (?, ?, 'server', ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, origin = 'server', "
        "screenshots = excluded.screenshots, blur = excluded.blur, archived = excluded.archived, "
        "revision = MAX(projects.revision, excluded.revision), "
        "server_revision = excluded.server_revision, updated_at = excluded.updated_at "
        "WHERE projects.server_revision <= excluded.server_revision",
        [data["id"], data["name"][:200] or "?", int(bool(data.get("screenshots"))),
         int(bool(data.get("screenshot_blur"))), int(bool(data.get("archived"))),
         int(data.get("revision") or 1), int(data.get("revision") or 1), now, now],
    )  # fmt: skip


def upsert_task(store: Store, data: dict[str, Any], now: int) -> None:
    rev = int(data.get("revision") or 1)
    ensure_project(store, data["project_id"], now)
    row = store.conn.execute(
        "SELECT revision, synced_revision, server_revision FROM tasks WHERE id = ?", [data["id"]]
    ).fetchone()
    if row is None:
        store.conn.execute(
            "INSERT INTO tasks (id, project_id, title, status, revision, synced_revision, "
            "server_revision, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [data["id"], data["project_id"], data["title"][:500] or "?", data["status"], rev, rev,
             rev, now, now],
        )  # fmt: skip
        return
    revision, synced, server_rev = row
    if server_rev > rev:
        return  # an older copy than the one we hold
    if revision > synced:
        # Local changes not confirmed yet: keep them (pushed next), note the server's revision.
        store.conn.execute("UPDATE tasks SET server_revision = ? WHERE id = ?", [rev, data["id"]])
        return
    new_rev = max(revision, rev)
    store.conn.execute(
        "UPDATE tasks SET project_id = ?, title = ?, status = ?, revision = ?, "
        "synced_revision = ?, server_revision = ?, updated_at = ? WHERE id = ?",
        [data["project_id"], data["title"][:500] or "?", data["status"], new_rev, new_rev, rev,
         now, data["id"]],
    )  # fmt: skip


def ensure_project(store: Store, project_id: str, now: int) -> None:
    """A placeholder for a project the feed has not sent yet (filled in when it comes)."""
    store.conn.execute(
        "INSERT INTO projects (id, name, origin, revision, server_revision, created_at, "
        "updated_at) VALUES (?, ?, 'server', 1, 0, ?, ?) ON CONFLICT (id) DO NOTHING",
        [project_id, f"Project {project_id[:8]}", now, now],
    )


def ensure_task(store: Store, task_id: str, project_id: str, now: int) -> None:
    ensure_project(store, project_id, now)
    store.conn.execute(
        "INSERT INTO tasks (id, project_id, title, status, revision, synced_revision, "
        "server_revision, created_at, updated_at) VALUES (?, ?, ?, 'open', 1, 1, 0, ?, ?) "
        "ON CONFLICT (id) DO NOTHING",
        [task_id, project_id, f"Task {task_id[:8]}", now, now],
    )


# -- notices ------------------------------------------------------------------------------------


def add_notice(
    store: Store, now: int, kind: str, interval_id: str | None, message: str, data: Any = None
) -> None:
    store.conn.execute(
        "INSERT INTO sync_notices (at, kind, interval_id, message, data) VALUES (?, ?, ?, ?, ?)",
        [now, kind, interval_id, message, None if data is None else json.dumps(data)],
    )


def notices(store: Store, after_id: int = 0, limit: int = 100) -> list[tuple]:
    return store.conn.execute(
        "SELECT id, at, kind, interval_id, message, data FROM sync_notices WHERE id > ? "
        "ORDER BY id LIMIT ?",
        [after_id, limit],
    ).fetchall()


def last_notice_id(store: Store) -> int:
    row = store.conn.execute("SELECT MAX(id) FROM sync_notices").fetchone()
    return int(row[0] or 0)


def locked_local_copy(store: Store, interval_id: str) -> Content | None:
    """The local values the server refused on a locked entry (the latest such notice not yet
    copied), or None."""
    row = store.conn.execute(
        "SELECT data FROM sync_notices WHERE kind = 'locked' AND interval_id = ? "
        "ORDER BY id DESC LIMIT 1",
        [interval_id],
    ).fetchone()
    if row is None or not row[0]:
        return None
    v = json.loads(row[0]).get("local")
    if not v or len(v) != 6:
        return None
    return Content(v[0], int(v[1]), None if v[2] is None else int(v[2]), v[3] or "", v[4],
                   bool(v[5]))  # fmt: skip


def locked_copied(store: Store, interval_id: str) -> None:
    """The user copied the refused values as a new entry: the conflict is resolved."""
    store.conn.execute(
        "UPDATE sync_notices SET kind = 'locked_copied' WHERE kind = 'locked' AND interval_id = ?",
        [interval_id],
    )
    store.conn.execute(
        "UPDATE intervals SET sync_status = NULL, sync_detail = NULL "
        "WHERE id = ? AND sync_status = 'conflict'",
        [interval_id],
    )
