"""One recorded day, 2026-11-20 in Europe/Berlin, written through the service with a fixed clock
(the CLI and UI tests of the day's account share it):

    08:30–16:30  the app runs (one session, last beat at 16:30)
    09:00–15:00  a Homepage timer; away 11:30–12:00 answered "keep", away 12:00–13:00 answered
                 "discard" (the entry is cut there: 09:00–12:00 and 13:00–15:00)
    15:00–15:30  asleep (a suspend)
    17:30–18:00  Checkout, added by hand after the app was closed

So the span is 08:30–18:00 (9:30): tracked 5:00, away kept 0:30, away discarded 1:00, asleep
0:30, untracked 2:30 (08:30–09:00 and 15:30–16:30 with the app running, 16:30–17:30 without).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tracker.clock import FixedClock
from tracker.service import Tracker

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 20)
SPAN = 9 * 3600 + 1800
EXPECTED = {"tracked": 5 * 3600, "away_kept": 1800, "away_discarded": 3600, "asleep": 1800,
            "untracked": 2 * 3600 + 1800}  # fmt: skip


def at(hm: str) -> datetime:
    h, m = map(int, hm.split(":"))
    return datetime(DAY.year, DAY.month, DAY.day, h, m, tzinfo=BERLIN).astimezone(UTC)


def seed_day(store) -> Tracker:
    clock = FixedClock(at("08:30"))
    svc = Tracker(store, clock, BERLIN)
    svc.app_started("00000000-0000-7000-8000-00000000a990")
    svc.add_project("Globex site")
    home = svc.add_task("Globex site", "Homepage")
    checkout = svc.add_task("Globex site", "Checkout")
    clock.set(at("09:00"))
    svc.start(home.id)
    clock.set(at("15:00"))
    entry = svc.stop()
    svc.answer_away(entry.id, at("11:30"), at("12:00"), "keep")
    svc.answer_away(entry.id, at("12:00"), at("13:00"), "discard")
    clock.set(at("15:30"))
    svc.record_sleep(at("15:00"), at("15:30"), "clock")
    clock.set(at("16:30"))
    svc.app_alive("00000000-0000-7000-8000-00000000a990")
    clock.set(at("18:30"))
    svc.add(checkout.id, start=at("17:30"), end=at("18:00"))
    return svc
