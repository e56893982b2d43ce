"""Activity slots and screenshots in the local database (table-family functions).

Screenshot files live under ``<data dir>/screenshots/YYYY-MM-DD/`` next to the database: the JPEG
``<id>.jpg`` and its thumbnail ``<id>.thumb.jpg``. Rows keep paths relative to the data dir. Sync
(``tracker.sync.capture``) pushes slots and reviewed screenshots; see docs/sync.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..capture.slots import Slot
from ..errors import StoreError
from .repo import Store

SHOT_DIR = "screenshots"


@dataclass(frozen=True, slots=True)
class SlotRow:
    slot: Slot
    task_title: str
    project_name: str


@dataclass(frozen=True, slots=True)
class Screenshot:
    id: str
    interval_id: str
    taken_at: datetime
    monitor: int
    width: int
    height: int
    bytes: int
    sha256: str
    blurred: bool
    path: Path  # absolute
    thumb: Path
    uploaded: bool
    deleted: bool
    task_title: str = ""
    project_id: str = ""
    project_name: str = ""
    project_origin: str = "local"


def _epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def data_dir(store: Store) -> Path:
    return store.path.parent


# -- activity ----------------------------------------------------------------------------------


def save_slots(store: Store, slots: list[Slot], now: datetime) -> None:
    """Upsert by (interval, slot): a second flush of the same slot adds its counts."""
    t = _epoch(now)
    store.conn.executemany(
        """
        INSERT INTO activity_slots (id, interval_id, slot_start, slot_seconds, active_seconds,
            keyboard_events, mouse_events, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (interval_id, slot_start) DO UPDATE SET
            slot_seconds = MAX(slot_seconds, excluded.slot_seconds),
            active_seconds = MIN(MAX(slot_seconds, excluded.slot_seconds),
                                 active_seconds + excluded.active_seconds),
            keyboard_events = keyboard_events + excluded.keyboard_events,
            mouse_events = mouse_events + excluded.mouse_events,
            revision = revision + 1,
            updated_at = excluded.updated_at
        """,
        [(s.id, s.interval_id, s.slot_start, s.slot_seconds, s.active_seconds,
          s.keyboard_events, s.mouse_events, t, t) for s in slots],
    )  # fmt: skip


def slots_between(store: Store, lo: datetime, hi: datetime) -> list[SlotRow]:
    rows = store.conn.execute(
        """
        SELECT a.id, a.interval_id, a.slot_start, a.slot_seconds, a.active_seconds,
               a.keyboard_events, a.mouse_events, COALESCE(t.title, ''), COALESCE(p.name, '')
        FROM activity_slots a
        LEFT JOIN intervals i ON i.id = a.interval_id
        LEFT JOIN tasks t ON t.id = i.task_id
        LEFT JOIN projects p ON p.id = t.project_id
        WHERE a.deleted = 0 AND a.slot_start >= ? AND a.slot_start < ?
        ORDER BY a.slot_start, a.id
        """,
        [_epoch(lo), _epoch(hi)],
    ).fetchall()
    return [SlotRow(Slot(*r[:7]), r[7], r[8]) for r in rows]


# -- screenshots -------------------------------------------------------------------------------

_SHOT_COLUMNS = """
    s.id, s.interval_id, s.taken_at, s.monitor, s.width, s.height, s.bytes, s.sha256, s.blurred,
    s.path, s.thumb, s.uploaded, s.deleted, COALESCE(t.title, ''), COALESCE(p.id, ''),
    COALESCE(p.name, ''), COALESCE(p.origin, 'local')
"""
_SHOT_FROM = """
    FROM screenshots s
    LEFT JOIN intervals i ON i.id = s.interval_id
    LEFT JOIN tasks t ON t.id = i.task_id
    LEFT JOIN projects p ON p.id = t.project_id
"""


def _shot(store: Store, r: tuple) -> Screenshot:
    base = data_dir(store)
    return Screenshot(r[0], r[1], datetime.fromtimestamp(r[2], UTC), r[3], r[4], r[5], r[6],
                      r[7], bool(r[8]), base / r[9], base / r[10], bool(r[11]), bool(r[12]),
                      r[13], r[14], r[15], r[16])  # fmt: skip


def _write(path: Path, data: bytes) -> None:
    """Write atomically (temp file + rename): a crash never leaves half a JPEG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _remove(*paths: Path) -> None:
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def insert_screenshot(
    store: Store,
    shot_id: str,
    interval_id: str,
    taken_at: datetime,
    monitor: int,
    width: int,
    height: int,
    jpeg: bytes,
    thumb: bytes,
    blurred: bool,
    now: datetime,
) -> Screenshot:
    """Write the files, then the row (a file without a row is harmless; the reverse is not)."""
    day = taken_at.astimezone(UTC).strftime("%Y-%m-%d")
    rel = Path(SHOT_DIR) / day / f"{shot_id}.jpg"
    rel_thumb = Path(SHOT_DIR) / day / f"{shot_id}.thumb.jpg"
    base = data_dir(store)
    _write(base / rel, jpeg)
    _write(base / rel_thumb, thumb)
    digest = hashlib.sha256(jpeg).hexdigest()
    t = _epoch(now)
    store.conn.execute(
        "INSERT INTO screenshots (id, interval_id, taken_at, monitor, width, height, bytes, "
        "sha256, blurred, path, thumb, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [shot_id, interval_id, _epoch(taken_at), monitor, width, height, len(jpeg), digest,
         int(blurred), rel.as_posix(), rel_thumb.as_posix(), t, t],
    )  # fmt: skip
    got = get_screenshot(store, shot_id)
    if got is None:
        raise StoreError(f"screenshot {shot_id} vanished while it was written: try again")
    return got


