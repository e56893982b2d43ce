"""End to end: the real ``tracker-server`` command, ``serve --workers 2`` on a loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from srvutil import reset_database

from server_stub.db.session import make_engine
from server_stub.settings import Settings

BIN = Path(sys.executable).parent / "tracker-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(*args: str, env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN), *args], env=env, capture_output=True, text=True, timeout=60, **kw
    )


@pytest.mark.slow
def test_cli_and_serve_with_two_workers(database_url: str, tmp_path: Path):
    engine = make_engine(Settings(database_url=database_url, data_dir=tmp_path))
    reset_database(engine)
    engine.dispose()
    env = {**os.environ, "TRACKER_DATABASE_URL": database_url, "TRACKER_PASSWORD": ""}
    env.pop("TRACKER_PASSWORD")
    common = ["--data-dir", str(tmp_path)]

    r = _run("init", *common, env=env)
    assert r.returncode == 0, r.stderr
    assert _run("init", *common, env=env).returncode == 0  # idempotent

    r = _run(
        "create-user",
        *common,
        "--email",
        "boss@example.com",
        "--name",
        "Boss",
        "--role",
        "admin",
        "--password",
        "s3cret-pass",
        env=env,
    )
    assert r.returncode == 0, r.stderr
    r = _run(
        "create-user",
        *common,
        "--email",
        "boss@example.com",
        "--name",
        "Boss",
        "--role",
        "admin",
        "--password",
        "s3cret-pass",
        env=env,
    )
    assert r.returncode == 1 and "already exists" in r.stderr and "Traceback" not in r.stderr
    r = _run(
        "create-user",
        *common,
        "--email",
        "m@example.com",
        "--name",
        "M",
        "--role",
        "member",
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 1 and "password" in r.stderr  # no terminal, no password
    r = _run(
        "create-user",
        *common,
        "--email",
        "m@example.com",
        "--name",
        "M",
        "--role",
        "member",
        env={**env, "TRACKER_PASSWORD": "member-pass"},
    )
    assert r.returncode == 0, r.stderr
    assert (
        _run(
            "set-password",
            *common,
            "--email",
            "m@example.com",
            "--password",
            "new-member-pass",
            env=env,
        ).returncode
        == 0
    )
    r = _run("create-token", *common, "--email", "m@example.com", "--device", "ci-box", env=env)
    assert r.returncode == 0, r.stderr
    headless_token = r.stdout.strip().splitlines()[-1]
    assert _run("bogus", env=env).returncode == 2

    port = _free_port()
    server = subprocess.Popen(
        [
            str(BIN),
            "serve",
            *common,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # two workers import the app; a loaded CI machine is slow
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        with httpx.Client(base_url=base + "/api/v1", timeout=10) as http:
            r = http.post(
                "/auth/token",
                json={"email": "boss@example.com", "password": "s3cret-pass", "device_name": "e2e"},
            )
            assert r.status_code == 201, r.text
            admin = {"Authorization": "Bearer " + r.json()["token"]}
            p = http.post("/projects", json={"name": "E2E"}, headers=admin).json()
            t = http.post(f"/projects/{p['id']}/tasks", json={"title": "Work"}, headers=admin)
            member_id = http.get("/users", headers=admin).json()["items"]
            member_id = next(u["id"] for u in member_id if u["email"] == "m@example.com")
            assert (
                http.put(
                    f"/projects/{p['id']}/members/{member_id}", json={}, headers=admin
                ).status_code
                == 200
            )
            member = {"Authorization": "Bearer " + headless_token}
            items = [
                {
                    "id": str(uuid.uuid4()),
                    "task_id": t.json()["id"],
                    "started_at": f"2026-11-2{d}T09:00:00+01:00",
                    "ended_at": f"2026-11-2{d}T17:00:00+01:00",
                    "revision": 1,
                    "base_revision": 0,
                }
                for d in range(0, 5)
            ]
            # many requests so both workers serve some; the same batch again changes nothing
            for _ in range(6):
                r = http.post("/intervals/batch", json={"intervals": items}, headers=member)
                assert r.status_code == 200
                assert r.json()["accepted"] == [i["id"] for i in items]
            totals = http.get(
                "/totals", params={"group_by": "day", "tz": "Europe/Berlin"}, headers=member
            ).json()
            assert totals["total_seconds"] == 5 * 8 * 3600
            assert len(totals["rows"]) == 5
            assert httpx.get(base + "/openapi.json").status_code == 200
            assert http.get("/me").status_code == 401
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
