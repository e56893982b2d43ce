"""Activity slots and screenshots in the local database (table-family functions).

Screenshot files live under ``<data dir>/screenshots/YYYY-MM-DD/`` next to the database: the JPEG
``<id>.jpg`` and its thumbnail ``<id>.thumb.jpg``. Rows keep paths relative to the data dir. Sync
(``tracker.sync.capture``) pushes slots and reviewed screenshots; see docs/sync.md.

Deleting an entry puts what it takes into ``capture_trash`` (the rows as JSON; the images move to
``<data dir>/trash/<path>``) for :data:`TRASH_GRACE_SECONDS`, so that restoring the entry brings
them back (:func:`restore_capture`); :func:`purge_trash` removes what is older.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from ..capture.slots import SLOT_SECONDS, Slot, distribute
from ..errors import StoreError
from .repo import Store

SHOT_DIR = "screenshots"
TRASH_DIR = "trash"
#: How long what an entry's delete took stays restorable (then purged, files included).
TRASH_GRACE_SECONDS = 24 * 3600


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
    """Upsert by (interval, slot): a second flush of the same slot adds its counts.

    A slot flushed after its entry changed (the app closes its open slot when it sees the new
    running entry, i.e. after a split, a delete or an away answer was written) follows the entry
    as :func:`rehome` would have moved it: when its entry no longer overlaps the slot's ten
    minutes (deleted, or moved away), it goes to the live entry of the same task that overlaps
    them most; with none, a slot of a deleted entry goes to the trash with what the delete took
    (restoring the entry brings it back; others stay as they are). A deleted slot of the same
    entry and ten minutes comes back as new. Also purges the trash past its grace period.
    """
    t = _epoch(now)
    orphans: list[Slot] = []
    slots = _follow_entries(store, slots, orphans)
    for s in orphans:
        _trash_late_slot(store, s, t)
    store.conn.executemany(
        """
        INSERT INTO activity_slots (id, interval_id, slot_start, slot_seconds, active_seconds,
            keyboard_events, mouse_events, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (interval_id, slot_start) DO UPDATE SET
            slot_seconds = CASE WHEN deleted = 1 THEN excluded.slot_seconds
                                ELSE MAX(slot_seconds, excluded.slot_seconds) END,
            active_seconds = CASE WHEN deleted = 1 THEN excluded.active_seconds
                                  ELSE MIN(MAX(slot_seconds, excluded.slot_seconds),
                                           active_seconds + excluded.active_seconds) END,
            keyboard_events = CASE WHEN deleted = 1 THEN 0 ELSE keyboard_events END
                              + excluded.keyboard_events,
            mouse_events = CASE WHEN deleted = 1 THEN 0 ELSE mouse_events END
                           + excluded.mouse_events,
            deleted = 0,
            revision = revision + 1,
            updated_at = excluded.updated_at
        """,
        [(s.id, s.interval_id, s.slot_start, s.slot_seconds, s.active_seconds,
          s.keyboard_events, s.mouse_events, t, t) for s in slots],
    )  # fmt: skip


def _follow_entries(store: Store, slots: list[Slot], orphans: list[Slot]) -> list[Slot]:
    out: list[Slot] = []
    for s in slots:
        lo, hi = s.slot_start, s.slot_start + SLOT_SECONDS
        row = store.conn.execute(
            "SELECT task_id, started_at, ended_at, deleted FROM intervals WHERE id = ?",
            [s.interval_id],
        ).fetchone()
        if row is None:
            out.append(s)  # not ours to judge (an entry this store does not hold)
            continue
        task_id, start, end, deleted = row
        if not deleted and start < hi and (end is None or end > lo):
            out.append(s)
            continue
        best: tuple[int, int, str] | None = None
        for iid, a, b in store.conn.execute(
            "SELECT id, started_at, ended_at FROM intervals WHERE deleted = 0 AND task_id = ? "
            "AND started_at < ? AND (ended_at IS NULL OR ended_at > ?)",
            [task_id, hi, lo],
        ):
            overlap = min(hi, b if b is not None else hi) - max(lo, a)
            if best is None or (overlap, a) > best[:2]:
                best = (overlap, a, iid)
        if best is not None:
            out.append(replace(s, interval_id=best[2]))
        elif not deleted:
            out.append(s)  # nothing took its time over: leave it where the app put it
        else:
            orphans.append(s)  # its entry was deleted: kept with what the delete took
    return out


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
    _forget_shot(store, shot, now)
    _remove(shot.path, shot.thumb)


def _forget_shot(store: Store, shot: Screenshot, now: datetime) -> None:
    if shot.uploaded:
        store.conn.execute(
            "UPDATE screenshots SET deleted = 1, revision = revision + 1, updated_at = ? "
            "WHERE id = ?",
            [_epoch(now), shot.id],
        )
    else:
        store.conn.execute("DELETE FROM screenshots WHERE id = ?", [shot.id])


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


# -- capture follows its entry (split, edit, delete, away answers) -----------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """An entry's time as epoch seconds; ``end`` None: running."""

    interval_id: str
    start: int
    end: int | None


def rehome(
    store: Store,
    old: Span,
    pieces: list[Span],
    now: datetime,
    make_id: Callable[[], str],
    quiet: tuple[int, int] | None = None,
) -> None:
    """Move the activity and screenshots of entry ``old`` to what it became.

    ``pieces`` are the live entries that now hold (parts of) ``old``'s time, in time order —
    ``old`` itself with new times, the second half of a split, the tail after an away period.
    Each slot is cut at the pieces' boundaries (:func:`tracker.capture.slots.distribute`:
    integer shares in proportion to time, totals conserved where the pieces cover it); parts on
    no piece are deleted. Each screenshot goes to the piece holding the instant it was taken, or
    is deleted (a tombstone when the server has it). ``quiet``: an away period, which holds no
    input, so a slot's active seconds and counts go to the time around it. Runs inside the
    caller's transaction.
    """
    t = _epoch(now)
    cut = [(p.interval_id, p.start, p.end) for p in pieces]
    rows = store.conn.execute(
        "SELECT id, interval_id, slot_start, slot_seconds, active_seconds, keyboard_events, "
        "mouse_events FROM activity_slots WHERE interval_id = ? AND deleted = 0 ORDER BY id",
        [old.interval_id],
    ).fetchall()
    for r in rows:
        slot = Slot(*r)
        lo = max(old.start, slot.slot_start)
        hi = slot.slot_start + SLOT_SECONDS
        if old.end is not None:
            hi = min(hi, old.end)
        parts = distribute(slot, lo, hi, cut, make_id, quiet)
        if not any(p.id == slot.id for p in parts):
            drop_slot(store, slot.id, now)
        for p in parts:
            if p.id != slot.id:
                store.conn.execute(
                    "INSERT INTO activity_slots (id, interval_id, slot_start, slot_seconds, "
                    "active_seconds, keyboard_events, mouse_events, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [p.id, p.interval_id, p.slot_start, p.slot_seconds, p.active_seconds,
                     p.keyboard_events, p.mouse_events, t, t],
                )  # fmt: skip
            elif p != slot:
                store.conn.execute(
                    "UPDATE activity_slots SET interval_id = ?, slot_seconds = ?, "
                    "active_seconds = ?, keyboard_events = ?, mouse_events = ?, "
                    "revision = revision + 1, sync_status = NULL, sync_detail = NULL, "
                    "updated_at = ? WHERE id = ?",
                    [p.interval_id, p.slot_seconds, p.active_seconds, p.keyboard_events,
                     p.mouse_events, t, p.id],
                )  # fmt: skip
    for shot in _live_shots_of(store, old.interval_id):
        at = _epoch(shot.taken_at)
        home = next(
            (p.interval_id for p in pieces if p.start <= at and (p.end is None or at < p.end)),
            None,
        )
        if home is None:
            delete_screenshot(store, shot, now)
        elif home != shot.interval_id:
            store.conn.execute(
                "UPDATE screenshots SET interval_id = ?, revision = revision + 1, updated_at = ? "
                "WHERE id = ?",
                [home, t, shot.id],
            )


