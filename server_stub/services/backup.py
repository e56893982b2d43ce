"""``tracker-server backup FILE`` / ``restore FILE``: the whole server in one tar (contract §3).

The archive holds ``manifest.json`` (the format, the database kind and revision, rows per
table, and the SHA-256 and size of every other member), the database copy
(``database.sqlite3`` or ``database.pgdump``, see :mod:`.backup_db`) and every stored file the
copy references (``blobs/<storage key>``: screenshots, and whatever :data:`BLOB_COLUMNS` lists).

A backup is taken while the server serves: the database copy is one consistent state, and the
files are those that state references. It is written beside FILE and renamed into place, so a
scheduled backup never leaves half a file where the last good one was.

A restore goes only into an empty data dir and an empty database. Every member is extracted
into a staging directory and checked against the manifest before anything is put in place; a
damaged or foreign archive is refused and leaves the targets as they were.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from .. import __version__
from ..ids import new_id
from ..settings import Settings
from . import backup_db as dbcopy
from .backup_db import BackupError

FORMAT = "tracker-server-backup"
VERSION = 1
MANIFEST = "manifest.json"
#: Every (table, column, condition) holding the storage key of a content-addressed file under the
#: data dir, for the rows whose file is kept. A feature that stores files adds its own here;
#: backup and restore then carry them.
BLOB_COLUMNS: list[tuple[str, str, str]] = [("screenshots", "storage_key", "deleted_at IS NULL")]
_DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_CHUNK = 1 << 20


@dataclass
class ArchiveSummary:
    path: Path
    database: str  # sqlite | postgresql
    revision: str | None
    rows: int
    tables: int
    files: int  # stored files (blobs) in the archive
    blob_bytes: int
    missing: list[str] = field(default_factory=list)  # referenced, gone before they were copied


def _safe_key(key: str) -> PurePosixPath:
    p = PurePosixPath(key)
    if p.is_absolute() or not p.parts or any(part in ("", ".", "..") for part in p.parts):
        raise BackupError(f"refusing a stored file outside the data dir: {key!r}")
    return p


class _Hashing:
    """A file object that hashes what is read through it."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.sha.update(data)
        return data


def _add(tar: tarfile.TarFile, name: str, path: Path, mtime: int) -> dict | None:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return None
    with fh:
        size = os.fstat(fh.fileno()).st_size
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, mtime, 0o600
        reader = _Hashing(fh)
        tar.addfile(info, reader)
    return {"path": name, "sha256": reader.sha.hexdigest(), "bytes": size}


