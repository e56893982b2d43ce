"""The `tracker` command. It imports nothing heavy: no Qt, requests, mss or pynput.

Exit codes: 0 success; 1 a refused request (one line on stderr saying what to do); 2 bad usage.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from . import __version__
from .errors import InvalidInput, TrackerError, UsageError
from .model import Interval, Project, Task
from .timeparse import hms, parse_date, parse_duration, parse_instant, rfc3339_local


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _common() -> argparse.ArgumentParser:
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


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(prog="tracker", description="Offline-first time tracking.",
                     parents=[common])  # fmt: skip
    parser.add_argument("--version", action="version", version=f"tracker {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def cmd(name: str, help: str, parent: Any = sub) -> argparse.ArgumentParser:
        # argparse %-formats a subcommand's help (not its description): a literal % is %%.
        return parent.add_parser(name, help=help.replace("%", "%%"), description=help,
                                 parents=[common])  # fmt: skip

    project = cmd("project", "create, list and configure projects")
    psub = project.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    psub.required = True
    p = cmd("add", "create a local project", psub)
    p.add_argument("name")
    p.add_argument("--client")
    cmd("list", "list projects (local and server)", psub)
    p = cmd("set", "change a local project's settings", psub)
    p.add_argument("project")
    p.add_argument("--name")
    for flag in ("screenshots", "blur", "archived"):
        p.add_argument(f"--{flag}", choices=["on", "off"])

    task = cmd("task", "create, list and change tasks")
    tsub = task.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    tsub.required = True
    p = cmd("add", "create a task in a project", tsub)
    p.add_argument("project")
    p.add_argument("title")
    p = cmd("list", "list tasks", tsub)
    p.add_argument("project", nargs="?")
    p = cmd("set", "rename a task or change its status", tsub)
    p.add_argument("task")
    p.add_argument("--title")
    p.add_argument("--status", choices=["open", "in_progress", "done"])

    conf = cmd("config", "show and change settings")
    csub = conf.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    csub.required = True
    cmd("list", "list settings", csub)
    p = cmd("get", "show one setting", csub)
    p.add_argument("key")
    p = cmd("set", "change one setting", csub)
    p.add_argument("key")
    p.add_argument("value")

    p = cmd("start", "start the timer on a task (stops the running one at that instant)")
    p.add_argument("task", help="task id, or 'Project/Task title'")
    p.add_argument("--at", help="start time (HH:MM today, or RFC 3339)")
    p.add_argument("--note", default="")
    p = cmd("stop", "stop the running timer")
    p.add_argument("--at", help="stop time (HH:MM today, or RFC 3339)")
    cmd("status", "what is running, and for how long")

    p = cmd("add", "add a manual entry")
    p.add_argument("task")
    p.add_argument("--from", dest="start", metavar="T")
    p.add_argument("--to", dest="end", metavar="T")
    p.add_argument("--duration", metavar="D", help="1h30m, 90m or 1:30")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the local day (default today)")
    p.add_argument("--at", metavar="HH:MM", help="start of a --duration entry")
    p.add_argument("--note", default="")

    p = cmd("log", "list entries")
    p.add_argument("--from", dest="from_day", metavar="DATE")
    p.add_argument("--to", dest="to_day", metavar="DATE")

    p = cmd("edit", "change an entry")
    p.add_argument("id")
    p.add_argument("--from", dest="start", metavar="T")
    p.add_argument("--to", dest="end", metavar="T")
    p.add_argument("--task")
    p.add_argument("--note")
    p = cmd("split", "split an entry in two at a time")
    p.add_argument("id")
    p.add_argument("--at", required=True, metavar="T")
    p = cmd("delete", "delete an entry (the deletion syncs too)")
    p.add_argument("id")
    p = cmd("restore", "bring back a deleted entry as it was (undo a delete)")
    p.add_argument("id", help="the id `tracker delete` printed")

    p = cmd("totals", "totals by project, task, day or week")
    p.add_argument("--by", choices=["project", "task", "day", "week"], default="project")
    p.add_argument("--from", dest="from_day", metavar="DATE")
    p.add_argument("--to", dest="to_day", metavar="DATE")

    p = cmd("login", "sign in to a server (the token goes into the OS keyring)")
    p.add_argument("url", help="the server, e.g. https://tracker.example.com")
    p.add_argument("--email", required=True)
    cmd("logout", "revoke this device's sign-in on the server and forget it here")
    cmd("sync", "push local changes and pull the server's, once")
    p = cmd("copy-conflict", "copy your refused change of a locked entry as a new entry")
    p.add_argument("id", help="the entry `tracker sync` reported as locked")
    p.add_argument("--from", dest="start", metavar="T", help="start of the copy (default: yours)")
    p.add_argument("--to", dest="end", metavar="T", help="end of the copy (default: same length)")

    p = cmd("export", "export entries as CSV or JSON")
    p.add_argument("--format", choices=["csv", "json"], required=True)
    p.add_argument("--from", dest="from_day", metavar="DATE")
    p.add_argument("--to", dest="to_day", metavar="DATE")
    p.add_argument("-o", "--output", metavar="FILE")

    p = cmd("activity", "activity per 10-minute slot (active seconds, %, event counts)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the local day (default today)")
    shots = cmd("screenshots", "the screenshots kept on this computer")
    ssub = shots.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    ssub.required = True
    p = cmd("list", "list screenshots and when each leaves the machine", ssub)
    p.add_argument("--date", metavar="YYYY-MM-DD", help="only this local day")
    p = cmd("delete", "delete a screenshot (on the server too once uploaded)", ssub)
    p.add_argument("id")
    return parser


# -- output -------------------------------------------------------------------------------------


class Out:
    def __init__(self, as_json: bool, tz: ZoneInfo) -> None:
        self.json = as_json
        self.tz = tz

    def data(self, obj: Any) -> None:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")

    def line(self, text: str = "") -> None:
        sys.stdout.write(text + "\n")

    def entry(self, e: Interval, now: datetime) -> dict[str, Any]:
        return {
            "id": e.id,
            "task_id": e.task_id,
            "task": e.task_title,
            "project_id": e.project_id,
            "project": e.project_name,
            "started_at": rfc3339_local(e.started_at, self.tz),
            "ended_at": rfc3339_local(e.ended_at, self.tz),
            "duration_seconds": e.duration_seconds(now),
            "note": e.note,
            "source": e.source.value,
            "sync_state": e.sync_state.value,
            "revision": e.revision,
        }

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


# -- commands -----------------------------------------------------------------------------------


def _on_day(text: str | None, tz: ZoneInfo, day: date) -> datetime | None:
    return None if text is None else parse_instant(text, tz, day)


def _days(args: argparse.Namespace) -> tuple[date | None, date | None]:
    lo = parse_date(args.from_day) if args.from_day else None
    hi = parse_date(args.to_day) if args.to_day else None
    if lo and hi and hi < lo:
        raise InvalidInput(f"--to {hi} is before --from {lo}: swap them")
    return lo, hi


def run(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    as_json = getattr(args, "json", False)
    if args.command is None:
        if _no_display():
            raise TrackerError(
                "no display: the tray app needs a graphical session (DISPLAY or "
                "WAYLAND_DISPLAY is unset); the `tracker` commands work in any terminal"
            )
        from .app import main as app_main  # the GUI is imported only here (lazily)

        return app_main(getattr(args, "data_dir", None))

    from .clock import SystemClock
    from .paths import data_dir, user_zone
    from .service import Tracker
    from .store import open_store

    tz = user_zone()
    store = open_store(data_dir(getattr(args, "data_dir", None)))
    try:
        svc = Tracker(store, SystemClock(), tz)
        return _dispatch(svc, args, Out(as_json, tz))
    finally:
        store.close()


def _no_display() -> bool:
    """True on Linux/BSD when Qt would find no screen (it would abort the process)."""
    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _dispatch(svc: Any, args: argparse.Namespace, out: Out) -> int:
    from .totals import GroupBy

    tz = svc.tz
    today = svc.clock.now().astimezone(tz).date()
    c = args.command
    if c == "project":
        if args.action == "add":
            p = svc.add_project(args.name, args.client)
            out.data(out.project(p)) if out.json else out.line(f"Created project {p.name}\n{p.id}")
        elif args.action == "list":
            projects = svc.store.list_projects()
            if out.json:
                out.data([out.project(p) for p in projects])
            else:
                for p in projects:
                    flags = [p.origin.value] + (["archived"] if p.archived else [])
                    client = f" [{p.client}]" if p.client else ""
                    out.line(f"{p.id}  {p.name}{client} ({', '.join(flags)})")
                if not projects:
                    out.line("No projects yet: `tracker project add NAME`")
        else:
            onoff = {"on": True, "off": False, None: None}
            p = svc.set_project(args.project, args.name, onoff[args.screenshots],
                                onoff[args.blur], onoff[args.archived])  # fmt: skip
            out.data(out.project(p)) if out.json else out.line(f"Updated project {p.name}\n{p.id}")
    elif c == "task":
        if args.action == "add":
            t = svc.add_task(args.project, args.title)
            out.data(out.task(t)) if out.json else out.line(f"Created task {t.label}\n{t.id}")
        elif args.action == "list":
            pid = svc.project(args.project).id if args.project else None
            tasks = svc.store.list_tasks(pid)
            if out.json:
                out.data([out.task(t) for t in tasks])
            else:
                for t in tasks:
                    out.line(f"{t.id}  {t.label} ({t.status.value})")
                if not tasks:
                    out.line("No tasks yet: `tracker task add PROJECT TITLE`")
        else:
            t = svc.set_task(args.task, args.title, args.status)
            out.data(out.task(t)) if out.json else out.line(f"Updated task {t.label}\n{t.id}")
    elif c == "config":
        if args.action == "list":
            values = svc.config_list()
            if out.json:
                out.data(values)
            else:
                for k, v in values.items():
                    out.line(f"{k} = {v}")
        elif args.action == "get":
            v = svc.config_get(args.key)
            out.data({"key": args.key, "value": v}) if out.json else out.line(v)
        else:
            v = svc.config_set(args.key, args.value)
            out.data({"key": args.key, "value": v}) if out.json else out.line(f"{args.key} = {v}")
    elif c == "start":
        plan = svc.start(args.task, _on_day(args.at, tz, today), args.note)
        # Re-read for the sync state; another process may have discarded it meanwhile (a start
        # in the same second), and then the plan is what happened.
        new = svc.store.get_interval(plan.new.id) or plan.new
        now = svc.clock.now()
        if out.json:
            obj = out.entry(new, now)
            if plan.stopped is not None:
                stopped = svc.store.get_interval(plan.stopped.id) or plan.stopped
                obj["stopped"] = out.entry(stopped, now)
            out.data(obj)
        else:
            if plan.stopped is not None:
                s = svc.store.get_interval(plan.stopped.id) or plan.stopped
                out.line(f"Stopped {s.project_name}/{s.task_title} after "
                         f"{hms(s.duration_seconds(now))}")  # fmt: skip
            out.line(f"Started {new.project_name}/{new.task_title} at "
                     f"{new.started_at.astimezone(tz):%H:%M:%S}\n{new.id}")  # fmt: skip
    elif c == "stop":
        running = svc.store.running()
        ended = svc.stop(_on_day(args.at, tz, today))
        now = svc.clock.now()
        if ended is None:
            msg = "Stopped within the second it started: no entry kept"
            gone = running.id if running else None  # None: it started after we looked
            out.data({"stopped": None, "discarded": gone}) if out.json else out.line(msg)
        else:
            e = svc.store.get_interval(ended.id)
            if out.json:
                out.data(out.entry(e, now))
            else:
                out.line(f"Stopped {e.project_name}/{e.task_title} after "
                         f"{hms(e.duration_seconds(now))}\n{e.id}")  # fmt: skip
    elif c == "status":
        st = svc.status()
        signed_in = bool(svc.store.get_setting("server.url") or os.environ.get("TRACKER_TOKEN"))
        if out.json:
            r = st.running
            obj: dict[str, Any] = {
                "running": r is not None,
                "id": r.id if r else None,
                "task_id": r.task_id if r else None,
                "task": r.task_title if r else None,
                "project_id": r.project_id if r else None,
                "project": r.project_name if r else None,
                "started_at": rfc3339_local(r.started_at, tz) if r else None,
                "elapsed_seconds": st.elapsed_seconds,
                "elapsed": hms(st.elapsed_seconds),
                "today_seconds": st.today_seconds,
                "week_seconds": st.week_seconds,
                "pending_sync": st.pending,
                "last_sync": st.last_sync,
                "signed_in": signed_in,
                "sync_problems": _sync_problems(svc.store) if signed_in else {},
            }
            out.data(obj)
        else:
            r = st.running
            if r:
                out.line(f"Running: {r.project_name}/{r.task_title}  {hms(st.elapsed_seconds)} "
                         f"(since {r.started_at.astimezone(tz):%Y-%m-%d %H:%M:%S})")  # fmt: skip
            else:
                out.line("Nothing running")
            out.line(f"Today {hms(st.today_seconds)} · Week {hms(st.week_seconds)}")
            if signed_in:
                problems = _sync_problems(svc.store)
                extra = "".join(f"; {n} {k}" for k, n in sorted(problems.items()))
                out.line(f"Sync: {st.pending} pending{extra}; last sync {st.last_sync or 'never'}")
    elif c == "add":
        day = parse_date(args.date) if args.date else today
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
    elif c == "log":
        lo, hi = _days(args)
        entries = svc.log(lo, hi)
        now = svc.clock.now()
        if out.json:
            out.data([out.entry(e, now) for e in entries])
        else:
            for e in entries:
                note = f"  {e.note}" if e.note else ""
                where = f"{e.project_name}/{e.task_title}"
                out.line(f"{e.id}  {out.span(e)}  {hms(e.duration_seconds(now))}  "
                         f"{where}  [{e.sync_state.value}]{note}")  # fmt: skip
            if not entries:
                out.line("No entries")
    elif c == "edit":
        e0 = svc.entry(args.id)
        day = e0.started_at.astimezone(tz).date()
        start = _on_day(args.start, tz, day)
        end = _on_day(args.end, tz, day)
        clock_time = args.end and ":" in args.end[:3] and "T" not in args.end.upper()
        # HH:MM for the end of an entry that crosses midnight means the next day.
        if end is not None and clock_time and end <= (start or e0.started_at):
            nxt = parse_instant(args.end, tz, day + timedelta(days=1))
            if nxt - (start or e0.started_at) < timedelta(hours=24):
                end = nxt
        e = svc.edit(args.id, start, end, args.task, args.note)
        now = svc.clock.now()
        if out.json:
            out.data(out.entry(e, now))
        else:
            out.line(f"Edited {out.span(e)} {e.project_name}/{e.task_title}\n{e.id}")
    elif c == "split":
        e0 = svc.entry(args.id)
        at = parse_instant(args.at, tz, e0.started_at.astimezone(tz).date())
        if at <= e0.started_at and ":" in args.at[:3]:
            at = parse_instant(args.at, tz, e0.started_at.astimezone(tz).date() + timedelta(days=1))
        first, second = svc.split(args.id, at)
        now = svc.clock.now()
        if out.json:
            out.data([out.entry(first, now), out.entry(second, now)])
        else:
            out.line(
                f"Split into {out.span(first)} and {out.span(second)}\n{first.id}\n{second.id}"
            )
    elif c == "delete":
        gone = svc.delete(args.id)
        if out.json:
            out.data({"id": gone.id, "deleted": True})
        else:
            out.line(f"Deleted entry\n{gone.id}")
    elif c == "restore":
        back = svc.restore(args.id)
        if out.json:
            out.data(out.entry(back, svc.clock.now()))
        else:
            out.line(f"Restored {out.span(back)} {back.project_name}/{back.task_title} ({back.id})")
    elif c == "totals":
        lo, hi = _days(args)
        rows = svc.totals(GroupBy(args.by), lo, hi)
        if out.json:
            out.data([
                {"key": r.key, **({"name": r.name} if r.name is not None else {}),
                 "seconds": r.seconds}
                for r in rows
            ])  # fmt: skip
        else:
            for r in rows:
                label = r.name if r.name is not None else r.key
                out.line(f"{hms(r.seconds):>12}  {label}")
            out.line(f"{hms(sum(r.seconds for r in rows)):>12}  Total")
    elif c in ("login", "logout", "sync"):
        return _sync_command(svc, args, out)
    elif c == "copy-conflict":
        return _copy_conflict(svc, args, out)
    elif c in ("activity", "screenshots"):
        return _capture_command(svc, args, out)
    elif c == "export":
        lo, hi = _days(args)
        entries = svc.log(lo, hi)
        _export(entries, args.format, args.output, out, svc.clock.now())
    return 0


def _sync_problems(store: Any) -> dict[str, int]:
    from .store import sync_state

    return sync_state.counts(store)


def _password() -> str:
    env = os.environ.get("TRACKER_PASSWORD")
    if env:
        return env
    if not sys.stdin.isatty():
        raise InvalidInput("no password: set TRACKER_PASSWORD or run `tracker login` in a terminal")
    import getpass

    pw = getpass.getpass("Password: ")
    if not pw:
        raise InvalidInput("no password given: run `tracker login` again")
    return pw


def _sync_command(svc: Any, args: argparse.Namespace, out: Out) -> int:
    from .sync import session

    store = svc.store
    if args.command == "login":
        who = session.login(store, args.url, args.email.strip(), _password())
        if out.json:
            out.data({"server": who.url, "email": who.email, "user_id": who.user_id,
                      "name": who.name, "role": who.role})  # fmt: skip
        else:
            out.line(f"Signed in to {who.url} as {who.email} ({who.role}); "
                     "run `tracker sync` to sync")  # fmt: skip
        return 0
    if args.command == "logout":
        url, revoked = session.logout(store)
        if out.json:
            out.data({"server": url, "revoked": revoked})
        elif url is None:
            out.line("Not signed in")
        else:
            how = "revoked on the server" if revoked else "server unreachable: not revoked there"
            out.line(f"Signed out of {url} ({how}); the token is gone from this device")
        return 0
    from .sync.transport import import_requests

    import_requests(detect_charset=False)  # this process only decodes JSON (saves ~10 ms)
    report = session.sync_once(store, svc.tz)
    from .store import sync_state

    problems = sync_state.problems(store)
    if out.json:
        obj = report.as_dict()
        obj["problems"] = [{"id": i, "sync_state": st, "detail": d} for i, st, d in problems]
        out.data(obj)
        return 0
    p = report.pulled
    out.line(
        f"Pushed {report.sent} entries ({report.accepted} accepted, {report.conflicts} "
        f"conflicts, {report.rejected} rejected) and {report.tasks_pushed} tasks"
    )
    out.line(
        f"Pulled {sum(p.values())} changes: {p['project']} projects, {p['task']} tasks, "
        f"{p['interval']} entries ({report.applied} applied, {report.tombstones} deletions)"
    )
    c = report.capture
    if c.moved:
        out.line(
            f"Pushed {c.slots_sent} activity slots ({c.slots_accepted} accepted, "
            f"{c.slots_rejected} rejected); screenshots: {c.shots_uploaded} uploaded, "
            f"{c.shots_deleted} deleted on the server, {c.shots_local_only} kept on this "
            f"computer, {c.shots_rejected} refused"
        )
    for k, n in sorted(report.capture_problems.items()):
        out.line(f"Capture: {n} {k} (see `tracker activity` / `tracker screenshots list`)")
    for n in report.notices:
        out.line(f"Note: {n}")
    for i, st, d in problems[:20]:
        out.line(f"{st}: {i}  {d or ''}".rstrip())
    extra = "".join(f", {n} {k}" for k, n in sorted(report.problems.items()))
    out.line(f"Synced: {report.pending} pending{extra}; last sync {report.last_success}")
    return 0


def _copy_conflict(svc: Any, args: argparse.Namespace, out: Out) -> int:
    """server-spec §6.8: the server won on a locked entry; offer the user's values as a new one."""
    from .store import sync_state

    tz = svc.tz
    svc.entry(args.id)  # an unknown id is refused with the usual line
    mine = sync_state.locked_local_copy(svc.store, args.id)
    if mine is None:
        raise InvalidInput(
            f"entry {args.id} has no refused change to copy (only entries `tracker sync` "
            "reported as locked have one)"
        )
    if mine.deleted:
        raise InvalidInput("your refused change was a deletion: there is nothing to copy")
    if mine.ended_at is None:
        raise InvalidInput("your refused change was a running timer: start a new timer instead")
    start = datetime.fromtimestamp(mine.started_at, UTC)
    end = datetime.fromtimestamp(mine.ended_at, UTC)
    day = start.astimezone(tz).date()
    new_start = _on_day(args.start, tz, day) or start
    new_end = _on_day(args.end, tz, new_start.astimezone(tz).date())
    if new_end is None:
        new_end = new_start + (end - start)
    e = svc.add(mine.task_id, new_start, new_end, note=mine.note)
    with svc.store.transaction():
        sync_state.locked_copied(svc.store, args.id)
    e = svc.store.get_interval(e.id) or e  # with its sync state
    if out.json:
        out.data(out.entry(e, svc.clock.now()))
    else:
        out.line(f"Copied as a new entry {out.span(e)} {e.project_name}/{e.task_title} "
                 "(pushed at the next sync)")  # fmt: skip
        out.line(e.id)
    return 0


