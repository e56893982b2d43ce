"""Helpers of the X11 tests: screenshots and real pointer clicks."""

from __future__ import annotations

import subprocess
from pathlib import Path


def screenshot(path: Path, crop: str | None = None) -> Path:
    """The whole X screen (or a crop like ``520x300+760+0``) as PNG, via ImageMagick."""
    cmd = ["import", "-window", "root"]
    if crop:
        cmd += ["-crop", crop, "+repage"]
    subprocess.run([*cmd, str(path)], check=True, timeout=20)
    return path


def click(x: int, y: int, button: int = 1) -> None:
    """A real X pointer click (XTEST), as a user would make it."""
    subprocess.run(
        ["xdotool", "mousemove", str(x), str(y), "click", str(button)], timeout=10, check=False
    )
