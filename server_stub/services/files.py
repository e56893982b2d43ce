"""Project files (server-spec §6.15): at most 25 MiB each, content-addressed under the data dir
like screenshots (``files/ab/abcdef…``, :mod:`server_stub.blobs`), the original name kept and
sanitised only on download, the content type told from the bytes (never from the name).

Everyone who sees a project sees and adds its files (viewers too); the uploader or an admin or
manager deletes one (asked of :mod:`server_stub.authz`). A blob goes with its last live file.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from sqlalchemy import Connection, func, insert, select, update

from .. import authz
from ..authz import Actor
from ..blobs import BlobStore
from ..db.session import Database
from ..db.tables import project_files
from ..errors import NotFound
from ..ids import new_id
from ..timefmt import utc_datetime
from . import audit

MAX_FILE_BYTES = 25 * 1024 * 1024
NAMESPACE = "files"

# Magic bytes -> content type, longest-known first; anything else is text (UTF-8, no NUL) or
# application/octet-stream. Office documents are ZIP or OLE containers and stay so: the type
# only tells the browser how to treat a download, and downloads are always attachments.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),  # after "RIFF" and a size
    (b"PK\x03\x04", 0, "application/zip"),
    (b"PK\x05\x06", 0, "application/zip"),
    (b"\x1f\x8b", 0, "application/gzip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "application/x-ole-storage"),
    (b"7z\xbc\xaf\x27\x1c", 0, "application/x-7z-compressed"),
)

CONTENT_TYPES = (*dict.fromkeys(m for _, _, m in _MAGIC), "text/plain", "application/octet-stream")


def sniff(head: bytes) -> str:
    """The content type of a file from its first bytes."""
    for magic, offset, media in _MAGIC:
        if head[offset : offset + len(magic)] == magic and (
            media != "image/webp" or head.startswith(b"RIFF")
        ):
            return media
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 3:  # a character cut at the end of the sample
                return "text/plain"
    return "application/octet-stream"


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def clean_name(name: str | None) -> str:
    """The uploaded name without any path, control or reserved characters (at most 200)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", _UNSAFE.sub("_", base)).strip(" .")
    return base[:200] or "file"


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the RFC 5987 ``filename*`` of the real name."""
    safe = clean_name(name)
    ascii_name = unicodedata.normalize("NFKD", safe).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._ ()-]+", "_", ascii_name).strip(" .") or "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe, safe='')}"


def file_out(row: Any) -> dict:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "name": row.name,
        "size": row.size,
        "content_type": row.content_type,
        "sha256": row.sha256,
        "uploaded_by": row.uploaded_by,
        "created_at": utc_datetime(row.created_at),
    }


def store_for(data_dir: Path) -> BlobStore:
    return BlobStore(data_dir, NAMESPACE)


def upload(
    db: Database, store: BlobStore, actor: Actor, project_id: str, name: str | None,
    src: BinaryIO, *, now: int,
) -> dict:  # fmt: skip
    """Store a file on the project: 404 hidden project, 409 ``project_archived``, 413
    ``file_too_large`` past 25 MiB (nothing kept)."""
    with db.read() as conn:  # refuse before reading a byte of someone else's project
        authz.files(conn, actor, project_id, add=True)
    staged = store.stage(src, MAX_FILE_BYTES, "file_too_large")
    fid = new_id()
    try:
        with db.write() as tx:
            conn = tx.conn
            authz.files(conn, actor, project_id, add=True)
            key = store.commit(staged)  # inside the write lock: no delete can interleave
            conn.execute(
                insert(project_files).values(
                    id=fid, project_id=project_id, name=clean_name(name), size=staged.size,
                    content_type=sniff(staged.head), sha256=staged.sha256, storage_key=key,
                    uploaded_by=actor.user_id, created_at=now,
                )
            )  # fmt: skip
            row = conn.execute(select(project_files).where(project_files.c.id == fid)).one()
    finally:
        store.discard(staged)
    return file_out(row)


def page(
    db: Database, actor: Actor, project_id: str, *, after: tuple[int, str] | None = None,
    limit: int = 100,
) -> tuple[list[dict], tuple[int, str] | None]:  # fmt: skip
    """The project's files, newest first; ``after`` is the previous page's last (time, id)."""
    q = select(project_files).where(
        project_files.c.project_id == project_id, project_files.c.deleted_at.is_(None)
    )
    if after is not None:
        at, fid = after
        q = q.where(
            (project_files.c.created_at < at)
            | ((project_files.c.created_at == at) & (project_files.c.id < fid))
        )
    q = q.order_by(project_files.c.created_at.desc(), project_files.c.id.desc()).limit(limit + 1)
    with db.read() as conn:
        authz.files(conn, actor, project_id)
        rows = conn.execute(q).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return [file_out(r) for r in rows], ((rows[-1].created_at, rows[-1].id) if more else None)


def _live(conn: Connection, file_id: str):
    row = conn.execute(
        select(project_files).where(
            project_files.c.id == file_id, project_files.c.deleted_at.is_(None)
        )
    ).first()
    if row is None:
        raise NotFound("file")
    return row


def open_file(db: Database, store: BlobStore, actor: Actor, file_id: str) -> tuple[dict, Path]:
    """A file to download and where its bytes are: 404 when hidden from the caller or gone."""
    with db.read() as conn:
        row = _live(conn, file_id)
        if authz.project_access(conn, actor, row.project_id) is None:
            raise NotFound("file")
        authz.files(conn, actor, row.project_id)
    path = store.path(row.storage_key)
    if not path.is_file():
        raise NotFound("file contents")
    return file_out(row), path


def delete(db: Database, store: BlobStore, actor: Actor, file_id: str, *, now: int) -> dict:
    """Delete a file (the uploader, an admin or a manager; 403 for others who see it)."""
    with db.write() as tx:
        conn = tx.conn
        row = _live(conn, file_id)
        if authz.project_access(conn, actor, row.project_id) is None:
            raise NotFound("file")
        authz.delete_file(conn, actor, row.project_id, row.uploaded_by)
        conn.execute(
            update(project_files).where(project_files.c.id == file_id).values(deleted_at=now)
        )
        audit.record(
            conn, actor_id=actor.user_id, action="file.delete", entity="file", entity_id=file_id,
            before={"project_id": row.project_id, "name": row.name, "sha256": row.sha256,
                    "uploaded_by": row.uploaded_by}, at=now,
        )  # fmt: skip
        live = conn.execute(
            select(func.count())
            .select_from(project_files)
            .where(project_files.c.sha256 == row.sha256, project_files.c.deleted_at.is_(None))
        ).scalar_one()
        if not live:
            store.remove(row.storage_key)
    return file_out(row)