def drop_capture(store: Store, interval_id: str, now: datetime) -> None:
    """The entry is deleted: so are its slots and screenshots (tombstones where sync must
    delete them on the server too), exactly as a user's delete — but each row is first copied to
    ``capture_trash`` and the images move to ``<data dir>/trash/`` instead of going, so that
    :func:`restore_capture` can bring them back until :func:`purge_trash` removes them.
    Runs inside the caller's transaction."""
    t = _epoch(now)
    for (sid,) in store.conn.execute(
        "SELECT id FROM activity_slots WHERE interval_id = ? AND deleted = 0", [interval_id]
    ).fetchall():
        _to_trash(store, "slot", interval_id, t, _row(store, "activity_slots", sid))
        drop_slot(store, sid, now)
    base = data_dir(store)
    for shot in _live_shots_of(store, interval_id):
        row = _row(store, "screenshots", shot.id)
        _to_trash(store, "shot", interval_id, t, row)
        _forget_shot(store, shot, now)
        for rel in (row["path"], row["thumb"]):
            _move(base / rel, base / TRASH_DIR / rel)


# -- the trash: what an entry's delete took, until restored or purged --------------------------


def _row(store: Store, table: str, row_id: str) -> dict:
    cur = store.conn.execute(f"SELECT * FROM {table} WHERE id = ?", [row_id])
    values = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], values, strict=True))


