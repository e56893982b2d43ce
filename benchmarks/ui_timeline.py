"""Paint time of the Day tab's timeline strip, offscreen.

A fixed day (2026-11-25 in Europe/Berlin) with 500 entries over 20 projects, the last one
running; the strip 1200 px wide. Each run renders the widget into an image (its paintEvent plus
Qt's render set-up); the same render of an empty strip is the floor. Also times ``day_strip``,
the pure step that turns the entries into plain values on the worker thread.

PySide6-Essentials 6.12.0 on CPython 3.11 drops a reference to ``None`` in every binding call
that returns nothing (``None`` is immortal only from 3.12), so a process aborts with
"deallocating None" after a few thousand such calls. The script prints how many references one
paint drops and, between timed runs, gives them back, so that it can run to the end.

    .venv/bin/python benchmarks/ui_timeline.py [--entries 500] [--runs 200] [--width 1200]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import PySide6
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from tracker.model import Interval
from tracker.timeparse import local_day_bounds
from tracker.ui.timeline_view import TimelineView, day_strip

PYSIDE = PySide6.__version__
ZONE = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 25)


def entries(n: int) -> list[Interval]:
    """``n`` back-to-back entries with short gaps filling the day; the last one runs."""
    lo, hi = local_day_bounds(DAY, ZONE)
    slot = (hi - lo) / n
    out = []
    for i in range(n):
        start = lo + slot * i
        end = None if i == n - 1 else start + slot * 0.8
        out.append(
            Interval(
                id=f"e{i:04d}",
                task_id=f"t{i % 60}",
                started_at=start,
                ended_at=end,
                project_id=f"0190c0de-0000-7000-8000-{i % 20:012d}",
                project_name=f"Project {i % 20}",
                task_title=f"Task {i % 60}",
            )
        )
    return out


def none_refs_dropped(fn) -> int:
    before = sys.getrefcount(None)
    fn()
    return max(0, before - sys.getrefcount(None))


def give_back(n: int) -> None:
    """Restore references to ``None`` that the bindings dropped (see the docstring)."""
    for _ in range(n):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(None))


def median_ms(fn, runs: int) -> tuple[float, float]:
    for _ in range(10):  # warm up (fonts, glyph caches)
        give_back(none_refs_dropped(fn))
    times = []
    for _ in range(runs):
        before = sys.getrefcount(None)
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        give_back(max(0, before - sys.getrefcount(None)))
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=500)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--width", type=int, default=1200)
    args = ap.parse_args()

    app = QApplication.instance() or QApplication(sys.argv)
    rows = entries(args.entries)
    now = int((rows[-1].started_at + timedelta(minutes=1)).timestamp())
    view = TimelineView()
    view.resize(args.width, view.sizeHint().height())
    img = QImage(view.size(), QImage.Format.Format_ARGB32_Premultiplied)

    def paint() -> None:
        view.render(img)

    build, build90 = median_ms(lambda: day_strip(rows, DAY, ZONE), max(20, args.runs // 10))
    view.set_strip(day_strip([], DAY, ZONE), now)
    empty, empty90 = median_ms(paint, args.runs)
    few = day_strip(entries(30), DAY, ZONE)  # wide blocks: with their labels
    view.set_strip(few, now)
    labelled, labelled90 = median_ms(paint, args.runs)
    strip = day_strip(rows, DAY, ZONE)
    view.set_strip(strip, now)
    full, full90 = median_ms(paint, args.runs)

    print(f"timeline strip, {args.width} px, {DAY} {ZONE.key}, {args.runs} runs, offscreen")
    print(f"{'case':<34} {'median ms':>10} {'p90 ms':>8}")
    print(f"{'paint, empty day (floor)':<34} {empty:>10.3f} {empty90:>8.3f}")
    print(f"{'paint, 30 entries (labelled)':<34} {labelled:>10.3f} {labelled90:>8.3f}")
    print(f"{f'paint, {len(strip.blocks)} entries':<34} {full:>10.3f} {full90:>8.3f}")
    print(f"{f'day_strip() of {len(rows)} entries (worker)':<34} {build:>10.3f} {build90:>8.3f}")
    dropped = none_refs_dropped(paint)
    give_back(dropped)
    print(f"references to None dropped per paint (PySide6 {PYSIDE}): {dropped}")
    print(f"[{view.accessibleDescription()}; now {datetime.fromtimestamp(now, UTC):%H:%M} UTC]")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
