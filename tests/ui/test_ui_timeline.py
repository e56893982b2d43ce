"""The Day tab's timeline strip: geometry against real local time (DST days included), clipping
at midnight, project colours, click / double click / tooltip, and the running block's growth on
the window's tick. Fixed clock (2026-11-25 13:00 in Berlin) and fixed dates throughout."""

from __future__ import annotations

import colorsys
from datetime import timedelta

import pytest
from PySide6.QtCore import QDate, QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip
from uiutil import BERLIN, local

from tracker.model import Interval
from tracker.ui.timeline_view import (
    DayStrip,
    TimelineView,
    block_tooltip,
    day_strip,
    luminance,
    project_rgb,
)


def frac(view: TimelineView, x: float) -> float:
    """Where ``x`` sits along the bar, 0 (midnight) to 1 (the next midnight)."""
    r = view.track_rect()
    return (x - r.left()) / r.width()


def span_of(view: TimelineView, i: int) -> tuple[float, float]:
    r = view.block_rect(i)
    return frac(view, r.left()), frac(view, r.right())


def show_day(ui, day: QDate) -> TimelineView:
    ui.window.day_edit.setDate(day)
    return ui.window.timeline


def shown(ui, qtbot) -> TimelineView:
    """The window on screen (offscreen platform) with the Day tab open."""
    w = ui.window
    w.resize(1000, 640)
    w.show()
    qtbot.waitExposed(w)
    w.tabs.setCurrentIndex(1)
    return w.timeline


def hour_frac(strip: DayStrip, view: TimelineView, hour: int) -> list[float]:
    return [frac(view, view.x_of(t)) for t, h in strip.hours if h == hour]


def entry(eid: str, start: str, end: str | None, day: str, pid: str = "p1") -> Interval:
    s = local(start, day)
    e = None if end is None else local(end, day)
    if e is not None and e <= s:
        e += timedelta(days=1)
    return Interval(eid, "t1", s, e, project_id=pid, project_name="P", task_title="T")


# -- geometry: blocks map to real local time --------------------------------------------------


def test_a_block_covers_its_share_of_a_normal_day(ui, svc, seeded):
    day = "2026-11-24"
    svc.add(seeded["admin"].id, start=local("06:00", day), end=local("12:00", day))
    view = show_day(ui, QDate(2026, 11, 24))
    assert view.strip is not None and view.strip.hours_long == 24
    [b] = view.strip.blocks
    assert b.label == "Internal / Admin"
    assert span_of(view, 0) == pytest.approx((0.25, 0.5))
    assert hour_frac(view.strip, view, 6) == [pytest.approx(0.25)]
    assert [h for _t, h in view.strip.hours] == list(range(24))


def test_the_short_dst_day_has_23_hours(ui, svc, seeded):
    day = "2026-03-29"  # Berlin springs forward at 02:00: there is no 02:xx
    svc.add(seeded["admin"].id, start=local("06:00", day), end=local("12:00", day))
    view = show_day(ui, QDate(2026, 3, 29))
    strip = view.strip
    assert strip.hours_long == 23
    assert [h for _t, h in strip.hours] == [0, 1, *range(3, 24)]
    assert span_of(view, 0) == pytest.approx((5 / 23, 11 / 23))
    assert hour_frac(strip, view, 3) == [pytest.approx(2 / 23)]
    assert hour_frac(strip, view, 12) == [pytest.approx(11 / 23)]


def test_the_long_dst_day_has_25_hours(ui, svc, seeded):
    day = "2026-10-25"  # Berlin falls back at 03:00 to 02:00: 02:xx happens twice
    svc.add(seeded["admin"].id, start=local("06:00", day), end=local("12:00", day))
    view = show_day(ui, QDate(2026, 10, 25))
    strip = view.strip
    assert strip.hours_long == 25
    assert [h for _t, h in strip.hours] == [0, 1, 2, 2, *range(3, 24)]
    assert span_of(view, 0) == pytest.approx((7 / 25, 13 / 25))
    assert hour_frac(strip, view, 2) == [pytest.approx(2 / 25), pytest.approx(3 / 25)]
    assert hour_frac(strip, view, 3) == [pytest.approx(4 / 25)]


def test_an_entry_across_midnight_is_clipped_to_each_day(ui, svc, seeded):
    svc.add(
        seeded["admin"].id, start=local("22:00", "2026-11-23"), end=local("02:00", "2026-11-24")
    )
    view = show_day(ui, QDate(2026, 11, 24))
    assert span_of(view, 0) == pytest.approx((0.0, 2 / 24))
    assert view.summary() == "Day timeline: 1 entry, 2:00 tracked"
    # the tooltip tells the entry's real times and length, not the clipped part
    assert view.tooltip_at(view.block_rect(0).center().toPoint()) == (
        "Internal / Admin · 22:00–02:00 (4:00)"
    )
    view = show_day(ui, QDate(2026, 11, 23))
    assert span_of(view, 0) == pytest.approx((22 / 24, 1.0))
    assert view.summary() == "Day timeline: 1 entry, 2:00 tracked"


