"""Capture tests on fakes: no display, no pynput, no mss. Qt runs offscreen with the executor
inline; the store, clock and service come from tests/conftest.py."""

from __future__ import annotations

import itertools
import random

import pytest

from tracker.capture.backends import Backends
from tracker.capture.ports import FakeGrabber, FakeIdle, FakeInput, FakeSuspend


@pytest.fixture
def ids():
    counter = itertools.count(1)
    return lambda: f"00000000-0000-7000-8000-{next(counter):012d}"


@pytest.fixture
def fakes() -> Backends:
    return Backends(FakeInput(), FakeIdle(), FakeGrabber(160, 100), FakeSuspend())


@pytest.fixture
def rng() -> random.Random:
    return random.Random(42)
