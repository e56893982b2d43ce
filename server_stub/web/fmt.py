"""How pages write durations, money, dates and instants (contract §5)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_currency

from ..money import exponent

LOCALE = "en"


def hm(seconds: int | None) -> str:
    """``H:MM``: 14400 → ``4:00``, 134100 → ``37:15`` (minutes truncated, like the desktop)."""
    s = max(0, int(seconds or 0))
    return f"{s // 3600}:{s % 3600 // 60:02d}"


def money(minor: int | None, currency: str | None) -> str:
    if minor is None or not currency:
        return "—"
    return format_currency(Decimal(minor).scaleb(-exponent(currency)), currency, locale=LOCALE)


def money_of(value: dict | None) -> str:
    """An API money object ``{"amount": "12.50", "currency": "EUR"}`` with its currency."""
    if not value:
        return "—"
    return format_currency(Decimal(value["amount"]), value["currency"], locale=LOCALE)


def day(d: date | str) -> str:
    d = date.fromisoformat(d) if isinstance(d, str) else d
    return d.strftime("%a %-d %b %Y")


# ``clock`` and ``when`` run three times per listed entry: f-strings, not strftime (half the
# time), with strftime's C-locale month names.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def clock(ts: int | None, tz: ZoneInfo) -> str:
    if ts is None:
        return "now"
    t = datetime.fromtimestamp(ts, tz)
    return f"{t.hour:02d}:{t.minute:02d}"  # strftime("%H:%M")


def when(ts: int | None, tz: ZoneInfo) -> str:
    if ts is None:
        return "—"
    t = datetime.fromtimestamp(ts, tz)  # strftime("%-d %b %Y %H:%M")
    return f"{t.day} {_MONTHS[t.month - 1]} {t.year} {t.hour:02d}:{t.minute:02d}"


FILTERS = {"hm": hm, "money": money, "m": money_of, "day": day, "clock_in": clock, "when": when}
