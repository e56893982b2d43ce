#!/usr/bin/env bash
# The whole suite: lint, format check, then the tests. `make test` runs this; CI runs `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
export PYTHONDONTWRITEBYTECODE=1
export QT_QPA_PLATFORM=offscreen

echo "== ruff check"
$VENV/bin/ruff check .
echo "== ruff format --check"
$VENV/bin/ruff format --check .

echo "== pytest"
$VENV/bin/python -m pytest -p no:xvfb "$@"
