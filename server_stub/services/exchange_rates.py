"""Exchange rates set by an admin (contract §4b): exact decimal strings with ``set_at``.

Every rate set is kept; the newest per pair is the current one. Invoices convert with
:func:`current` and record the ``(rate, set_at)`` they used.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import Connection, func, insert, select

from ..db.tables import exchange_rates
from ..ids import new_id

MAX_DIGITS = 12
_RATE = re.compile(r"^\s*(\d+)(?:\.(\d+))?\s*$")


class ExchangeRateError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_rate(text: str) -> str:
    """The canonical exact decimal string of a rate: positive, at most 12 significant digits,
    plain notation (``"1.0842"``; ``"0.00012"``); trailing zeros after the point dropped."""
    m = _RATE.match(text) if isinstance(text, str) and len(text) <= 40 else None
    if m is None:
        raise ExchangeRateError("invalid_rate", 'give the rate as a decimal string like "1.0842"')
    whole, frac = m.group(1).lstrip("0"), (m.group(2) or "").rstrip("0")
    digits = (whole + frac).lstrip("0")
    if not digits:
        raise ExchangeRateError("invalid_rate", "the rate must be positive")
    if len(digits) > MAX_DIGITS:
        raise ExchangeRateError(
            "too_many_digits", f"a rate has at most {MAX_DIGITS} significant digits"
        )
    return f"{whole or '0'}.{frac}" if frac else (whole or "0")


def set_rate(
    conn: Connection, from_: str, to: str, rate: str, now: int, actor_id: str | None
) -> dict:
    canonical = parse_rate(rate)
    conn.execute(
        insert(exchange_rates).values(
            id=new_id(), from_currency=from_, to_currency=to, rate=canonical, set_at=now,
            set_by=actor_id,
        )
    )  # fmt: skip
    return {"from": from_, "to": to, "rate": canonical, "set_at": now}


def current(conn: Connection, from_: str, to: str) -> tuple[Decimal, int] | None:
    """The rate in force for ``from_ → to`` and when it was set (epoch seconds), or None."""
    row = conn.execute(
        select(exchange_rates.c.rate, exchange_rates.c.set_at)
        .where(exchange_rates.c.from_currency == from_, exchange_rates.c.to_currency == to)
        .order_by(exchange_rates.c.set_at.desc(), exchange_rates.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (Decimal(row.rate), row.set_at)


def all_current(conn: Connection) -> list[dict]:
    """The current rate of every pair, ordered by pair."""
    newest = (
        select(
            exchange_rates.c.from_currency, exchange_rates.c.to_currency,
            func.max(exchange_rates.c.set_at).label("set_at"),
        )
        .group_by(exchange_rates.c.from_currency, exchange_rates.c.to_currency)
        .subquery()
    )  # fmt: skip
    rows = conn.execute(
        select(exchange_rates)
        .join(
            newest,
            (newest.c.from_currency == exchange_rates.c.from_currency)
            & (newest.c.to_currency == exchange_rates.c.to_currency)
            & (newest.c.set_at == exchange_rates.c.set_at),
        )
        .order_by(exchange_rates.c.from_currency, exchange_rates.c.to_currency,
                  exchange_rates.c.id.desc())
    ).all()  # fmt: skip
    out: dict[tuple[str, str], dict] = {}
    for r in rows:  # two rates set in the same second: the later id wins, as in current()
        out.setdefault(
            (r.from_currency, r.to_currency),
            {"from": r.from_currency, "to": r.to_currency, "rate": r.rate, "set_at": r.set_at},
        )
    return list(out.values())
