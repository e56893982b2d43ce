"""The real `tracker` command as a separate process, for the CLI tests (the `cli` fixture)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)

    @property
    def last_line(self) -> str:
        return self.out.strip().splitlines()[-1]


class Cli:
    """Runs `python -m tracker` in a subprocess against one data dir, in a fixed zone."""

    def __init__(self, data_dir: Path, tz: str = "Europe/Berlin") -> None:
        self.data_dir = data_dir
        self.env = {
            **os.environ,
            "TRACKER_DATA_DIR": str(data_dir),
            "TZ": tz,
            "TRACKER_LOG_DIR": str(data_dir.parent / "logs"),
        }
        self.env.pop("TRACKER_TOKEN", None)

    def __call__(self, *args: str, input: str | None = None) -> Result:
        p = subprocess.run(
            [sys.executable, "-m", "tracker", *args],
            capture_output=True,
            text=True,
            env=self.env,
            input=input,
            timeout=60,
        )
        assert "Traceback" not in p.stderr, p.stderr
        return Result(p.returncode, p.stdout, p.stderr)

    def ok(self, *args: str) -> Result:
        r = self(*args)
        assert r.code == 0, f"{args} -> {r.code}: {r.err}"
        return r

    def fails(self, *args: str, code: int = 1) -> Result:
        r = self(*args)
        assert r.code == code, f"{args} -> {r.code} (wanted {code}): {r.out} {r.err}"
        lines = r.err.strip().splitlines()
        assert len(lines) == 1, f"expected one line on stderr, got: {r.err!r}"
        assert lines[0].startswith("tracker: ")
        return r