def _to_trash(store: Store, kind: str, interval_id: str, t: int, row: dict) -> None:
    store.conn.execute(
        "INSERT OR REPLACE INTO capture_trash (kind, id, interval_id, deleted_at, row) "
        "VALUES (?, ?, ?, ?, ?)",
        [kind, row["id"], interval_id, t, json.dumps(row, separators=(",", ":"))],
    )


def _move(src: Path, dst: Path) -> None:
    """Rename a file, creating the directory; a missing source is not an error."""
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
    except FileNotFoundError:
        pass


def _merge(a: dict, b: dict) -> dict:
    """Two flushes of one slot (as :func:`save_slots` adds them): numbers of ``b`` into ``a``."""
    seconds = max(a["slot_seconds"], b["slot_seconds"])
    return a | {
        "slot_seconds": seconds,
        "active_seconds": min(seconds, a["active_seconds"] + b["active_seconds"]),
        "keyboard_events": a["keyboard_events"] + b["keyboard_events"],
        "mouse_events": a["mouse_events"] + b["mouse_events"],
    }


def _trash_late_slot(store: Store, s: Slot, t: int) -> None:
    """A slot flushed after its entry was deleted joins what the delete took (merged into the
    trashed slot of the same ten minutes, if any), so an Undo brings it back too."""
    nums = {"slot_seconds": s.slot_seconds, "active_seconds": s.active_seconds,
            "keyboard_events": s.keyboard_events, "mouse_events": s.mouse_events}  # fmt: skip
    hit = store.conn.execute(
        "SELECT id, row FROM capture_trash WHERE kind = 'slot' AND interval_id = ? "
        "AND json_extract(row, '$.slot_start') = ?",
        [s.interval_id, s.slot_start],
    ).fetchone()
    if hit is not None:
        store.conn.execute(
            "UPDATE capture_trash SET row = ? WHERE kind = 'slot' AND id = ?",
            [json.dumps(_merge(json.loads(hit[1]), nums), separators=(",", ":")), hit[0]],
        )
        return
    row = {"id": s.id, "interval_id": s.interval_id, "slot_start": s.slot_start, **nums,
           "revision": 1, "synced_revision": 0, "deleted": 0, "created_at": t,
           "updated_at": t}  # fmt: skip
    _to_trash(store, "slot", s.interval_id, t, row)


def restore_capture(
    store: Store, interval_id: str, now: datetime, make_id: Callable[[], str]
) -> tuple[int, int]:
    """The entry's delete is undone: its slots and screenshots in the trash come back (runs in
    the caller's transaction, with the entry's un-delete). Returns (slots, shots) restored.

    A slot keeps its id and gets a new revision, so sync upserts it again (the server re-creates
    a slot whose tombstone it had accepted). A screenshot comes back only when its image is
    still there; one whose tombstone the server has not received yet is live again as it was
    (uploaded or not); one the server deleted meanwhile (it refuses that id for good) comes
    back under a new id, not uploaded, so sync uploads it as a new shot.
    """
    t = _epoch(now)
    n_slots = n_shots = 0
    for kind, raw, gone in store.conn.execute(
        "SELECT kind, row, server_gone FROM capture_trash WHERE interval_id = ? ORDER BY kind, id",
        [interval_id],
    ).fetchall():
        row = json.loads(raw)
        if kind == "slot":
            _restore_slot(store, row, t)
            n_slots += 1
        elif _restore_shot(store, row, bool(gone), t, make_id):
            n_shots += 1
    store.conn.execute("DELETE FROM capture_trash WHERE interval_id = ?", [interval_id])
    return n_slots, n_shots


