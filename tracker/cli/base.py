"""What every command group shares: the parser class, the options valid everywhere, the way a
group adds its commands, and the output (lines, or one JSON document)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NoReturn
from zoneinfo import ZoneInfo

from ..errors import InvalidInput, UsageError
from ..model import Interval, Project, Task
from ..timeparse import parse_date, parse_instant

if TYPE_CHECKING:
    from ..service import Tracker

DAY_WORDS = "YYYY-MM-DD, today or yesterday"
DAY_HELP = f"the local day: {DAY_WORDS} (default today)"

Run = Callable[["Tracker", argparse.Namespace, "Out"], "int | None"]


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def common_options() -> argparse.ArgumentParser:
    # Options valid before or after the subcommand; SUPPRESS keeps a later default from
    # overwriting an earlier value.
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="data directory (env TRACKER_DATA_DIR)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print data as one JSON document",
    )
    return p  # fmt: skip


class Commands:
    """Where a command group adds its commands, each with the function that runs it."""

    def __init__(self, sub: Any, common: argparse.ArgumentParser) -> None:
        self._sub = sub
        self._common = common

    def add(self, name: str, help: str, run: Run | None = None) -> argparse.ArgumentParser:
        # argparse %-formats a subcommand's help (not its description): a literal % is %%.
        p = self._sub.add_parser(name, help=help.replace("%", "%%"), description=help,
                                 parents=[self._common])  # fmt: skip
        if run is not None:  # a nested command keeps its group's function
            p.set_defaults(run=run)
        return p

    def group(self, name: str, help: str, run: Run) -> Commands:
        """A command with actions (`tracker project add|list|set`); ``args.action`` names one."""
        sub = self.add(name, help, run).add_subparsers(
            dest="action", metavar="ACTION", parser_class=Parser
        )
        sub.required = True
        return Commands(sub, self._common)


class Out:
    def __init__(self, as_json: bool, tz: ZoneInfo) -> None:
        self.json = as_json
        self.tz = tz

    def data(self, obj: Any) -> None:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")

    def line(self, text: str = "") -> None:
        sys.stdout.write(text + "\n")

    def entry(self, e: Interval, now: datetime) -> dict[str, Any]:
        from ..exports import entry_row  # csv, json and iCalendar: only for commands that list

        return entry_row(e, now, self.tz)

    @staticmethod
    def project(p: Project) -> dict[str, Any]:
        return {"id": p.id, "name": p.name, "client": p.client, "origin": p.origin.value,
                "screenshots": p.screenshots, "blur": p.blur, "archived": p.archived}  # fmt: skip

    @staticmethod
    def task(t: Task) -> dict[str, Any]:
        return {"id": t.id, "project_id": t.project_id, "project": t.project_name,
                "title": t.title, "status": t.status.value}  # fmt: skip

    def span(self, e: Interval) -> str:
        start = e.started_at.astimezone(self.tz)
        end = "running" if e.ended_at is None else f"{e.ended_at.astimezone(self.tz):%H:%M:%S}"
        return f"{start:%Y-%m-%d %H:%M:%S}–{end}"


def today(svc: Tracker) -> date:
    return svc.clock.now().astimezone(svc.tz).date()


def on_day(text: str | None, tz: ZoneInfo, day: date) -> datetime | None:
    return None if text is None else parse_instant(text, tz, day)


def days(args: argparse.Namespace) -> tuple[date | None, date | None]:
    """``--from``/``--to`` as inclusive local days."""
    lo = parse_date(args.from_day) if args.from_day else None
    hi = parse_date(args.to_day) if args.to_day else None
    if lo and hi and hi < lo:
        raise InvalidInput(f"--to {hi} is before --from {lo}: swap them")
    return lo, hi


def add_range(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="from_day", metavar="DATE")
    p.add_argument("--to", dest="to_day", metavar="DATE")
