"""Invoice arithmetic, pure (server-spec §6.5): lines from tracked time, manual lines, taxes.

Integers in minor units throughout; ``Decimal`` only for an exchange rate, turned into an
exact fraction. The invariants hold by construction:

* I1 — a line's amount is ``round(unit price × printed quantity)``: time lines are billed on
  the 36-second grid (decimal hours with 2 decimals), so the printed hours are exact;
* I2 — the allocations of a line to its intervals sum to the line's amount;
* I3 — subtotal, tax and total are exact sums of the printed parts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from ..money import RoundingMode, allocate, exponent, round_div, round_half_up_div

GRID_SECONDS = 36  # 0.01 h: the display grid of hours with 2 decimals
PPM = 1_000_000


class Work(NamedTuple):
    """One tracked interval as an invoice sees it (a tuple: 10,000 are made per draft)."""

    interval_id: str
    started_at: int
    seconds: int
    revision: int
    project_id: str
    task_id: str
    user_id: str
    rate_minor: int
    rate_currency: str


class Link(NamedTuple):
    interval_id: str
    revision: int
    seconds: int
    allocated_minor: int


@dataclass(slots=True)
class Line:
    kind: str  # time | manual
    unit_price_minor: int
    amount_minor: int
    tax_ppm: int
    project_id: str | None = None
    task_id: str | None = None
    user_id: str | None = None
    seconds: int | None = None  # raw tracked seconds (time lines)
    quantity_seconds: int | None = None  # billed, on the grid (time lines)
    quantity_milli: int | None = None  # manual lines
    source_currency: str | None = None
    source_unit_price_minor: int | None = None
    description: str = ""
    links: list[Link] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Fx:
    """An exchange rate as the invoice records it."""

    from_: str
    to: str
    rate: Decimal
    set_at: int


class FxMissing(LookupError):
    def __init__(self, from_: str, to: str) -> None:
        super().__init__(f"{from_}->{to}")
        self.from_ = from_
        self.to = to


def convert(minor: int, from_: str, to: str, rate: Decimal, mode: RoundingMode = "half_up") -> int:
    """``minor`` units of ``from_`` in ``to`` at ``rate``, rounded once to ``to``'s unit."""
    num, den = rate.as_integer_ratio()
    shift = exponent(to) - exponent(from_)
    if shift >= 0:
        num *= 10**shift
    else:
        den *= 10**-shift
    return round_div(minor * num, den, mode)


def snap_to_grid(seconds: int) -> int:
    """Seconds on the 36-second grid, half-up (0.01 h)."""
    return round_half_up_div(seconds, GRID_SECONDS) * GRID_SECONDS


def time_amount(
    unit_price_minor: int, quantity_seconds: int, mode: RoundingMode = "half_up"
) -> int:
    return round_div(unit_price_minor * quantity_seconds, 3600, mode)


def manual_amount(
    unit_price_minor: int, quantity_milli: int, mode: RoundingMode = "half_up"
) -> int:
    return round_div(unit_price_minor * quantity_milli, 1000, mode)


def time_lines(
    works: Iterable[Work],
    currency: str,
    fx: Callable[[str, str], Fx],
    *,
    tax_ppm: int,
    mode: RoundingMode = "half_up",
) -> tuple[list[Line], list[Fx]]:
    """Lines per (project, task, member, rate, rate currency), in that order, and the rates
    used. ``fx(from, to)`` gives the exchange rate or raises :class:`FxMissing`."""
    groups: dict[tuple[str, str, str, int, str], list[Work]] = {}
    for w in works:
        key = (w.project_id, w.task_id, w.user_id, w.rate_minor, w.rate_currency)
        groups.setdefault(key, []).append(w)
    used: dict[str, Fx] = {}
    lines = []
    for key in sorted(groups):
        project_id, task_id, user_id, rate, rate_currency = key
        items = sorted(groups[key], key=lambda w: (w.started_at, w.interval_id))
        if rate_currency == currency:
            unit, source = rate, None
        else:
            rec = used.get(rate_currency) or fx(rate_currency, currency)
            used[rate_currency] = rec
            unit, source = convert(rate, rate_currency, currency, rec.rate, mode), rate_currency
        raw = sum(w.seconds for w in items)
        billed = snap_to_grid(raw)
        amount = time_amount(unit, billed, mode)
        parts = allocate(amount, [w.seconds for w in items])
        links = [
            Link(w.interval_id, w.revision, w.seconds, part)
            for w, part in zip(items, parts, strict=True)
        ]
        lines.append(
            Line(
                "time", unit, amount, tax_ppm, project_id, task_id, user_id, raw, billed, None,
                source, rate if source else None, links=links,
            )
        )  # fmt: skip
    return lines, [used[c] for c in sorted(used)]


@dataclass(frozen=True, slots=True)
class TaxRow:
    tax_ppm: int
    category: str
    basis_minor: int
    tax_minor: int


def taxes(
    lines: Iterable[Line], category: Callable[[int], str], mode: RoundingMode = "half_up"
) -> list[TaxRow]:
    """One row per tax rate: the tax is rounded once per rate, on the sum of its lines."""
    basis: dict[int, int] = {}
    for line in lines:
        basis[line.tax_ppm] = basis.get(line.tax_ppm, 0) + line.amount_minor
    out = []
    for ppm in sorted(basis, reverse=True):
        tax = round_div(basis[ppm] * ppm, PPM, mode)
        out.append(TaxRow(ppm, category(ppm), basis[ppm], tax))
    return out


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    taxes: list[TaxRow]


def totals(
    lines: list[Line], category: Callable[[int], str], mode: RoundingMode = "half_up"
) -> Totals:
    rows = taxes(lines, category, mode)
    subtotal = sum(line.amount_minor for line in lines)
    tax = sum(r.tax_minor for r in rows)
    return Totals(subtotal, tax, subtotal + tax, rows)


def hours(quantity_seconds: int) -> str:
    """Grid seconds as decimal hours with 2 decimals: 45036 → ``"12.51"``."""
    return f"{quantity_seconds // 3600}.{quantity_seconds % 3600 // GRID_SECONDS:02d}"


def units(quantity_milli: int) -> str:
    """Milli-units as a plain decimal: 2500 → ``"2.5"``, 1000 → ``"1"``."""
    return format(Decimal(quantity_milli).scaleb(-3).normalize(), "f")


def quantity_text(line: Line) -> str:
    if line.kind == "time":
        return hours(line.quantity_seconds or 0)
    return units(line.quantity_milli or 0)


def negated(line: Line) -> Line:
    """The line of a credit note: same quantity, negated price and amount (I1 still holds)."""
    return Line(
        line.kind, -line.unit_price_minor, -line.amount_minor, line.tax_ppm, line.project_id,
        line.task_id, line.user_id, line.seconds, line.quantity_seconds, line.quantity_milli,
        line.source_currency,
        None if line.source_unit_price_minor is None else -line.source_unit_price_minor,
        line.description,
    )  # fmt: skip