def test_gaps_between_entries_are_no_block_and_say_what_they_are(ui, svc, seeded):
    svc.add(seeded["checkout"].id, start=local("11:00"), end=local("12:00"))
    ui.controller.refresh()
    view = ui.window.timeline
    view.resize(1008, view.height())
    (a0, a1), (b0, b1) = span_of(view, 0), span_of(view, 1)
    assert (a0, a1) == pytest.approx((9 / 24, 9.75 / 24))
    assert (b0, b1) == pytest.approx((11 / 24, 12 / 24))
    r = view.track_rect()
    gap = QPoint(int(view.x_of(int(local("10:20").timestamp()))), int(r.center().y()))
    assert view.block_at(gap) is None
    # the app did not run then (no session recorded): the day's account says so
    assert view.tooltip_at(gap) == "Untracked, app closed · 09:45–11:00 (1:15)"
    after = QPoint(int(view.x_of(int(local("12:20").timestamp()))), int(r.center().y()))
    assert view.tooltip_at(after) == ""  # past the day's last activity: nothing to explain


def test_pure_strip_skips_entries_outside_the_day_and_sorts():
    day = "2026-11-24"
    entries = [
        entry("b", "10:00", "11:00", day),
        entry("a", "08:00", "09:00", day),
        entry("before", "20:00", "23:00", "2026-11-23"),
        entry("after", "00:00", "01:00", "2026-11-25"),
    ]
    strip = day_strip(entries, local("00:00", day).date(), BERLIN)
    assert [b.entry_id for b in strip.blocks] == ["a", "b"]
    assert (strip.start, strip.end) == (
        int(local("00:00", day).timestamp()),
        int(local("00:00", "2026-11-25").timestamp()),
    )


# -- colours ----------------------------------------------------------------------------------


def test_project_colours_are_stable_and_distinct(ui, svc, seeded):
    svc.add(seeded["admin"].id, start=local("10:00"), end=local("10:30"))
    svc.add(seeded["checkout"].id, start=local("11:00"), end=local("11:30"))
    ui.controller.refresh()
    view = ui.window.timeline
    blocks = view.strip.blocks
    assert [b.label for b in blocks] == [
        "Globex site / Homepage",
        "Internal / Admin",
        "Globex site / Checkout",
    ]
    globex, internal = blocks[0].project_id, blocks[1].project_id
    assert view.color_of(globex) != view.color_of(internal)
    assert blocks[2].project_id == globex
    before = view.color_of(globex)
    ui.controller.refresh()  # a new strip, the same colour
    assert view.color_of(globex) == before
    # the colour is a function of the id alone (a CRC, not the per-process ``hash()``)
    assert project_rgb("globex-site", False) == pytest.approx(
        (0.7596420, 0.1611362, 0.4034938), abs=1e-6
    )


def test_project_colours_stay_readable_on_light_and_dark_windows():
    def contrast(a: float, b: float) -> float:
        lo, hi = sorted((a, b))
        return (hi + 0.05) / (lo + 0.05)

    ids = [f"0190c0de-{i:04x}-7000-8000-{i * 7919:012x}" for i in range(300)]
    white, dark_grey = 1.0, luminance((0x35 / 255,) * 3)
    assert min(contrast(luminance(project_rgb(i, False)), white) for i in ids) >= 4
    assert min(contrast(luminance(project_rgb(i, True)), dark_grey) for i in ids) >= 3
    hues = [colorsys.rgb_to_hls(*project_rgb(i, False))[0] for i in ids]
    assert {int(h * 12) for h in hues} == set(range(12))  # every 30° of the wheel is used
    assert len({round(h, 3) for h in hues}) > 200  # not a handful of buckets


# -- the mouse --------------------------------------------------------------------------------


def test_click_selects_the_entry_row(ui, svc, seeded, qtbot):
    svc.add(seeded["admin"].id, start=local("10:00"), end=local("11:00"))
    ui.controller.refresh()
    view = shown(ui, qtbot)
    table = ui.window.entries
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.block_rect(1).center().toPoint())
    [row] = table.selectionModel().selectedRows()
    assert table.item(row.row(), 3).text() == "Internal / Admin"
    assert view.selected == view.strip.blocks[1].entry_id  # outlined in the strip
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.block_rect(0).center().toPoint())
    assert ui.window.selected_entry().task_title == "Homepage"
    table.selectRow(1)  # and the other way round
    assert view.selected == view.strip.blocks[1].entry_id


