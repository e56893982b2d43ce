#!/usr/bin/env bash
# The benchmarks (run on demand, not part of `make test`). `make bench` runs this.
# Arguments are passed to every script, e.g. `bash scripts/bench.sh --quick`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

$PY benchmarks/bench_cli.py "$@"
echo
$PY benchmarks/bench_cli.py --all-local "$@"
echo
$PY benchmarks/bench_totals.py "$@"
echo
$PY benchmarks/bench_insert.py "$@"

echo
$PY benchmarks/bench_import_day.py "$@"