def get_screenshot(store: Store, shot_id: str) -> Screenshot | None:
    r = store.conn.execute(f"SELECT {_SHOT_COLUMNS} {_SHOT_FROM} WHERE s.id = ?", [shot_id])
    row = r.fetchone()
    return _shot(store, row) if row else None


def screenshots_with_prefix(store: Store, prefix: str) -> list[Screenshot]:
    rows = store.conn.execute(
        f"SELECT {_SHOT_COLUMNS} {_SHOT_FROM} WHERE s.id >= ? AND s.id < ? AND s.deleted = 0 "
        "LIMIT 2",
        [prefix, prefix + "\uffff"],
    ).fetchall()
    return [_shot(store, r) for r in rows]


def list_screenshots(
    store: Store, lo: datetime | None = None, hi: datetime | None = None
) -> list[Screenshot]:
    where, params = ["s.deleted = 0"], []
    if lo is not None:
        where.append("s.taken_at >= ?")
        params.append(_epoch(lo))
    if hi is not None:
        where.append("s.taken_at < ?")
        params.append(_epoch(hi))
    rows = store.conn.execute(
        f"SELECT {_SHOT_COLUMNS} {_SHOT_FROM} WHERE {' AND '.join(where)} "
        "ORDER BY s.taken_at, s.monitor",
        params,
    ).fetchall()
    return [_shot(store, r) for r in rows]


def delete_screenshot(store: Store, shot: Screenshot, now: datetime) -> None:
    """Files go at once. A shot the server has keeps a tombstone, so sync deletes it there."""
    if shot.uploaded:
        store.conn.execute(
            "UPDATE screenshots SET deleted = 1, revision = revision + 1, updated_at = ? "
            "WHERE id = ?",
            [_epoch(now), shot.id],
        )
    else:
        store.conn.execute("DELETE FROM screenshots WHERE id = ?", [shot.id])
    _remove(shot.path, shot.thumb)


def replace_image(
    store: Store, shot: Screenshot, jpeg: bytes, thumb: bytes, blurred: bool, now: datetime
) -> None:
    """Store a new version of the image (a blur during review)."""
    _write(shot.path, jpeg)
    _write(shot.thumb, thumb)
    store.conn.execute(
        "UPDATE screenshots SET sha256 = ?, bytes = ?, blurred = ?, revision = revision + 1, "
        "updated_at = ? WHERE id = ?",
        [hashlib.sha256(jpeg).hexdigest(), len(jpeg), int(blurred), _epoch(now), shot.id],
    )


# -- sync --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PendingSlot:
    slot: Slot
    revision: int


