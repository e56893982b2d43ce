"""`tracker start`, `tracker stop` and `tracker status`."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from ..timeparse import hms, rfc3339_local
from .base import Commands, Out, on_day, today

if TYPE_CHECKING:
    from ..service import Tracker


def register(commands: Commands) -> None:
    p = commands.add("start", "start the timer on a task (stops the running one at that instant)",
                     run_start)  # fmt: skip
    p.add_argument("task", help="task id, or 'Project/Task title'")
    p.add_argument("--at", help="start time (HH:MM today, or RFC 3339)")
    p.add_argument("--note", default="")
    p.add_argument(
        "--create", action="store_true", help="make the 'Project/Task' it names when missing"
    )
    p = commands.add("stop", "stop the running timer", run_stop)
    p.add_argument("--at", help="stop time (HH:MM today, or RFC 3339)")
    commands.add("status", "what is running, and for how long", run_status)


def run_start(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    tz = svc.tz
    at = on_day(args.at, tz, today(svc))
    made = None
    if args.create:
        with svc.store.transaction():  # a task made here exists only if its timer starts
            made = svc.quick_task(args.task)
            plan = svc.start(made.task.id, at, args.note)
    else:  # its own transaction: another process may write the moment it commits
        plan = svc.start(args.task, at, args.note)
    # Re-read for the sync state; another process may have discarded it meanwhile (a start
    # in the same second), and then the plan is what happened.
    new = svc.store.get_interval(plan.new.id) or plan.new
    now = svc.clock.now()
    if out.json:
        obj = out.entry(new, now)
        if plan.stopped is not None:
            stopped = svc.store.get_interval(plan.stopped.id) or plan.stopped
            obj["stopped"] = out.entry(stopped, now)
        if made is not None:
            obj["created"] = {"task": made.new_task, "project": made.new_project}
        out.data(obj)
    else:
        if made is not None and made.new_task:
            what = "project and task" if made.new_project else "task"
            out.line(f"Created {what} {made.task.project_name}/{made.task.title}")
        if plan.stopped is not None:
            s = svc.store.get_interval(plan.stopped.id) or plan.stopped
            out.line(f"Stopped {s.project_name}/{s.task_title} after "
                     f"{hms(s.duration_seconds(now))}")  # fmt: skip
        out.line(f"Started {new.project_name}/{new.task_title} at "
                 f"{new.started_at.astimezone(tz):%H:%M:%S}\n{new.id}")  # fmt: skip


def run_stop(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    running = svc.store.running()
    ended = svc.stop(on_day(args.at, svc.tz, today(svc)))
    now = svc.clock.now()
    if ended is None:
        msg = "Stopped within the second it started: no entry kept"
        gone = running.id if running else None  # None: it started after we looked
        out.data({"stopped": None, "discarded": gone}) if out.json else out.line(msg)
        return
    e = svc.store.get_interval(ended.id)
    if out.json:
        out.data(out.entry(e, now))
    else:
        out.line(f"Stopped {e.project_name}/{e.task_title} after "
                 f"{hms(e.duration_seconds(now))}\n{e.id}")  # fmt: skip


def _sync_problems(store: Any) -> dict[str, int]:
    from ..store import sync_state

    return sync_state.counts(store)


def run_status(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    tz = svc.tz
    st = svc.status()
    signed_in = bool(svc.store.get_setting("server.url") or os.environ.get("TRACKER_TOKEN"))
    r = st.running
    if out.json:
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
        return
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
