"""Helpers of the D-Bus tests: a settable wall clock, and waiting for a signal to cross a real
bus to a listener thread (polled, never a fixed sleep standing in for the answer)."""

from __future__ import annotations

import time


class Wall:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def wait_for(cond, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
