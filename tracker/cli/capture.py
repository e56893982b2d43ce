"""`tracker activity` and `tracker screenshots list|delete`: what capture kept (issue 6)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..timeparse import hms, parse_date, rfc3339_local
from .base import DAY_HELP, DAY_WORDS, Commands, Out, today

if TYPE_CHECKING:
    from ..service import Tracker


def register(commands: Commands) -> None:
    p = commands.add("activity", "activity per 10-minute slot (active seconds, %, event counts)",
                     run_activity)  # fmt: skip
    p.add_argument("--date", metavar="YYYY-MM-DD", help=DAY_HELP)
    shots = commands.group("screenshots", "the screenshots kept on this computer",
                           run_screenshots)  # fmt: skip
    p = shots.add("list", "list screenshots and when each leaves the machine")
    p.add_argument("--date", metavar="YYYY-MM-DD", help=f"only this local day: {DAY_WORDS}")
    p = shots.add("delete", "delete a screenshot (on the server too once uploaded)")
    p.add_argument("id")


def run_activity(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    tz = svc.tz
    day = parse_date(args.date, today(svc)) if args.date else None
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
        return
    if not rows:
        out.line("No activity recorded that day (the app records it while a timer runs)")
        return
    out.line(f"{'slot':<6} {'active':>7} {'of':>6} {'%':>4} {'keys':>6} {'mouse':>6}  task")
    for r in rows:
        s = r.slot
        at = datetime.fromtimestamp(s.slot_start, UTC).astimezone(tz)
        out.line(f"{at:%H:%M}  {hms(s.active_seconds)[-5:]:>7} {hms(s.slot_seconds)[-5:]:>6} "
                 f"{s.percent:>3}% {s.keyboard_events:>6} {s.mouse_events:>6}  "
                 f"{r.project_name} / {r.task_title}")  # fmt: skip


def run_screenshots(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    if args.action == "delete":
        shot = svc.delete_screenshot(args.id)
        if out.json:
            out.data({"id": shot.id, "deleted": True, "uploaded": shot.uploaded})
        else:
            where = " (the server copy is deleted at the next sync)" if shot.uploaded else ""
            out.line(f"Deleted screenshot{where}\n{shot.id}")
        return
    from ..store.capture import shot_status

    tz = svc.tz
    day = parse_date(args.date, today(svc)) if args.date else None
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
        return
    if not shots:
        out.line("No screenshots (they are off unless a project switches them on)")
        return
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