_NUMBERS = ("slot_seconds", "active_seconds", "keyboard_events", "mouse_events")


def _restore_slot(store: Store, row: dict, t: int) -> None:
    cols = "id, deleted, " + ", ".join(_NUMBERS)
    live = (
        store.conn.execute(
            f"SELECT {cols} FROM activity_slots WHERE id = ?", [row["id"]]
        ).fetchone()
        or store.conn.execute(
            f"SELECT {cols} FROM activity_slots WHERE interval_id = ? AND slot_start = ?",
            [row["interval_id"], row["slot_start"]],
        ).fetchone()
    )
    if live is None:
        store.conn.execute(
            "INSERT INTO activity_slots (id, interval_id, slot_start, slot_seconds, "
            "active_seconds, keyboard_events, mouse_events, revision, synced_revision, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
            [row["id"], row["interval_id"], row["slot_start"], *(row[k] for k in _NUMBERS),
             row["revision"] + 1, row["created_at"], t],
        )  # fmt: skip
        return
    nums = row if live[1] else _merge(dict(zip(_NUMBERS, live[2:], strict=True)), row)
    store.conn.execute(
        "UPDATE activity_slots SET interval_id = ?, slot_seconds = ?, active_seconds = ?, "
        "keyboard_events = ?, mouse_events = ?, deleted = 0, revision = revision + 1, "
        "sync_status = NULL, sync_detail = NULL, updated_at = ? WHERE id = ?",
        [row["interval_id"], *(nums[k] for k in _NUMBERS), t, live[0]],
    )


def _restore_shot(store: Store, row: dict, gone: bool, t: int, make_id: Callable[[], str]) -> bool:
    base = data_dir(store)
    for rel in (row["path"], row["thumb"]):
        if not (base / rel).exists():  # (a restore rolled back after the move left it there)
            _move(base / TRASH_DIR / rel, base / rel)
    if not ((base / row["path"]).is_file() and (base / row["thumb"]).is_file()):
        return False  # the images are gone: nothing to show or upload
    here = store.conn.execute(
        "SELECT deleted FROM screenshots WHERE id = ?", [row["id"]]
    ).fetchone()
    if here is not None and here[0] == 0:
        return True  # live already (nothing to do)
    if here is not None and not gone:  # the tombstone has not reached the server: undo it
        store.conn.execute(
            "UPDATE screenshots SET deleted = 0, revision = ?, synced_revision = ?, "
            "sync_status = ?, sync_detail = ?, updated_at = ? WHERE id = ?",
            [row["revision"], row["synced_revision"], row.get("sync_status"),
             row.get("sync_detail"), t, row["id"]],
        )  # fmt: skip
        return True
    values = dict(row, deleted=0, updated_at=t)
    if gone or here is not None or row["uploaded"]:  # the server refuses this id now
        values |= {"id": make_id(), "uploaded": 0, "uploaded_at": None, "revision": 1,
                   "synced_revision": 0, "sync_status": None, "sync_detail": None}  # fmt: skip
    columns = [r[1] for r in store.conn.execute("PRAGMA table_info(screenshots)")]
    names = [c for c in columns if c in values]
    store.conn.execute(
        f"INSERT INTO screenshots ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [values[c] for c in names],
    )
    return True


def purge_trash(store: Store, now: datetime, grace: int = TRASH_GRACE_SECONDS) -> int:
    """Remove what entry deletes took longer than ``grace`` seconds ago: the rows, and the
    images (from the trash, or from ``screenshots/`` when no row uses them). Runs in the
    caller's transaction; returns how many rows went."""
    cutoff = _epoch(now) - grace
    rows = store.conn.execute(
        "SELECT kind, row FROM capture_trash INDEXED BY capture_trash_age WHERE deleted_at <= ?",
        [cutoff],
    ).fetchall()
    if not rows:
        return 0
    base = data_dir(store)
    for kind, raw in rows:
        if kind != "shot":
            continue
        row = json.loads(raw)
        for rel in (row["path"], row["thumb"]):
            _remove(base / TRASH_DIR / rel)
            used = store.conn.execute(
                "SELECT 1 FROM screenshots WHERE path = ? OR thumb = ? LIMIT 1", [rel, rel]
            ).fetchone()
            if used is None:
                _remove(base / rel)
    store.conn.execute("DELETE FROM capture_trash WHERE deleted_at <= ?", [cutoff])
    return len(rows)