def _capture_command(svc: Any, args: argparse.Namespace, out: Out) -> int:
    """`tracker activity` and `tracker screenshots list|delete` (issue 6)."""
    tz = svc.tz
    if args.command == "activity":
        day = parse_date(args.date) if args.date else None
        rows = svc.activity(day)
        if out.json:
            out.data([
                {"id": r.slot.id, "interval_id": r.slot.interval_id,
                 "slot_start": rfc3339_local(datetime.fromtimestamp(r.slot.slot_start, UTC), tz),
                 "slot_seconds": r.slot.slot_seconds, "active_seconds": r.slot.active_seconds,
                 "percent": r.slot.percent, "keyboard_events": r.slot.keyboard_events,
                 "mouse_events": r.slot.mouse_events, "task": r.task_title,
                 "project": r.project_name}
                for r in rows
            ])  # fmt: skip
            return 0
        if not rows:
            out.line("No activity recorded that day (the app records it while a timer runs)")
            return 0
        out.line(f"{'slot':<6} {'active':>7} {'of':>6} {'%':>4} {'keys':>6} {'mouse':>6}  task")
        for r in rows:
            s = r.slot
            at = datetime.fromtimestamp(s.slot_start, UTC).astimezone(tz)
            out.line(f"{at:%H:%M}  {hms(s.active_seconds)[-5:]:>7} {hms(s.slot_seconds)[-5:]:>6} "
                     f"{s.percent:>3}% {s.keyboard_events:>6} {s.mouse_events:>6}  "
                     f"{r.project_name} / {r.task_title}")  # fmt: skip
        return 0
    if args.action == "delete":
        shot = svc.delete_screenshot(args.id)
        if out.json:
            out.data({"id": shot.id, "deleted": True, "uploaded": shot.uploaded})
        else:
            where = " (the server copy is deleted at the next sync)" if shot.uploaded else ""
            out.line(f"Deleted screenshot{where}\n{shot.id}")
        return 0
    from .store.capture import shot_status

    day = parse_date(args.date) if args.date else None
    shots = svc.screenshots(day)
    review = int(svc.config_get("screenshots.review_minutes"))
    now = svc.clock.now()
    if out.json:
        out.data([
            {"id": s.id, "interval_id": s.interval_id, "taken_at": rfc3339_local(s.taken_at, tz),
             "monitor": s.monitor, "width": s.width, "height": s.height, "bytes": s.bytes,
             "sha256": s.sha256, "blurred": s.blurred, "uploaded": s.uploaded,
             "sync_status": shot_status(svc.store, s.id)[0],
             "leaves_at": rfc3339_local(svc.review_ends(s, review), tz), "path": str(s.path),
             "task": s.task_title, "project": s.project_name}
            for s in shots
        ])  # fmt: skip
        return 0
    if not shots:
        out.line("No screenshots (they are off unless a project switches them on)")
        return 0
    for s in shots:
        leaves = svc.review_ends(s, review)
        status, detail = shot_status(svc.store, s.id)
        if s.uploaded:
            state = "uploaded"
        elif status == "local_only":
            state = f"stays on this computer (the server said {detail})"
        elif status == "rejected":
            state = f"not accepted by the server ({detail}); retried at the next sync"
        elif s.project_origin == "local":
            state = "stays on this computer (local project)"
        elif leaves <= now:
            state = "waiting for the next sync"
        else:
            state = f"leaves the machine at {leaves.astimezone(tz):%H:%M}"
        blur = " blurred" if s.blurred else ""
        taken = f"{s.taken_at.astimezone(tz):%Y-%m-%d %H:%M}"
        out.line(f"{s.id}  {taken}  {s.width}x{s.height}{blur}  {s.bytes // 1024} KiB  "
                 f"{s.project_name} / {s.task_title}  {state}")  # fmt: skip
    return 0


def _export(entries: list[Interval], fmt: str, output: str | None, out: Out, now: datetime) -> None:
    rows = [out.entry(e, now) for e in entries]
    if fmt == "json":
        text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    else:
        buf = io.StringIO()
        fields = ["id", "project", "task", "started_at", "ended_at", "duration_seconds", "note",
                  "source", "sync_state", "project_id", "task_id"]  # fmt: skip
        w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        text = buf.getvalue()
    if output is None or output == "-":
        sys.stdout.write(text)
        return
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
    sys.stderr.write(f"Exported {len(rows)} entries to {path}\n")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except TrackerError as exc:
        sys.stderr.write(f"tracker: {exc.message}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("tracker: interrupted; nothing half-written was kept\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: one line, details in the log
        where = _log_crash(exc)
        sys.stderr.write(
            f"tracker: unexpected error ({type(exc).__name__}: {exc}); nothing half-written "
            f"was kept; details in {where}\n"
        )
        return 1


def _log_crash(exc: BaseException) -> str:
    import logging

    try:
        from .logs import setup

        path = setup()
        logging.getLogger("tracker.cli").error("unexpected error", exc_info=exc)
        return str(path)
    except Exception:
        return "(no log file could be written)"
