"""`tracker export`: the entries as a file."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import TrackerError
from .base import Commands, Out, add_range, days

if TYPE_CHECKING:
    from ..service import Tracker


def register(commands: Commands) -> None:
    p = commands.add("export", "export entries as CSV or JSON", run_export)
    p.add_argument("--format", choices=["csv", "json"], required=True)
    add_range(p)
    p.add_argument("-o", "--output", metavar="FILE")


def run_export(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    lo, hi = days(args)
    now = svc.clock.now()
    rows = [out.entry(e, now) for e in svc.log(lo, hi)]
    if args.format == "json":
        text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    else:
        buf = io.StringIO()
        fields = ["id", "project", "task", "started_at", "ended_at", "duration_seconds", "note",
                  "source", "sync_state", "project_id", "task_id"]  # fmt: skip
        w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        text = buf.getvalue()
    path = write_output(text, args.output)
    if path is not None:
        sys.stderr.write(f"Exported {len(rows)} entries to {path}\n")


def write_output(text: str, output: str | None) -> Path | None:
    """``text`` on stdout (no ``-o``, or ``-o -``), or into FILE whole or not at all (a temporary
    file renamed over it). Returns the file written, if any."""
    if output is None or output == "-":
        sys.stdout.write(text)
        return None
    path = Path(output)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise TrackerError(
            f"cannot write {path}: {exc.strerror or exc}; choose another -o FILE"
        ) from None
    return path
