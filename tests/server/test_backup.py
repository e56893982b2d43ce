"""`tracker-server backup` / `restore` on both databases: a backup taken while a writer keeps
ingesting is one consistent state with every stored file; it restores into fresh targets that
the server then serves; damaged archives and non-empty targets are refused, leaving the
targets as they were (contract §3)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import uuid
import warnings
from pathlib import Path

import pytest
from pgtest import throwaway_database
from sqlalchemy import create_engine, func, select, text
from srvutil import API, PASSWORD, iv, tracked, upload_shot
from test_limits import _noise_png

from server_stub.app import create_app
from server_stub.db.tables import intervals, metadata, screenshots
from server_stub.services import backup as bk
from server_stub.settings import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

BIN = Path(sys.executable).parent


def _cli(*args: str, url: str | None, data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["TRACKER_SERVER_DATA_DIR"] = str(data_dir)
    if url:
        env["TRACKER_DATABASE_URL"] = url
    return subprocess.run([str(BIN / "tracker-server"), *args], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def _refused(capsys, *args: str, url: str | None, data_dir: Path) -> str:
    """``tracker-server`` in this process (faster than a new one): exit 1 and its one line."""
    from server_stub.cli import main

    capsys.readouterr()
    code = main([*args, "--data-dir", str(data_dir), *(["--database-url", url] if url else [])])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1, (code, err)
    return err


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for name, t in metadata.tables.items()
            }
    finally:
        engine.dispose()


def _interval_seqs(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(select(intervals.c.id, intervals.c.seq)).all())
    finally:
        engine.dispose()


class Writer(threading.Thread):
    """Pushes batches of new intervals until stopped."""

    def __init__(self, user, task_id: str) -> None:
        super().__init__(daemon=True)
        self.user, self.task_id = user, task_id
        self.stop = threading.Event()
        self.batches = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        from datetime import UTC, datetime, timedelta

        day = datetime(2020, 1, 1, tzinfo=UTC)
        try:
            while not self.stop.is_set():
                items = []
                for h in range(20):
                    at = day + timedelta(hours=h)
                    end = at + timedelta(minutes=30)
                    items.append(iv(self.task_id, at.isoformat(), end.isoformat()))
                out = self.user.push(*items)
                assert len(out["accepted"]) == 20, out
                self.batches += 1
                day += timedelta(days=1)
        except BaseException as exc:  # reported by the test
            self.error = exc


def _fresh_targets(tmp_path: Path, backend: str, stack):
    """A new data dir and database URL (SQLite: in the data dir by default)."""
    ddir = tmp_path / f"restored-{uuid.uuid4().hex[:6]}"
    if backend == "sqlite":
        return ddir, None, f"sqlite:///{ddir / 'tracker-server.sqlite3'}"
    url = stack.enter_context(throwaway_database("tracker_restore"))
    return ddir, url, url


def _corrupt(src: Path, dst: Path) -> None:
    """A copy of ``src`` with one byte of its first stored file flipped."""
    data = bytearray(src.read_bytes())
    with tarfile.open(src) as tar:
        member = next(m for m in tar if m.name.startswith("blobs/"))
    data[member.offset_data + member.size // 2] ^= 0xFF
    dst.write_bytes(bytes(data))


def test_backup_while_writing_then_restore(api, team, tmp_path, capsys):
    from contextlib import ExitStack

    src = api.state.settings
    assert team.manager.patch(f"/projects/{team.project['id']}", {"screenshots": True}).is_success
    entry = tracked(team.member, team.task["id"], "2026-11-25T09:00:00Z", "2026-11-25T10:00:00Z")
    images = [_noise_png()] + [bytes(_shot_bytes(i)) for i in range(3)]
    shot_ids = []
    for data in images:
        r = upload_shot(team.member, entry, data)
        assert r.status_code == 201, r.text
        shot_ids.append(r.json()["id"])
    assert team.member.delete(f"/screenshots/{shot_ids[-1]}").status_code == 204  # blob gone
    doc = b"%PDF-1.4 the signed offer\n"
    r = team.manager.post(f"/projects/{team.project['id']}/files",
                          files={"file": ("offer.pdf", doc, "application/pdf")})  # fmt: skip
    assert r.status_code == 201, r.text
    file_id = r.json()["id"]
    archive = tmp_path / "backup.tar"
    writer = Writer(team.member, team.task["id"])
    writer.start()
    try:
        while writer.batches < 2 and writer.error is None:
            writer.stop.wait(0.05)
        before = writer.batches
        p = _cli("backup", str(archive), url=src.database_url, data_dir=src.data_dir)
        # The writer pushes without pause, so a push was in flight during the backup; on a
        # loaded machine it may land just after the backup returned: wait for it to land.
        for _ in range(600):
            if writer.batches > before or writer.error is not None:
                break
            writer.stop.wait(0.05)
        during = writer.batches - before
    finally:
        writer.stop.set()
        writer.join(60)
    assert writer.error is None, writer.error
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"backup written to {archive}: {api.backend} database")
    assert during >= 1  # the writer kept ingesting across the backup
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile(bk.MANIFEST))
        names = tar.getnames()
    assert manifest["format"] == bk.FORMAT and manifest["database"] == api.backend
    blobs = sorted(n for n in names if n.startswith("blobs/"))
    # three live screenshots and the project file; the deleted shot's blob is gone
    assert len(blobs) == 4 and manifest["missing"] == []
    assert sum(b.startswith("blobs/files/") for b in blobs) == 1, blobs

    with ExitStack() as stack:
        ddir, url, full_url = _fresh_targets(tmp_path, api.backend, stack)
        # refused first (damaged, truncated), leaving the targets empty and usable
        bad = tmp_path / "damaged.tar"
        _corrupt(archive, bad)
        cut = tmp_path / "cut.tar"
        cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
        for broken in (bad, cut):
            err = _refused(capsys, "restore", str(broken), url=url, data_dir=ddir)
            assert "damaged or not a Tracker backup" in err
            assert not ddir.exists() or not any(ddir.iterdir())
            assert not list(ddir.parent.glob(f".{ddir.name}.restore-*"))  # no staging left
        if url:
            assert bk.dbcopy.postgres_is_empty(url)

        r = _cli("restore", str(archive), url=url, data_dir=ddir)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith(f"restored {archive} into {ddir}")
        restored = _counts(full_url)
        assert restored == manifest["counts"]
        # one consistent state: exactly the source's intervals up to the copy's change number
        engine = create_engine(full_url)
        with engine.connect() as conn:
            seq = conn.execute(text("SELECT value FROM counters WHERE name = 'seq'")).scalar_one()
            shots = conn.execute(select(screenshots.c.sha256, screenshots.c.storage_key)).all()
        engine.dispose()
        source = _interval_seqs(src.database_url)
        assert _interval_seqs(full_url) == {i: s for i, s in source.items() if s <= seq}
        assert len(source) >= restored["intervals"] >= 1 + 20 * before
        for sha, key in shots:
            path = ddir / key
            if path.exists():
                assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
        assert sum((ddir / k).exists() for _, k in shots) == 3
        doc_sha = hashlib.sha256(doc).hexdigest()
        assert (ddir / "files" / doc_sha[:2] / doc_sha).read_bytes() == doc

        # the server serves the restored data
        cfg = dataclasses.replace(src, database_url=full_url, data_dir=ddir, rate_limits=())
        app = create_app(cfg)
        with TestClient(app) as client:
            r = client.post(API + "/auth/token", json={"email": team.member.email,
                                                       "password": PASSWORD})  # fmt: skip
            assert r.status_code == 201, r.text
            h = {"Authorization": f"Bearer {r.json()['token']}"}
            image = client.get(f"{API}/screenshots/{shot_ids[0]}/image", headers=h)
            assert image.status_code == 200 and image.content == images[0]
            listed = client.get(API + "/screenshots", headers=h).json()["items"]
            assert {s["id"] for s in listed} == set(shot_ids[:-1])
            r = client.post(API + "/auth/token", json={"email": team.manager.email,
                                                       "password": PASSWORD})  # fmt: skip
            got = client.get(f"{API}/files/{file_id}",
                             headers={"Authorization": f"Bearer {r.json()['token']}"})  # fmt: skip
            assert got.status_code == 200 and got.content == doc
        app.state.tracker.db.dispose()

        # a non-empty target is refused and left as it is
        served = _counts(full_url)
        before_files = sorted(p.name for p in ddir.rglob("*"))
        err = _refused(capsys, "restore", str(archive), url=url, data_dir=ddir)
        assert "not empty" in err
        assert sorted(p.name for p in ddir.rglob("*")) == before_files
        if url:  # an empty data dir, but the database holds data
            err = _refused(capsys, "restore", str(archive), url=url, data_dir=tmp_path / "empty")
            assert "database is not empty" in err
        assert _counts(full_url) == served


def _shot_bytes(i: int) -> bytes:
    import random

    from PIL import Image

    rng = random.Random(i)
    im = Image.frombytes("RGB", (16, 16), bytes(rng.randrange(256) for _ in range(16 * 16 * 3)))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def _tar(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize(
    "case",
    ["traversal", "extra_member", "missing_member", "no_manifest", "newer_schema", "kind"],
)
def test_foreign_archives_are_refused(tmp_path, case):
    db = b"not really a database"
    entry = {"path": "database.sqlite3", "sha256": hashlib.sha256(db).hexdigest(), "bytes": len(db)}
    manifest = {"format": bk.FORMAT, "version": bk.VERSION, "database": "sqlite",
                "revision": "0009", "counts": {}, "missing": [], "files": [entry]}  # fmt: skip
    members = {"database.sqlite3": db}
    if case == "traversal":
        evil = {"path": "blobs/../../evil", "sha256": entry["sha256"], "bytes": len(db)}
        manifest["files"].append(evil)
        members["blobs/../../evil"] = db
    elif case == "extra_member":
        members["blobs/screenshots/aa/extra"] = b"x"
    elif case == "missing_member":
        members = {}
    elif case == "newer_schema":
        manifest["revision"] = "9999"
    elif case == "kind":
        manifest["database"] = "postgresql"
        manifest["files"][0]["path"] = "database.pgdump"
    if case != "no_manifest":
        members[bk.MANIFEST] = json.dumps(manifest).encode()
    archive = tmp_path / "a.tar"
    _tar(archive, members)
    ddir = tmp_path / "target"
    cfg = Settings(database_url=f"sqlite:///{ddir / 'tracker-server.sqlite3'}", data_dir=ddir)
    with pytest.raises(bk.BackupError) as exc:
        bk.restore(cfg, archive)
    assert "\n" not in str(exc.value)
    assert not (tmp_path / "evil").exists() and not ddir.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["a.tar"]  # no staging left behind
