"""`tracker import`: a Toggl Track or Clockify detailed report, or our own CSV export."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InvalidInput
from .base import Commands, Out

if TYPE_CHECKING:
    from ..service import Tracker

#: :data:`tracker.imports.FORMATS`, spelled out so that every other command starts without
#: loading the readers (tests/test_cli_import.py checks the two agree).
FORMATS = ("toggl", "clockify", "csv")


def register(commands: Commands) -> None:
    text = (
        "import a Toggl Track or Clockify detailed-report CSV, or this tool's own CSV "
        "export (importing twice adds nothing)"
    )
    p = commands.add("import", text, run_import)
    p.add_argument("--format", choices=list(FORMATS), required=True)
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--dry-run", action="store_true", help="say what would be imported; write nothing"
    )
    p.add_argument("--date-order", choices=["dmy", "mdy"],
                   help="how to read dates like 03/04/2026 when no day above 12 tells "
                   "(default: month first with '/', day first with '.' or '-')")  # fmt: skip


def run_import(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    from ..import_plan import result_json, summary

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}; check the path") from None
    try:
        res = svc.import_file(data, args.format, dry_run=args.dry_run, date_order=args.date_order)
    except InvalidInput as exc:
        raise InvalidInput(f"{path.name}: {exc.message}; nothing was imported") from None
    if out.json:
        out.data(result_json(res, out.tz))
        return
    for line in summary(res, out.tz, path.name):
        out.line(line)
