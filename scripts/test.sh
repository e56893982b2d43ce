#!/usr/bin/env bash
# The whole suite: lint, format check, then the tests. `make test` runs this; CI runs `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
export QT_QPA_PLATFORM=offscreen

echo "== ruff check"
$VENV/bin/ruff check .
echo "== ruff format --check"
$VENV/bin/ruff format --check .

echo "== pytest"
$VENV/bin/python -m pytest -p no:xvfb --ignore=tests/x11 "$@"

# The desktop app on a real X display: pytest-xvfb starts Xvfb (1280x800), trayer hosts the tray.
# A private D-Bus session keeps Qt from autolaunching a dbus-daemon that outlives the run.
echo "== pytest tests/x11 (Xvfb + trayer)"
if [[ $# -gt 0 && -z ${TRACKER_X11:-} ]]; then
    echo "skipped: arguments were given (set TRACKER_X11=1 to run it as well)"
elif ! command -v Xvfb >/dev/null || ! command -v dbus-run-session >/dev/null; then
    echo "skipped: Xvfb or dbus-run-session missing (run scripts/ensure-system.sh as root)" >&2
else
    dbus-run-session -- env -u DISPLAY -u WAYLAND_DISPLAY QT_QPA_PLATFORM=xcb \
        $VENV/bin/python -m pytest -p xvfb -o xvfb_width=1280 -o xvfb_height=800 tests/x11 \
        2> >(grep -v "Failed to set fd limit" >&2)
fi
