"""Retention: purge screenshots older than a cut-off (``tracker-server purge-screenshots``).

Rows are marked deleted (``deleted_at``, a new ``seq``) like a user's delete, and a stored image
goes when no live screenshot uses it any more (images are content-addressed). Idempotent: a
second run finds nothing to purge. Runs in one write transaction, so no upload of the same bytes
can interleave with the removal of a blob.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, update

from ..db.session import Database
from ..db.tables import screenshots
from . import audit


@dataclass(frozen=True, slots=True)
class PurgeResult:
    screenshots: int  # rows marked deleted now
    files: int  # image files removed from the data dir
    freed_bytes: int


def purge_screenshots(
    db: Database, data_dir: Path, *, older_than_days: int, now: int
) -> PurgeResult:
    cutoff = now - older_than_days * 86400
    files = freed = 0
    with db.write() as tx:
        conn = tx.conn
        rows = conn.execute(
            select(screenshots.c.id, screenshots.c.sha256, screenshots.c.storage_key)
            .where(screenshots.c.deleted_at.is_(None), screenshots.c.taken_at < cutoff)
            .order_by(screenshots.c.id)
        ).all()
        for r in rows:
            conn.execute(
                update(screenshots)
                .where(screenshots.c.id == r.id)
                .values(deleted_at=now, seq=tx.next_seq(), updated_at=now)
            )
        # Every blob of a deleted row that no live row shares (also ones a crash left behind).
        keys = conn.execute(
            select(screenshots.c.sha256, screenshots.c.storage_key)
            .where(screenshots.c.deleted_at.is_not(None))
            .distinct()
        ).all()
        for sha, key in keys:
            live = conn.execute(
                select(func.count())
                .select_from(screenshots)
                .where(screenshots.c.sha256 == sha, screenshots.c.deleted_at.is_(None))
            ).scalar_one()
            path = Path(data_dir) / key
            if live or not path.is_file():
                continue
            size = path.stat().st_size
            path.unlink(missing_ok=True)
            files += 1
            freed += size
        if rows or files:
            audit.record(
                conn, actor_id=None, action="screenshot.purge", entity="screenshot",
                entity_id=None, at=now,
                after={"older_than_days": older_than_days, "screenshots": len(rows),
                       "files": files, "freed_bytes": freed},
            )  # fmt: skip
    return PurgeResult(len(rows), files, freed)
