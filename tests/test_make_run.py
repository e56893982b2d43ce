"""`make run` (scripts/run.sh) on a machine with no display: the demo server comes up on the
chosen port with an admin, a demo member and three demo projects, prints the passwords once,
says in one line that the tray app needs a display, serves until stopped, and a second start
reuses the data without creating anything twice."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(tmp_path: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(TRACKER_PORT=str(port), TRACKER_SERVER_DATA_DIR=str(tmp_path / "server"),
               TRACKER_DATA_DIR=str(tmp_path / "desktop"))  # fmt: skip
    return subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip


def _read_until(p: subprocess.Popen, marker: str, timeout: float = 90) -> str:
    assert p.stdout is not None
    out, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        out.append(line)
        if marker in line:
            return "".join(out)
    raise AssertionError(f"{marker!r} not printed; got:\n{''.join(out)}")


def _sign_in(api: str, email: str, password: str, device: str) -> dict[str, str]:
    body = {"email": email, "password": password, "device_name": device}
    r = requests.post(f"{api}/auth/token", timeout=10, json=body)
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _stop(p: subprocess.Popen) -> int:
    os.killpg(p.pid, signal.SIGINT)
    try:
        return p.wait(20)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)


def test_make_run_without_a_display_serves_the_demo(tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    p = _start(tmp_path, port)
    try:
        out = _read_until(p, "No display")
        assert "Traceback" not in out
        m = re.search(r"member\s+(\S+@\S+)\s+(\S+)", out)
        assert m, out
        email, password = m.groups()
        assert requests.get(f"{url}/healthz", timeout=5).status_code == 200
        api = f"{url}/api/v1"
        h = _sign_in(api, email, password, "test")
        names = {x["name"] for x in requests.get(f"{api}/projects", headers=h, timeout=10)
                 .json()["items"]}  # fmt: skip
        assert names == {"Globex site", "Internal", "Acme redesign"}
    finally:
        code = _stop(p)
    assert code in (0, 130)
    time.sleep(0.3)
    try:
        requests.get(f"{url}/healthz", timeout=2)
        raise AssertionError("the server still answers after make run stopped")
    except requests.ConnectionError:
        pass

    # A second start keeps the data: no passwords printed again, same projects, no duplicates.
    p = _start(tmp_path, port)
    try:
        out = _read_until(p, "No display")
        assert "passwords are shown once" not in out
        h = _sign_in(f"{url}/api/v1", email, password, "again")
        items = requests.get(f"{url}/api/v1/projects", timeout=10, headers=h).json()["items"]
        assert sorted(x["name"] for x in items) == ["Acme redesign", "Globex site", "Internal"]
    finally:
        _stop(p)
