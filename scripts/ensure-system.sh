#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (only when root and only what is missing)
# and starts PostgreSQL when it is installed but not running.
set -euo pipefail

PACKAGES=(postgresql)
# Sign-in tests use a real Secret Service keyring in a private D-Bus session.
PACKAGES+=(gnome-keyring libsecret-tools dbus dbus-x11)
# The desktop app's X11 tests (tests/x11): a virtual screen, a tray host, input and screenshots,
# and the libraries Qt's xcb platform plugin loads (research/feasibility.md §2).
PACKAGES+=(xvfb trayer xdotool x11-utils imagemagick dbus-x11
           libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
           libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0 libxcb-xinerama0 libxss1)
# Invoice PDFs: WeasyPrint's Pango/HarfBuzz and fonts to embed (PDF/A needs embedded fonts).
PACKAGES+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core fonts-liberation2)
# Web pages in a real browser: Playwright drives Debian's chromium (never `playwright install`).
PACKAGES+=(chromium)
# Backups of a PostgreSQL server: pg_dump / pg_restore.
PACKAGES+=(postgresql-client)
# python-dbusmock (the logind / Mutter stand-ins of the D-Bus tests) builds dbus-python.
PACKAGES+=(libdbus-1-dev libglib2.0-dev pkg-config build-essential)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "warning: missing Debian packages (run as root to install): ${missing[*]}" >&2
    fi
fi

if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1; then
    if [[ $(id -u) -eq 0 ]] && [[ -d /etc/postgresql ]]; then
        for v in $(ls /etc/postgresql); do
            pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
        done
        for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 0.5; done
    fi
fi
