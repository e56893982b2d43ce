"""Helpers of the capture tests on a real X display: xdotool input and waiting for counters."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def xdotool(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, timeout=20)


def wait_for(pred: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll a condition set by another thread (pynput's listener threads)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def wake_listeners() -> None:
    """pynput's X11 listeners end only after one more event (feasibility §3)."""
    xdotool("mousemove_relative", "--", "1", "0", "key", "shift")


@contextmanager
def private_xvfb(width: int = 1280, height: int = 800, depth: int = 24) -> Iterator[str]:
    """A second Xvfb at 24-bit colour for mss (pytest-xvfb's screen is 16-bit, which mss
    refuses). Yields its display name."""
    r, w = os.pipe()
    p = subprocess.Popen(
        ["Xvfb", "-displayfd", str(w), "-screen", "0", f"{width}x{height}x{depth}",
         "-nolisten", "tcp", "-noreset"],
        pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(w)
    try:
        with os.fdopen(r) as f:
            number = f.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        p.terminate()
        p.wait(10)