def pending_slots(store: Store, after_id: str, limit: int) -> list[PendingSlot]:
    """Unpushed slots of entries the server already holds (``server_revision > 0``), in id order.
    Slots of local projects, deleted slots and empty slots never leave the machine."""
    rows = store.conn.execute(
        """
        SELECT a.id, a.interval_id, a.slot_start, a.slot_seconds, a.active_seconds,
               a.keyboard_events, a.mouse_events, a.revision
        FROM activity_slots a
        JOIN intervals i ON i.id = a.interval_id
        JOIN tasks t ON t.id = i.task_id
        JOIN projects p ON p.id = t.project_id
        WHERE a.revision > a.synced_revision AND a.deleted = 0 AND a.slot_seconds > 0
          AND i.server_revision > 0 AND p.origin = 'server' AND a.id > ?
        ORDER BY a.id LIMIT ?
        """,
        [after_id, limit],
    ).fetchall()
    return [PendingSlot(Slot(*r[:7]), r[7]) for r in rows]


def mark_slots_synced(store: Store, sent: list[tuple[str, int]]) -> None:
    """``(id, revision sent)``: a slot changed since stays pending."""
    store.conn.executemany(
        "UPDATE activity_slots SET synced_revision = MAX(synced_revision, ?), sync_status = NULL, "
        "sync_detail = NULL WHERE id = ?",
        [(rev, sid) for sid, rev in sent],
    )


def set_slot_status(store: Store, slot_id: str, status: str | None, detail: str | None) -> None:
    store.conn.execute(
        "UPDATE activity_slots SET sync_status = ?, sync_detail = ? WHERE id = ?",
        [status, detail, slot_id],
    )


def shots_to_upload(store: Store, reviewed_before: int, limit: int = 1000) -> list[Screenshot]:
    """Live, not yet uploaded shots of entries the server holds, taken before
    ``reviewed_before`` (their review window has passed), not kept local-only."""
    rows = store.conn.execute(
        f"SELECT {_SHOT_COLUMNS} {_SHOT_FROM} WHERE s.deleted = 0 AND s.uploaded = 0 "
        "AND s.taken_at <= ? AND i.server_revision > 0 AND p.origin = 'server' "
        "AND COALESCE(s.sync_status, '') != 'local_only' ORDER BY s.taken_at, s.id LIMIT ?",
        [reviewed_before, limit],
    ).fetchall()
    return [_shot(store, r) for r in rows]


def mark_shot_uploaded(store: Store, shot_id: str, sha256: str, now: int) -> bool:
    """False when the row is gone (deleted during the upload) or holds another image."""
    cur = store.conn.execute(
        "UPDATE screenshots SET uploaded = 1, uploaded_at = ?, synced_revision = revision, "
        "sync_status = NULL, sync_detail = NULL WHERE id = ? AND sha256 = ? AND deleted = 0",
        [now, shot_id, sha256],
    )
    return cur.rowcount == 1


def set_shot_status(store: Store, shot_id: str, status: str | None, detail: str | None) -> None:
    store.conn.execute(
        "UPDATE screenshots SET sync_status = ?, sync_detail = ? WHERE id = ?",
        [status, detail, shot_id],
    )


def shot_tombstones(store: Store) -> list[str]:
    """Shots deleted here after upload: the server still has them."""
    rows = store.conn.execute(
        "SELECT id FROM screenshots INDEXED BY screenshots_tombstones "
        "WHERE deleted = 1 AND uploaded = 1 ORDER BY id"
    ).fetchall()
    return [r[0] for r in rows]


def drop_tombstone(store: Store, shot_id: str) -> None:
    store.conn.execute("DELETE FROM screenshots WHERE id = ? AND deleted = 1", [shot_id])


def shot_status(store: Store, shot_id: str) -> tuple[str | None, str | None]:
    row = store.conn.execute(
        "SELECT sync_status, sync_detail FROM screenshots WHERE id = ?", [shot_id]
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def capture_problems(store: Store) -> dict[str, int]:
    """Slots and screenshots in a visible sync state, e.g. ``{"slots rejected": 2}``."""
    out: dict[str, int] = {}
    for table, label in (("activity_slots", "slots"), ("screenshots", "screenshots")):
        for status, n in store.conn.execute(
            f"SELECT sync_status, COUNT(*) FROM {table} WHERE sync_status IS NOT NULL "
            "GROUP BY sync_status"
        ):
            out[f"{label} {status}"] = int(n)
    return out
