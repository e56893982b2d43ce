"""Shared fixtures: a store on a temp file, a settable clock, the service, and a CLI runner that
runs the real `tracker` command as a separate process."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings as hypothesis_settings

# Qt widgets in tests run offscreen unless a run asks for a real screen (the X11 run sets xcb).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from cliutil import Cli

from tracker.clock import FixedClock
from tracker.service import Tracker
from tracker.store import open_store

BERLIN = ZoneInfo("Europe/Berlin")

# Hypothesis fails an example that runs past its 200 ms deadline, and a busy CI machine can stall
# a process for that long; the properties are about results, not speed.
hypothesis_settings.register_profile("tracker", deadline=None)
hypothesis_settings.load_profile("tracker")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC))


@pytest.fixture
def store(tmp_path: Path):
    s = open_store(tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def svc(store, clock) -> Tracker:
    return Tracker(store, clock, BERLIN)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "data")
