"""`tracker login`, `logout`, `sync` and `copy-conflict`: the server side of the command."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..errors import InvalidInput
from .base import Commands, Out, on_day

if TYPE_CHECKING:
    from ..service import Tracker


def register(commands: Commands) -> None:
    p = commands.add("login", "sign in to a server (the token goes into the OS keyring)",
                     run_login)  # fmt: skip
    p.add_argument("url", help="the server, e.g. https://tracker.example.com")
    p.add_argument("--email", required=True)
    commands.add("logout", "revoke this device's sign-in on the server and forget it here",
                 run_logout)  # fmt: skip
    commands.add("sync", "push local changes and pull the server's, once", run_sync)
    p = commands.add("copy-conflict", "copy your refused change of a locked entry as a new entry",
                     run_copy_conflict)  # fmt: skip
    p.add_argument("id", help="the entry `tracker sync` reported as locked")
    p.add_argument("--from", dest="start", metavar="T", help="start of the copy (default: yours)")
    p.add_argument("--to", dest="end", metavar="T", help="end of the copy (default: same length)")


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


def run_login(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    from ..sync import session

    who = session.login(svc.store, args.url, args.email.strip(), _password())
    if out.json:
        out.data({"server": who.url, "email": who.email, "user_id": who.user_id,
                  "name": who.name, "role": who.role})  # fmt: skip
    else:
        out.line(f"Signed in to {who.url} as {who.email} ({who.role}); "
                 "run `tracker sync` to sync")  # fmt: skip


def run_logout(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    from ..sync import session

    url, revoked = session.logout(svc.store)
    if out.json:
        out.data({"server": url, "revoked": revoked})
    elif url is None:
        out.line("Not signed in")
    else:
        how = "revoked on the server" if revoked else "server unreachable: not revoked there"
        out.line(f"Signed out of {url} ({how}); the token is gone from this device")


def run_sync(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    from ..store import sync_state
    from ..sync import session
    from ..sync.transport import import_requests

    store = svc.store
    import_requests(detect_charset=False)  # this process only decodes JSON (saves ~10 ms)
    report = session.sync_once(store, svc.tz)
    problems = sync_state.problems(store)
    if out.json:
        obj = report.as_dict()
        obj["problems"] = [{"id": i, "sync_state": st, "detail": d} for i, st, d in problems]
        out.data(obj)
        return
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


def run_copy_conflict(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    """server-spec §6.8: the server won on a locked entry; offer the user's values as a new one."""
    from ..store import sync_state

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
    new_start = on_day(args.start, tz, day) or start
    new_end = on_day(args.end, tz, new_start.astimezone(tz).date())
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
