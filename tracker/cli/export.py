"""`tracker export`: the entries as a file (rendered by :mod:`tracker.exports`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .base import Commands, Out, add_range, days

if TYPE_CHECKING:
    from ..service import Tracker

#: :data:`tracker.exports.FORMATS`, spelled out so that every other command starts without
#: loading the exporters (tests/test_cli_import.py checks the two agree).
FORMATS = ("csv", "json", "ical")


def register(commands: Commands) -> None:
    p = commands.add("export", "export entries as CSV, JSON or iCalendar (RFC 5545)", run_export)
    p.add_argument("--format", choices=list(FORMATS), required=True)
    add_range(p)
    p.add_argument("-o", "--output", metavar="FILE")


def run_export(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    lo, hi = days(args)
    text, n = svc.export_text(args.format, lo, hi)
    path = write_output(text, args.output)
    if path is not None:
        sys.stderr.write(f"Exported {n} {'entry' if n == 1 else 'entries'} to {path}\n")


def write_output(text: str, output: str | None) -> Path | None:
    """``text`` on stdout (no ``-o``, or ``-o -``), or into FILE whole or not at all (a temporary
    file renamed over it). Returns the file written, if any."""
    if output is None or output == "-":
        sys.stdout.write(text)
        return None
    from ..exports import write_file

    path = Path(output)
    write_file(text, path, "choose another -o FILE")
    return path