def drop_slot(store: Store, slot_id: str, now: datetime) -> None:
    """Delete a slot: a tombstone (pushed as a delete) when the server may hold it — a slot of
    a server project, or one pushed before — else the row goes."""
    row = store.conn.execute(
        "SELECT a.synced_revision, COALESCE(p.origin, 'local') FROM activity_slots a "
        "LEFT JOIN intervals i ON i.id = a.interval_id LEFT JOIN tasks t ON t.id = i.task_id "
        "LEFT JOIN projects p ON p.id = t.project_id WHERE a.id = ?",
        [slot_id],
    ).fetchone()
    if row is None:
        return
    if row[0] > 0 or row[1] == "server":
        store.conn.execute(
            "UPDATE activity_slots SET deleted = 1, revision = revision + 1, sync_status = NULL, "
            "sync_detail = NULL, updated_at = ? WHERE id = ?",
            [_epoch(now), slot_id],
        )
    else:
        store.conn.execute("DELETE FROM activity_slots WHERE id = ?", [slot_id])


def _live_shots_of(store: Store, interval_id: str) -> list[Screenshot]:
    rows = store.conn.execute(
        f"SELECT {_SHOT_COLUMNS} {_SHOT_FROM} WHERE s.interval_id = ? AND s.deleted = 0 "
        "ORDER BY s.taken_at, s.id",
        [interval_id],
    ).fetchall()
    return [_shot(store, r) for r in rows]


# -- sync --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PendingSlot:
    slot: Slot
    revision: int
    deleted: bool = False


def pending_slots(store: Store, after_id: str, limit: int) -> list[PendingSlot]:
    """Unpushed slots of entries the server already holds (``server_revision > 0``), and slot
    tombstones (pushed as deletes), in id order. Slots of local projects, slots of deleted
    entries and empty slots never leave the machine (local slots are never tombstones)."""
    rows = store.conn.execute(
        """
        SELECT a.id, a.interval_id, a.slot_start, a.slot_seconds, a.active_seconds,
               a.keyboard_events, a.mouse_events, a.revision, a.deleted
        FROM activity_slots a
        LEFT JOIN intervals i ON i.id = a.interval_id
        LEFT JOIN tasks t ON t.id = i.task_id
        LEFT JOIN projects p ON p.id = t.project_id
        WHERE a.revision > a.synced_revision AND a.id > ?
          AND (a.deleted = 1 OR (a.slot_seconds > 0 AND i.server_revision > 0
                                 AND i.deleted = 0 AND p.origin = 'server'))
        ORDER BY a.id LIMIT ?
        """,
        [after_id, limit],
    ).fetchall()
    return [PendingSlot(Slot(*r[:7]), r[7], bool(r[8])) for r in rows]


def mark_slots_synced(store: Store, sent: list[tuple[str, int]]) -> None:
    """``(id, revision sent)``: a slot changed since stays pending; a tombstone the server
    confirmed goes."""
    store.conn.executemany(
        "DELETE FROM activity_slots WHERE id = ? AND deleted = 1 AND revision = ?",
        [(sid, rev) for sid, rev in sent],
    )
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
        "AND s.taken_at <= ? AND i.server_revision > 0 AND i.deleted = 0 AND p.origin = 'server' "
        "AND COALESCE(s.sync_status, '') != 'local_only' ORDER BY s.taken_at, s.id LIMIT ?",
        [reviewed_before, limit],
    ).fetchall()
    return [_shot(store, r) for r in rows]


def mark_shot_uploaded(
    store: Store, shot_id: str, sha256: str, now: int, interval_id: str | None = None
) -> bool:
    """False when the row is gone (deleted during the upload) or holds another image. A shot
    moved to another entry while it was on its way stays pending (re-linked at the next sync)."""
    cur = store.conn.execute(
        "UPDATE screenshots SET uploaded = 1, uploaded_at = ?, "
        "synced_revision = CASE WHEN interval_id = COALESCE(?, interval_id) THEN revision "
        "ELSE synced_revision END, "
        "sync_status = NULL, sync_detail = NULL WHERE id = ? AND sha256 = ? AND deleted = 0",
        [now, interval_id, shot_id, sha256],
    )
    return cur.rowcount == 1


