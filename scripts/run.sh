#!/usr/bin/env bash
# `make run`: the companion server on 127.0.0.1:8765 (SQLite in its data dir; an admin, a demo
# member and demo projects on first start, credentials printed once) and the tray app signed in
# to it as the demo member. With no display it says so and keeps the server in the foreground.
#
# Environment: TRACKER_PORT (8765), TRACKER_SERVER_DATA_DIR (the server's platform data dir),
# TRACKER_DATA_DIR (the tray app's profile).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=127.0.0.1
PORT=${TRACKER_PORT:-8765}
URL=http://$HOST:$PORT
ADMIN=admin@example.com
MEMBER=demo@example.com

have_display() {
    [[ $(uname -s) == Darwin || $(uname -s) == MINGW* ]] && return 0
    [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]]
}

if ! $BIN/tracker-server --help >/dev/null 2>&1; then
    echo "tracker-server is not installed here: starting the tray app on its own (offline)"
    if have_display; then exec $BIN/tracker; fi
    echo "No display: the tray app needs a desktop session (DISPLAY or WAYLAND_DISPLAY is unset)."
    exit 1
fi

SERVER_DIR=${TRACKER_SERVER_DATA_DIR:-$($BIN/python -c \
    'from server_stub.settings import default_data_dir; print(default_data_dir())')}
export TRACKER_SERVER_DATA_DIR=$SERVER_DIR
mkdir -p "$SERVER_DIR"
MARKER=$SERVER_DIR/.demo-created

$BIN/tracker-server init >/dev/null
if [[ ! -f $MARKER ]]; then
    ADMIN_PW=$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(12))')
    MEMBER_PW=$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(12))')
    $BIN/tracker-server create-user --email $ADMIN --name Admin --role admin \
        --password="$ADMIN_PW" >/dev/null
    $BIN/tracker-server create-user --email $MEMBER --name "Demo Member" --role member \
        --password="$MEMBER_PW" >/dev/null
fi

if curl -fsS "$URL/healthz" >/dev/null 2>&1; then
    echo "A server already answers at $URL: using it."
    SERVER_PID=
else
    $BIN/tracker-server serve --host $HOST --port "$PORT" --log-level warning &
    SERVER_PID=$!
    trap '[[ -n $SERVER_PID ]] && kill $SERVER_PID 2>/dev/null; wait 2>/dev/null' EXIT
    trap 'exit 130' INT TERM
    for _ in $(seq 1 150); do
        curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
        kill -0 $SERVER_PID 2>/dev/null || { echo "the server did not start" >&2; exit 1; }
        sleep 0.2
    done
fi

if [[ ! -f $MARKER ]]; then
    # Demo data through the API, as an admin would create it.
    URL=$URL ADMIN_PW=$ADMIN_PW MEMBER=$MEMBER $BIN/python - <<'PY'
import os, requests
url, api = os.environ["URL"], os.environ["URL"] + "/api/v1"
s = requests.Session()
tok = s.post(f"{api}/auth/token", timeout=10, json={"email": "admin@example.com",
             "password": os.environ["ADMIN_PW"], "device_name": "make run"}).json()["token"]
s.headers["Authorization"] = f"Bearer {tok}"
users = s.get(f"{api}/users", timeout=10).json()["items"]
member = next(u for u in users if u["email"] == os.environ["MEMBER"])
demo = {"Globex site": ["Homepage", "Checkout", "Search"], "Internal": ["Admin", "Meetings"],
        "Acme redesign": ["Design", "Review"]}
for name, tasks in demo.items():
    p = s.post(f"{api}/projects", json={"name": name}, timeout=10)
    p.raise_for_status()
    pid = p.json()["id"]
    s.put(f"{api}/projects/{pid}/members/{member['id']}", json={"kind": "member"},
          timeout=10).raise_for_status()
    for title in tasks:
        s.post(f"{api}/projects/{pid}/tasks", json={"title": title}, timeout=10).raise_for_status()
s.delete(f"{api}/auth/token", timeout=10)
PY
    touch "$MARKER"
    cat <<MSG

  Tracker server at $URL — first start, demo data created. These passwords are shown once:
    admin   $ADMIN   $ADMIN_PW
    member  $MEMBER    $MEMBER_PW
  (reset one with: $BIN/tracker-server set-password --email EMAIL)

MSG
fi

if ! have_display; then
    echo "No display (DISPLAY is unset): the tray app was not started; the server runs at $URL until Ctrl+C."
    if [[ -n $SERVER_PID ]]; then wait $SERVER_PID; fi
    exit 0
fi

# The tray app signs in as the demo member with a device token (TRACKER_TOKEN/TRACKER_SERVER
# replace the keyring, contract §2), so it works even where no OS keyring exists.
TOKEN=$($BIN/tracker-server create-token --email $MEMBER --device "tray (make run)")
echo "Starting the tray app, signed in to $URL as $MEMBER (quit it from the tray menu)."
TRACKER_SERVER=$URL TRACKER_TOKEN=$TOKEN $BIN/tracker
