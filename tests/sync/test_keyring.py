"""Sign-in with a real Secret Service keyring: gnome-keyring in a private D-Bus session
(research/feasibility.md §5). Needs the Debian packages gnome-keyring, dbus (dbus-run-session)
and libsecret-tools (secret-tool)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from syncutil import PASSWORD, Team

SCRIPT = r"""
set -u
T="$PY -m tracker"
out() { printf '%s=%s\n' "$1" "$2" >> "$RESULT"; }
$T login "$URL" --email "$EMAIL" > "$WORK/login.out" 2> "$WORK/login.err"; out login $?
TOKEN=$(secret-tool lookup service tracker username "$EMAIL at $URL")
out token "$TOKEN"
$T sync > "$WORK/sync.out" 2> "$WORK/sync.err"; out sync $?
$T status > "$WORK/status.out" 2>&1; out status $?
$T logout > "$WORK/logout.out" 2> "$WORK/logout.err"; out logout $?
out after "$(secret-tool lookup service tracker username "$EMAIL at $URL")"
$T sync > /dev/null 2> "$WORK/sync2.err"; out sync2 $?
"""


def _have_keyring_tools() -> str | None:
    for tool in ("dbus-run-session", "gnome-keyring-daemon", "secret-tool"):
        if shutil.which(tool) is None:
            return tool
    return None


def _env(data: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "TRACKER_TOKEN", "TRACKER_SERVER")
    }
    env.update(
        TRACKER_DATA_DIR=str(data),
        TZ="Europe/Berlin",
        PY=sys.executable,
        TRACKER_PASSWORD=PASSWORD,
        TRACKER_LOG_DIR=str(data.parent / "logs"),
    )
    return env  # fmt: skip


def test_login_sync_logout_with_a_real_secret_service(server, team: Team, tmp_path: Path):
    missing = _have_keyring_tools()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing} is missing: install gnome-keyring dbus libsecret-tools")
        pytest.skip(f"{missing} is missing (apt-get install gnome-keyring libsecret-tools)")
    data, work = tmp_path / "data", tmp_path / "work"
    work.mkdir()
    result = work / "result"
    env = _env(data)
    env.update(
        URL=server.url,
        EMAIL=team.email,
        WORK=str(work),
        RESULT=str(result),
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        XDG_RUNTIME_DIR=str(tmp_path / "run"),
    )
    (tmp_path / "run").mkdir(mode=0o700)
    unlock = "printf test-password | gnome-keyring-daemon --unlock --components=secrets"
    inner = f'eval "$({unlock})"; export GNOME_KEYRING_CONTROL; bash -c "$SCRIPT_TEXT"'
    env["SCRIPT_TEXT"] = SCRIPT
    p = subprocess.run(["dbus-run-session", "--", "bash", "-c", inner], env=env,
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    got = dict(line.split("=", 1) for line in result.read_text().splitlines())
    assert got["login"] == "0", (work / "login.err").read_text() + p.stderr
    token = got["token"]
    assert len(token) > 20  # the keyring holds it
    assert "Signed in to" in (work / "login.out").read_text()
    assert got["sync"] == "0", (work / "sync.err").read_text()
    assert "Sync: 0 pending" in (work / "status.out").read_text()
    # Never in the database, a log or any other file of the profile.
    for f in [*data.rglob("*"), *(tmp_path / "logs").rglob("*")]:
        if f.is_file():
            assert token.encode() not in f.read_bytes(), f
    assert got["logout"] == "0" and "revoked on the server" in (work / "logout.out").read_text()
    assert got["after"] == ""  # forgotten locally
    assert got["sync2"] == "1" and "tracker login" in (work / "sync2.err").read_text()
    r = requests.get(server.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401  # revoked on the server


def test_login_without_a_keyring_says_how_to_fix_it(server, team: Team, tmp_path: Path):
    env = _env(tmp_path / "data")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    cmd = [sys.executable, "-m", "tracker", "login", server.url, "--email", team.email]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "TRACKER_TOKEN" in lines[0] and "keyring" in lines[0]
    # No token was asked for: nothing changed here.
    assert json.loads(subprocess.run(
        [sys.executable, "-m", "tracker", "status", "--json"], env=env, capture_output=True,
        text=True, timeout=60).stdout)["signed_in"] is False  # fmt: skip
