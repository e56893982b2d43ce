from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from tracker.errors import InvalidInput, UsageError
from tracker.timeparse import (
    hms,
    local_day_bounds,
    midnight,
    parse_date,
    parse_duration,
    parse_instant,
)

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1h30m", 5400), ("90m", 5400), ("1:30", 5400), ("45s", 45), ("2h", 7200),
     ("1:30:15", 5415), ("90", 5400), ("1h 5m", 3900), ("10min", 600)],
)  # fmt: skip
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "1x", "1:75", "h", "1.5h"])
def test_unreadable_durations_are_usage_errors(text):
    with pytest.raises(UsageError):
        parse_duration(text)


@pytest.mark.parametrize("text", ["-1h", "0m", "0:00", "1000h"])
def test_negative_zero_or_huge_durations_are_refused(text):
    with pytest.raises(InvalidInput):
        parse_duration(text)


def test_hh_mm_is_local_time_on_the_day():
    assert parse_instant("09:30", BERLIN, DAY) == datetime(2026, 11, 25, 8, 30, tzinfo=UTC)


def test_rfc3339_keeps_the_instant_and_drops_fractions():
    got = parse_instant("2026-11-25T09:00:00.900+01:00", BERLIN, DAY)
    assert got == datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)
    assert parse_instant("2026-11-25T08:00:00Z", BERLIN, DAY) == got


def test_date_time_without_offset_is_local():
    assert parse_instant("2026-07-01T10:00", BERLIN, DAY) == datetime(2026, 7, 1, 8, tzinfo=UTC)


def test_time_in_the_spring_forward_gap_is_refused():
    with pytest.raises(InvalidInput, match="does not exist"):
        parse_instant("02:30", BERLIN, date(2026, 3, 29))


def test_repeated_autumn_hour_means_the_first_occurrence():
    got = parse_instant("02:30", BERLIN, date(2026, 10, 25))
    assert got == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # still CEST (+02:00)


@pytest.mark.parametrize("text", ["25:00", "9", "yesterday", "2026-13-01T00:00:00Z", "12:60"])
def test_unreadable_times_are_usage_errors(text):
    with pytest.raises(UsageError):
        parse_instant(text, BERLIN, DAY)


def test_absurd_years_are_refused():
    with pytest.raises(InvalidInput):
        parse_instant("0001-01-01T00:00:00Z", BERLIN, DAY)
    with pytest.raises(InvalidInput):
        parse_date("9999-01-01")


def test_dates():
    assert parse_date("2026-02-28") == date(2026, 2, 28)
    for bad in ("2026-02-30", "26-1-1", "tomorrow"):
        with pytest.raises(UsageError):
            parse_date(bad)


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 11, 25), 24)],
)
def test_local_days_last_23_24_or_25_hours(day, hours):
    lo, hi = local_day_bounds(day, BERLIN)
    assert (hi - lo).total_seconds() == hours * 3600


def test_a_day_whose_midnight_is_skipped_starts_when_clocks_jump():
    havana = ZoneInfo("America/Havana")
    start = midnight(date(2026, 3, 8), havana)  # clocks jump 00:00 -> 01:00
    assert start.astimezone(havana).hour == 1
    assert start.astimezone(havana).date() == date(2026, 3, 8)


def test_hms():
    assert hms(0) == "00:00:00"
    assert hms(3661) == "01:01:01"
    assert hms(100 * 3600) == "100:00:00"
