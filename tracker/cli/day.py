"""`tracker day`: a local day accounted for, second by second (contract §2)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..timeparse import parse_date, rfc3339_local
from .base import DAY_HELP, Commands, Out, today

if TYPE_CHECKING:
    from ..service import Tracker

LABELS = {
    "tracked": "tracked",
    "away_kept": "away, kept",
    "away_discarded": "away, discarded",
    "asleep": "asleep",
    "untracked": "untracked",
}


def register(commands: Commands) -> None:
    p = commands.add("day", "a day accounted for: tracked, away (kept or discarded), asleep "
                     "and untracked time, which sum to the span", run_day)  # fmt: skip
    p.add_argument("--date", metavar="YYYY-MM-DD", help=DAY_HELP)


def hm(seconds: int) -> str:
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"


def run_day(svc: Tracker, args: argparse.Namespace, out: Out) -> None:
    d = svc.day(parse_date(args.date, today(svc)) if args.date else None)
    a = d.account

    def at(t: int) -> datetime:
        return datetime.fromtimestamp(t, UTC)

    if out.json:
        doc: dict[str, Any] = {"date": d.day.isoformat(), "span_seconds": a.span_seconds}
        doc.update({f"{k}_seconds": a[k] for k in LABELS})
        doc["gaps"] = [{"from": rfc3339_local(at(g.start), out.tz),
                        "to": rfc3339_local(at(g.end), out.tz), "kind": g.kind}
                       for g in a.gaps]  # fmt: skip
        out.data(doc)
        return
    if a.span_seconds == 0:
        out.line(f"{d.day}: nothing recorded (no entries, and the app did not run)")
        return
    local = lambda t: f"{at(t).astimezone(out.tz):%H:%M}"  # noqa: E731
    out.line(f"{d.day}  {local(a.start)}–{local(a.end)}  span {hm(a.span_seconds)}")
    for k, label in LABELS.items():
        out.line(f"  {label:<16} {hm(a[k]):>6}")
    if a.gaps:
        out.line("Not tracked:")
    for g in a.gaps:
        what = LABELS[g.kind] + ("" if g.app_running else " (the app was not running)")
        out.line(f"  {local(g.start)}–{local(g.end)}  {hm(g.seconds):>5}  {what}")