def backup(settings: Settings, target: Path, *, now: int | None = None) -> ArchiveSummary:
    """Write the backup of the server described by ``settings`` to ``target``."""
    now = int(time.time()) if now is None else now
    kind = "sqlite" if dbcopy.is_sqlite(settings.database_url) else "postgresql"
    target = Path(target)
    if target.is_dir():
        raise BackupError(f"{target} is a directory: give the backup's file name")
    if not target.parent.is_dir():
        raise BackupError(f"no directory {target.parent} to write the backup in")
    part = target.with_name(f".{target.name}.{new_id()}.part")
    try:
        with tempfile.TemporaryDirectory(prefix=".tracker-backup-", dir=target.parent) as tmp:
            db_file = Path(tmp) / _DB_MEMBER[kind]
            snap = (dbcopy.snapshot_sqlite if kind == "sqlite" else dbcopy.snapshot_postgres)(
                settings.database_url, db_file, BLOB_COLUMNS
            )
            files, missing, blob_bytes = [], [], 0
            with tarfile.open(part, "w", format=tarfile.PAX_FORMAT) as tar:
                files.append(_add(tar, _DB_MEMBER[kind], db_file, now))
                for key in snap.keys:
                    rel = _safe_key(key)
                    entry = _add(tar, f"blobs/{rel}", Path(settings.data_dir) / rel, now)
                    if entry is None:
                        missing.append(key)
                        continue
                    files.append(entry)
                    blob_bytes += entry["bytes"]
                manifest = {
                    "format": FORMAT, "version": VERSION, "server_version": __version__,
                    "created_at": now, "database": kind, "revision": snap.revision,
                    "counts": snap.counts, "missing": missing, "files": files,
                }  # fmt: skip
                raw = json.dumps(manifest, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(raw), now, 0o600
                tar.addfile(info, io.BytesIO(raw))
            with open(part, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(part, target)
    except OSError as exc:
        raise BackupError(f"cannot write the backup {target}: {exc.strerror or exc}") from None
    finally:
        part.unlink(missing_ok=True)
    return ArchiveSummary(
        target, kind, snap.revision, sum(snap.counts.values()), len(snap.counts),
        len(files) - 1, blob_bytes, missing,
    )  # fmt: skip


# -- restore ---------------------------------------------------------------------------------


def _damaged(archive: Path, why: str) -> BackupError:
    return BackupError(f"{archive} is damaged or not a Tracker backup ({why}): nothing restored")


def read_manifest(tar: tarfile.TarFile, archive: Path) -> dict:
    try:
        member = tar.getmember(MANIFEST)
        fh = tar.extractfile(member)
        manifest = json.loads(fh.read(16 << 20)) if fh else None
    except (KeyError, ValueError, tarfile.TarError, OSError, EOFError) as exc:
        raise _damaged(archive, f"no readable manifest: {type(exc).__name__}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _damaged(archive, "no Tracker manifest")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"{archive} is backup format {manifest.get('version')}; this server reads format "
            f"{VERSION}: restore it with a matching tracker-server"
        )
    if manifest.get("database") not in _DB_MEMBER or not isinstance(manifest.get("files"), list):
        raise _damaged(archive, "the manifest is incomplete")
    if not _known_revision(manifest.get("revision")):
        raise BackupError(
            f"{archive} was made by a newer tracker-server (schema {manifest.get('revision')}): "
            "restore it with that version or later"
        )
    return manifest


def _known_revision(revision: object) -> bool:
    from alembic.script import ScriptDirectory

    from ..db.migrate import alembic_config

    if not isinstance(revision, str):
        return False
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown revision
        return False


def _extract(tar: tarfile.TarFile, manifest: dict, archive: Path, staging: Path) -> None:
    """Every member the manifest lists, into ``staging``, each checked against its SHA-256."""
    want = {}
    for f in manifest["files"]:
        if not isinstance(f, dict) or not isinstance(f.get("path"), str):
            raise _damaged(archive, "a bad file entry in the manifest")
        name = f["path"]
        if name != _DB_MEMBER[manifest["database"]]:
            _safe_key(name.removeprefix("blobs/"))
            if not name.startswith("blobs/"):
                raise _damaged(archive, f"an unexpected member {name!r}")
        want[name] = f
    seen = set()
    try:
        for member in tar:
            if member.name == MANIFEST:
                continue
            if member.name not in want or not member.isfile() or member.name in seen:
                raise _damaged(archive, f"an unexpected member {member.name!r}")
            dest = staging / member.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            sha, size = hashlib.sha256(), 0
            src = tar.extractfile(member)
            with open(dest, "wb") as out:
                while chunk := src.read(_CHUNK):
                    sha.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            entry = want[member.name]
            if sha.hexdigest() != entry.get("sha256") or size != entry.get("bytes"):
                raise _damaged(archive, f"{member.name} does not match its SHA-256")
            seen.add(member.name)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise _damaged(archive, f"unreadable: {type(exc).__name__}") from None
    if seen != set(want):
        raise _damaged(archive, f"{len(set(want) - seen)} listed files are missing")


def _check_empty(settings: Settings, kind: str) -> None:
    ddir = Path(settings.data_dir)
    if ddir.exists() and (not ddir.is_dir() or any(ddir.iterdir())):
        raise BackupError(f"the data dir {ddir} is not empty: restore into an empty one")
    if kind == "sqlite" and not dbcopy.sqlite_is_empty(settings.database_url):
        raise BackupError(f"the database {dbcopy.sqlite_file(settings.database_url)} exists: "
                          "restore into a new one")  # fmt: skip
    if kind == "postgresql" and not dbcopy.postgres_is_empty(settings.database_url):
        raise BackupError("the PostgreSQL database is not empty: restore into a new one "
                          "(createdb NAME)")  # fmt: skip


def _move_into(tree: Path, ddir: Path) -> None:
    """Put the staged ``tree`` at ``ddir`` (which is missing or empty)."""
    try:
        if ddir.exists():
            ddir.rmdir()
        os.replace(tree, ddir)
        return
    except OSError:  # a mount point or another filesystem: move entry by entry
        ddir.mkdir(parents=True, exist_ok=True)
    for child in tree.iterdir():
        shutil.move(str(child), str(ddir / child.name))


def restore(settings: Settings, archive: Path) -> ArchiveSummary:
    """Restore ``archive`` into the empty data dir and database of ``settings``."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"no backup file {archive}")
    try:
        tar = tarfile.open(archive, "r:")  # noqa: SIM115 - a with block follows
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise _damaged(archive, f"not a tar file: {type(exc).__name__}") from None
    with tar:
        manifest = read_manifest(tar, archive)
        kind = manifest["database"]
        want = "sqlite" if dbcopy.is_sqlite(settings.database_url) else "postgresql"
        if kind != want:
            raise BackupError(f"{archive} holds a {kind} database: restore it with a {kind} "
                              "--database-url")  # fmt: skip
        _check_empty(settings, kind)
        ddir = Path(settings.data_dir).absolute()
        ddir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{ddir.name}.restore-", dir=ddir.parent))
        try:
            _extract(tar, manifest, archive, staging)
            return _place(settings, manifest, archive, staging, ddir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _place(settings: Settings, manifest: dict, archive: Path, staging: Path, ddir: Path):
    kind = manifest["database"]
    db_staged = staging / _DB_MEMBER[kind]
    tree = staging / "blobs"
    tree.mkdir(exist_ok=True)
    if kind == "sqlite":
        snap = dbcopy.inspect_sqlite_file(db_staged, BLOB_COLUMNS)
        if snap.counts != manifest.get("counts"):
            raise _damaged(archive, "the database's rows differ from the manifest")
        db_path = dbcopy.sqlite_file(settings.database_url).absolute()
        inside = db_path.parent == ddir
        if inside:
            os.replace(db_staged, tree / db_path.name)
        _move_into(tree, ddir)
        if not inside:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(db_staged), str(db_path))
    else:
        dbcopy.check_pg_dump(db_staged)
        dbcopy.restore_postgres(settings.database_url, db_staged)
        _move_into(tree, ddir)
    files = [f for f in manifest["files"] if f["path"].startswith("blobs/")]
    counts = manifest.get("counts") or {}
    return ArchiveSummary(
        archive, kind, manifest.get("revision"), sum(counts.values()), len(counts), len(files),
        sum(f["bytes"] for f in files), list(manifest.get("missing") or []),
    )  # fmt: skip
