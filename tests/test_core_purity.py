"""The core imports no adapter library; the command line imports nothing heavy."""

import json
import subprocess
import sys

HEAVY = ("PySide6", "sqlite3", "_sqlite3", "requests", "mss", "pynput", "sqlite_utils")
CORE = (
    "tracker",
    "tracker.model",
    "tracker.timeline",
    "tracker.totals",
    "tracker.timeparse",
    "tracker.service",
    "tracker.config",
    "tracker.clock",
    "tracker.ids",
    "tracker.errors",
    "tracker.paths",
    "tracker.reminders",
    "tracker.daybook",
    "tracker.imports",
    "tracker.import_plan",
    "tracker.ical",
    "tracker.exports",
)


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_core_imports_no_adapter_library():
    loaded = _loaded_after("\n".join(f"import {m}" for m in CORE))
    assert set(CORE) <= loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_cli_status_imports_no_gui_network_or_capture_library(tmp_path):
    code = (
        f"import tracker.cli as c\nassert c.main(['--data-dir', {str(tmp_path)!r}, 'status']) == 0"
    )
    loaded = _loaded_after(code)
    assert "tracker.store" in loaded  # it really opened the database
    for heavy in ("PySide6", "requests", "mss", "pynput"):
        assert heavy not in loaded
