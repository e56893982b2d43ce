"""Money as integer minor units with an ISO 4217 code; decimal strings on the wire.

Minor-unit exponents come from the Unicode CLDR currency data that Babel ships
(``babel.numbers.get_currency_precision``): JPY 0, EUR 2, KWD 3; a code CLDR does not know
has 2. Rounding of integer quotients is :func:`round_div`, half-up or half-even, exact for
negative numerators.
"""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation
from typing import Literal

from babel.numbers import get_currency_precision

MAX_MINOR = 10**15  # far above any hourly rate; keeps sums inside 64-bit integers

RoundingMode = Literal["half_up", "half_even"]
ROUNDING_MODES: tuple[RoundingMode, ...] = ("half_up", "half_even")


class MoneyError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@functools.lru_cache(maxsize=512)
def exponent(currency: str) -> int:
    return get_currency_precision(currency)


def to_minor(amount: str, currency: str) -> int:
    """``"12.50"`` EUR → 1250. More decimals than the currency has → ``too_many_decimals``."""
    if not isinstance(amount, str) or len(amount) > 40:
        raise MoneyError("invalid_amount", 'give the amount as a decimal string like "12.50"')
    try:
        value = Decimal(amount.strip())
    except (InvalidOperation, ValueError, TypeError, ArithmeticError):
        raise MoneyError("invalid_amount", f"'{amount}' is not a decimal amount") from None
    if not value.is_finite() or value.adjusted() > 15:
        raise MoneyError("invalid_amount", f"'{amount}' is not a decimal amount in range")
    exp = exponent(currency)
    scaled = value.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise MoneyError(
            "too_many_decimals", f"{currency} amounts have at most {exp} decimals: '{amount}'"
        )
    minor = int(scaled)
    if not 0 <= minor < MAX_MINOR:
        raise MoneyError("invalid_amount", f"'{amount}' is out of range")
    return minor


def from_minor(minor: int, currency: str) -> str:
    exp = exponent(currency)
    return str(Decimal(minor).scaleb(-exp).quantize(Decimal(1).scaleb(-exp)))


PPM_PER_PERCENT = 10_000


def percent_to_ppm(value: str) -> int:
    """A percentage as a decimal string (``"19"``, ``"9.975"``) → integer ppm (190000, 99750).
    At most 4 decimals (1 ppm) and 0–100 %."""
    if not isinstance(value, str) or len(value) > 20:
        raise MoneyError("invalid_percent", 'give the percentage as a decimal string like "19"')
    try:
        d = Decimal(value.strip())
    except (InvalidOperation, ValueError, ArithmeticError):
        raise MoneyError("invalid_percent", f"'{value}' is not a decimal percentage") from None
    if not d.is_finite() or not 0 <= d <= 100:
        raise MoneyError("invalid_percent", f"'{value}' is not a percentage from 0 to 100")
    scaled = d * PPM_PER_PERCENT
    if scaled != scaled.to_integral_value():
        raise MoneyError("too_many_decimals", f"percentages have at most 4 decimals: '{value}'")
    return int(scaled)


def ppm_to_percent(ppm: int) -> str:
    """190000 → ``"19"``, 99750 → ``"9.975"``: the shortest exact decimal string."""
    q = Decimal(ppm) / PPM_PER_PERCENT
    text = format(q.normalize(), "f")
    return text


def round_div(n: int, d: int, mode: RoundingMode = "half_up") -> int:
    """``round(n / d)`` in integers: ``half_up`` rounds a half away from zero, ``half_even``
    to the even neighbour (banker's rounding). Exact for any sign of ``n`` and ``d``."""
    if d == 0:
        raise ZeroDivisionError("round_div by zero")
    if d < 0:
        n, d = -n, -d
    if n < 0:
        return -round_div(-n, d, mode)
    q, r = divmod(n, d)
    twice = 2 * r
    if twice > d or (twice == d and (mode == "half_up" or q % 2 == 1)):
        return q + 1
    return q


def round_half_up_div(n: int, d: int) -> int:
    """``round(n / d)`` half away from zero, in integers (server-spec §6.1)."""
    if n >= 0:
        return (2 * n + d) // (2 * d)
    return -((-2 * n + d) // (2 * d))


# -- allocation (invoices: server-spec §6.5) ----------------------------------


def allocate(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` by the largest-remainder method.

    The parts sum to ``total`` exactly (invariant I2). Each part is the floor of its exact
    share; the units left over go to the largest remainders, ties to the earlier weight (the
    caller orders weights by start, then id). A negative total is split as its mirror. All
    weights zero: the whole total goes to the first.
    """
    if not weights:
        if total:
            raise ValueError("nothing to allocate a non-zero total to")
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if total < 0:
        return [-p for p in allocate(-total, weights)]
    whole = sum(weights)
    if whole == 0:
        return [total] + [0] * (len(weights) - 1)
    parts = []
    remainders = []
    for i, w in enumerate(weights):
        q, r = divmod(total * w, whole)
        parts.append(q)
        remainders.append((-r, i))
    for _, i in sorted(remainders)[: total - sum(parts)]:
        parts[i] += 1
    return parts
