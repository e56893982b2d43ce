"""Briefcase: `briefcase dev` starts the app from this checkout with briefcase.toml's overrides."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tracker.ui.briefcase_overrides import overrides

ROOT = Path(__file__).resolve().parents[2]
BRIEFCASE = Path(sys.executable).parent / "briefcase"


def test_pyproject_declares_the_app_for_briefcase():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["briefcase"]
    app = config["app"]["tracker"]
    assert app["sources"] == ["tracker"]
    assert any(r.startswith("PySide6-Essentials") for r in app["requires"])
    assert (ROOT / "tracker" / "__main__.py").is_file()  # what `briefcase dev` runs


def test_briefcase_toml_overrides(monkeypatch, tmp_path):
    monkeypatch.delenv("TRACKER_BRIEFCASE_TEMPLATE", raising=False)
    assert overrides(ROOT / "briefcase.toml") == ["-C", 'template_branch="main"']
    monkeypatch.setenv("TRACKER_BRIEFCASE_TEMPLATE", str(tmp_path))
    assert overrides(ROOT / "briefcase.toml") == [
        "-C", f'template="{tmp_path}"', "-C", 'template_branch="main"'
    ]  # fmt: skip


def test_briefcase_dev_starts_the_app(tmp_path):
    # briefcase comes with the test extra, so `make test` always runs this.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRACKER_DATA_DIR": str(tmp_path),
           "TRACKER_LOG_DIR": str(tmp_path / "logs"), "TRACKER_APP_EXIT_AFTER_MS": "300",
           "XDG_RUNTIME_DIR": str(tmp_path)}  # fmt: skip
    env.pop("TRACKER_BRIEFCASE_TEMPLATE", None)
    exe = str(BRIEFCASE) if BRIEFCASE.exists() else shutil.which("briefcase")
    p = subprocess.run([exe, "dev", *overrides(ROOT / "briefcase.toml")], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)  # fmt: skip
    assert p.returncode == 0, p.stdout + p.stderr
    assert "tracker: event loop running" in p.stdout + p.stderr
    assert (tmp_path / "tracker.sqlite3").exists()