def test_double_click_opens_the_edit_dialog(ui, harness, qtbot):
    view = shown(ui, qtbot)
    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=view.block_rect(0).center().toPoint())
    d = harness.opened[-1]
    assert d.windowTitle() == "Edit entry"
    assert (d.from_time.time().toString("HH:mm"), d.to_time.time().toString("HH:mm")) == (
        "09:00",
        "09:45",
    )


def test_double_click_on_a_gap_opens_nothing(ui, harness, qtbot):
    view = shown(ui, qtbot)
    gap = QPoint(int(view.x_of(int(local("12:00").timestamp()))), view.height() // 3)
    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=gap)
    assert harness.opened == []


def test_tooltip_names_the_entry(ui, qtbot):
    view = shown(ui, qtbot)
    pos = view.block_rect(0).center().toPoint()
    assert view.tooltip_at(pos) == "Globex site / Homepage · 09:00–09:45 (0:45)"
    QApplication.sendEvent(view, QHelpEvent(QEvent.Type.ToolTip, pos, view.mapToGlobal(pos)))
    assert QToolTip.text() == "Globex site / Homepage · 09:00–09:45 (0:45)"
    QToolTip.hideText()


def test_block_tooltip_of_a_running_entry():
    b = day_strip([entry("r", "13:00", None, "2026-11-25")], local("00:00").date(), BERLIN)
    [block] = b.blocks
    assert block_tooltip(block, int(local("14:05").timestamp())) == "P / T · 13:00–now (1:05)"


# -- the running block ------------------------------------------------------------------------


def test_the_running_block_grows_on_the_tick(ui, svc, seeded, clock, qtbot, harness):
    ui.controller.start(seeded["admin"].id)  # at 13:00 Berlin
    view = shown(ui, qtbot)
    assert ui.window.tick.isActive()
    [_home, running] = view.strip.blocks
    assert running.end is None
    assert span_of(view, 1) == pytest.approx(
        (13 / 24, 13 / 24 + view.MIN_BLOCK / view.track_rect().width())
    )
    jobs = ui.controller.executor.jobs
    clock.advance(minutes=90)
    ui.window.tick.timeout.emit()
    assert span_of(view, 1) == pytest.approx((13 / 24, 14.5 / 24))
    assert view.summary() == "Day timeline: 2 entries, 2:15 tracked"
    assert view.accessibleDescription() == "Day timeline: 2 entries, 2:15 tracked"
    assert view.tooltip_at(view.block_rect(1).center().toPoint()) == (
        "Internal / Admin · 13:00–now (1:30)"
    )
    assert ui.controller.executor.jobs == jobs  # the tick never went to the database


def test_the_tick_stops_while_the_window_is_hidden(ui, seeded, qtbot):
    ui.controller.start(seeded["admin"].id)
    shown(ui, qtbot)
    assert ui.window.tick.isActive()
    ui.window.hide()
    assert not ui.window.tick.isActive()


# -- accessibility ----------------------------------------------------------------------------


def test_accessible_name_and_summary(ui, svc, seeded):
    view = ui.window.timeline
    assert view.accessibleName() == "Day timeline"
    assert view.accessibleDescription() == "Day timeline: 1 entry, 0:45 tracked"
    svc.add(seeded["admin"].id, start=local("10:00"), end=local("11:30"))
    ui.controller.refresh()
    # 09:45–10:00 lies between the entries with the app closed: untracked, and said so
    assert view.accessibleDescription() == "Day timeline: 2 entries, 2:15 tracked, 0:15 untracked"
    show_day(ui, QDate(2026, 11, 20))
    assert view.accessibleDescription() == "Day timeline: 0 entries, 0:00 tracked"


def test_painting_runs_offscreen(ui, svc, seeded):
    """Paint into an image: the blocks land where block_rect says, in the project's colour."""
    from PySide6.QtGui import QImage

    view = ui.window.timeline
    view.resize(1008, view.sizeHint().height())
    img = QImage(view.size(), QImage.Format.Format_ARGB32)
    img.fill(0)
    view.render(img)
    c = view.block_rect(0).center().toPoint()
    assert img.pixelColor(c).rgb() == view.color_of(view.strip.blocks[0].project_id).rgb()
    gap = QPoint(int(view.x_of(int(local("12:00").timestamp()))) + 3, c.y())
    assert img.pixelColor(gap).rgb() != view.color_of(view.strip.blocks[0].project_id).rgb()
