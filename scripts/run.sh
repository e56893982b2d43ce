#!/usr/bin/env bash
# `make run`: the product as far as it exists. The tray app and the companion server join this
# script as they land; today it is the `tracker` command on the user's data dir.
set -euo pipefail
cd "$(dirname "$0")/.."
T=.venv/bin/tracker
$T || true
echo
$T status
echo
echo "Try:  $T project add Acme && $T task add Acme Design && $T start Acme/Design"
echo "      $T --help   for every command"
