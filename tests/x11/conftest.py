"""Tests on a real X display: pytest-xvfb starts Xvfb, trayer is the system tray host.

Run separately from the offscreen suite (scripts/test.sh):
``dbus-run-session -- env QT_QPA_PLATFORM=xcb python -m pytest tests/x11``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TOOLS = ("trayer", "xdotool", "import")


def pytest_collection_modifyitems(config, items):
    missing = [t for t in TOOLS if shutil.which(t) is None]
    reason = None
    if missing:
        reason = f"missing {', '.join(missing)} (scripts/ensure-system.sh installs them as root)"
    elif not os.environ.get("DISPLAY"):
        reason = "no X display (run with pytest-xvfb enabled)"
    for item in items:
        item.add_marker(pytest.mark.x11)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def _x(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()


@pytest.fixture
def tray_host(qapp):
    """trayer, a standalone XEmbed tray (feasibility §2), at the top right of the screen."""
    p = subprocess.Popen(
        ["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width", "120",
         "--height", "28", "--transparent", "false", "--tint", "0xdddddd"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not _x("xdotool", "search", "--class", "trayer") and time.monotonic() < deadline:
        time.sleep(0.1)
    yield p
    p.terminate()
    p.wait(5)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
