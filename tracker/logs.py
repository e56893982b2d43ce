"""Logging, set up once at an entry point: a rotating file in the platform log directory."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path


def log_dir() -> Path:
    override = os.environ.get("TRACKER_LOG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_log_dir

    return Path(user_log_dir("tracker", appauthor=False))


def setup(level: int = logging.INFO) -> Path:
    directory = log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "tracker.log"
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return path
