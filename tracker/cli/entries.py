"""The entries: `tracker add`, `log`, `edit`, `split`, `delete`, `restore` and `totals`."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..timeparse import hms, parse_date, parse_duration, parse_instant
from .base import DAY_HELP, Commands, Out, add_range, days, on_day, today

if TYPE_CHECKING:
    from ..service import Tracker


def register(commands: Commands) -> None:
    p = commands.add("add", "add a manual entry", run_add)
    p.add_argument("task")
    p.add_argument("--from", dest="start", metavar="T")
    p.add_argument("--to", dest="end", metavar="T")
    p.add_argument("--duration", metavar="D", help="1h30m, 90m or 1:30")
    p.add_argument("--date", metavar="YYYY-MM-DD", help=DAY_HELP)
    p.add_argument("--at", metavar="HH:MM", help="start of a --duration entry")
    p.add_argument("--note", default="")

    add_range(commands.add("log", "list entries", run_log))

    p = commands.add("edit", "change an entry", run_edit)
    p.add_argument("id")
    p.add_argument("--from", dest="start", metavar="T")
    p.add_argument("--to", dest="end", metavar="T")
    p.add_argument("--task")
    p.add_argument("--note")
    p = commands.add("split", "split an entry in two at a time", run_split)
    p.add_argument("id")
    p.add_argument("--at", required=True, metavar="T")
    p = commands.add("delete", "delete an entry (the deletion syncs too)", run_delete)
    p.add_argument("id")
    p = commands.add("restore", "bring back a deleted entry as it was (undo a delete)",
                     run_restore)  # fmt: skip
    p.add_argument("id", help="the id `tracker delete` printed")

    p = commands.add("totals", "totals by project, task, day or week", run_totals)
    p.add_argument("--by", choices=["project", "task", "day", "week"], default="project")
    add_range(p)


def run_add(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    tz = svc.tz
    day = parse_date(args.date, today(svc)) if args.date else today(svc)
    if args.duration is not None:
        if args.start or args.end:
            raise UsageError("give either --from/--to or --duration, not both")
        at = None
        if args.at:
            at = (
                parse_instant(args.at, tz, day).astimezone(tz).time()
                if ":" in args.at[:3]
                else None
            )
            if at is None:
                raise UsageError(f"cannot read --at '{args.at}': use HH:MM")
        e = svc.add(args.task, duration=parse_duration(args.duration), day=day, at=at,
                    note=args.note)  # fmt: skip
    else:
        if not (args.start and args.end):
            raise UsageError("give --from and --to, or --duration")
        if args.at:
            raise UsageError("--at goes with --duration; use --from/--to for times")
        e = svc.add(args.task, parse_instant(args.start, tz, day),
                    parse_instant(args.end, tz, day), note=args.note)  # fmt: skip
    now = svc.clock.now()
    e = svc.store.get_interval(e.id)
    if out.json:
        out.data(out.entry(e, now))
    else:
        out.line(f"Added {out.span(e)} {e.project_name}/{e.task_title} "
                 f"({hms(e.duration_seconds(now))})\n{e.id}")  # fmt: skip


def run_log(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    lo, hi = days(args)
    entries = svc.log(lo, hi)
    now = svc.clock.now()
    if out.json:
        out.data([out.entry(e, now) for e in entries])
        return
    for e in entries:
        note = f"  {e.note}" if e.note else ""
        where = f"{e.project_name}/{e.task_title}"
        out.line(f"{e.id}  {out.span(e)}  {hms(e.duration_seconds(now))}  "
                 f"{where}  [{e.sync_state.value}]{note}")  # fmt: skip
    if not entries:
        out.line("No entries")


def run_edit(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    tz = svc.tz
    e0 = svc.entry(args.id)
    day = e0.started_at.astimezone(tz).date()
    start = on_day(args.start, tz, day)
    end = on_day(args.end, tz, day)
    clock_time = args.end and ":" in args.end[:3] and "T" not in args.end.upper()
    # HH:MM for the end of an entry that crosses midnight means the next day.
    if end is not None and clock_time and end <= (start or e0.started_at):
        nxt = parse_instant(args.end, tz, day + timedelta(days=1))
        if nxt - (start or e0.started_at) < timedelta(hours=24):
            end = nxt
    e = svc.edit(args.id, start, end, args.task, args.note)
    if out.json:
        out.data(out.entry(e, svc.clock.now()))
    else:
        out.line(f"Edited {out.span(e)} {e.project_name}/{e.task_title}\n{e.id}")


def run_split(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    tz = svc.tz
    e0 = svc.entry(args.id)
    at = parse_instant(args.at, tz, e0.started_at.astimezone(tz).date())
    if at <= e0.started_at and ":" in args.at[:3]:
        at = parse_instant(args.at, tz, e0.started_at.astimezone(tz).date() + timedelta(days=1))
    first, second = svc.split(args.id, at)
    now = svc.clock.now()
    if out.json:
        out.data([out.entry(first, now), out.entry(second, now)])
    else:
        out.line(f"Split into {out.span(first)} and {out.span(second)}\n{first.id}\n{second.id}")


def run_delete(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    gone = svc.delete(args.id)
    if out.json:
        out.data({"id": gone.id, "deleted": True})
    else:
        out.line(f"Deleted entry\n{gone.id}")


def run_restore(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    back = svc.restore(args.id)
    if out.json:
        out.data(out.entry(back, svc.clock.now()))
    else:
        out.line(f"Restored {out.span(back)} {back.project_name}/{back.task_title} ({back.id})")


def run_totals(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    from ..totals import GroupBy

    lo, hi = days(args)
    rows = svc.totals(GroupBy(args.by), lo, hi)
    if out.json:
        out.data([
            {"key": r.key, **({"name": r.name} if r.name is not None else {}),
             "seconds": r.seconds}
            for r in rows
        ])  # fmt: skip
        return
    for r in rows:
        label = r.name if r.name is not None else r.key
        out.line(f"{hms(r.seconds):>12}  {label}")
    out.line(f"{hms(sum(r.seconds for r in rows)):>12}  Total")