@dataclass(frozen=True, slots=True)
class Relink:
    id: str
    interval_id: str
    revision: int


def shots_to_relink(store: Store, limit: int = 1000) -> list[Relink]:
    """Uploaded shots moved to another entry here (a split, an edit, an away answer) whose new
    entry the server holds: ``PATCH /screenshots/{id}``."""
    rows = store.conn.execute(
        "SELECT s.id, s.interval_id, s.revision FROM screenshots s "
        "JOIN intervals i ON i.id = s.interval_id JOIN tasks t ON t.id = i.task_id "
        "JOIN projects p ON p.id = t.project_id "
        "WHERE s.revision > s.synced_revision AND s.uploaded = 1 AND s.deleted = 0 "
        "AND i.server_revision > 0 AND i.deleted = 0 AND p.origin = 'server' "
        "ORDER BY s.taken_at, s.id LIMIT ?",
        [limit],
    ).fetchall()
    return [Relink(*r) for r in rows]


def mark_shot_relinked(store: Store, r: Relink) -> None:
    store.conn.execute(
        "UPDATE screenshots SET synced_revision = MAX(synced_revision, ?), sync_status = NULL, "
        "sync_detail = NULL WHERE id = ?",
        [r.revision, r.id],
    )


#: The refusal a local-only shot is retried after: the project took no screenshots then.
RETRYABLE_LOCAL_ONLY = "screenshots_disabled"


def local_only_projects(store: Store) -> list[tuple[str, bool]]:
    """``(project id, its screenshots switch as last pulled)`` of the server projects holding
    shots kept here because the project took no screenshots (not deleted, not uploaded)."""
    rows = store.conn.execute(
        "SELECT p.id, MAX(p.screenshots) FROM screenshots s "
        "JOIN intervals i ON i.id = s.interval_id JOIN tasks t ON t.id = i.task_id "
        "JOIN projects p ON p.id = t.project_id "
        "WHERE s.sync_status = 'local_only' AND s.sync_detail LIKE ? AND s.deleted = 0 "
        "AND s.uploaded = 0 AND i.deleted = 0 AND i.server_revision > 0 "
        "AND p.origin = 'server' GROUP BY p.id ORDER BY p.id",
        [RETRYABLE_LOCAL_ONLY + "%"],
    ).fetchall()
    return [(r[0], bool(r[1])) for r in rows]


def reopen_local_only(store: Store, project_id: str) -> int:
    """The project takes screenshots again: its local-only shots (refused for that reason
    only) are offered at this sync. Deleted shots have no row or a tombstone: never offered."""
    cur = store.conn.execute(
        "UPDATE screenshots SET sync_status = NULL, sync_detail = NULL "
        "WHERE sync_status = 'local_only' AND sync_detail LIKE ? AND deleted = 0 "
        "AND uploaded = 0 AND interval_id IN (SELECT i.id FROM intervals i "
        "JOIN tasks t ON t.id = i.task_id WHERE t.project_id = ?)",
        [RETRYABLE_LOCAL_ONLY + "%", project_id],
    )
    return cur.rowcount


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


def gone_on_server(store: Store, shot_id: str, make_id: Callable[[], str]) -> None:
    """The server no longer has ``shot_id`` (``DELETE`` answered 204 or 404) and refuses that id
    from now on. The tombstone goes; a trashed copy (its entry was deleted) is marked so that a
    restore uploads it under a new id; a live row with this id (its entry was restored while the
    delete was on its way, or it was blurred during its upload) gets a new id now and is
    uploaded again as a new shot."""
    drop_tombstone(store, shot_id)
    store.conn.execute(
        "UPDATE capture_trash SET server_gone = 1 WHERE kind = 'shot' AND id = ?", [shot_id]
    )
    store.conn.execute(
        "UPDATE screenshots SET id = ?, uploaded = 0, uploaded_at = NULL, revision = 1, "
        "synced_revision = 0, sync_status = NULL, sync_detail = NULL "
        "WHERE id = ? AND deleted = 0",
        [make_id(), shot_id],
    )


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
