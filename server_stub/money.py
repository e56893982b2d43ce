"""Money as integer minor units with an ISO 4217 code; decimal strings on the wire."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# Minor-unit exponents that differ from 2 (ISO 4217).
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip

MAX_MINOR = 10**15  # far above any hourly rate; keeps sums inside 64-bit integers


class MoneyError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


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


def round_half_up_div(n: int, d: int) -> int:
    """``round(n / d)`` half away from zero, in integers (server-spec §6.1)."""
    if n >= 0:
        return (2 * n + d) // (2 * d)
    return -((-2 * n + d) // (2 * d))


# -- allocation and percentages (invoices: server-spec §6.5) ----------------------------------


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


def percent_to_ppm(percent: str) -> int:
    """``"19"`` → 190000, ``"9.975"`` → 99750; 0 to 100 with at most 4 decimals."""
    try:
        value = Decimal(str(percent).strip())
    except (InvalidOperation, ValueError, TypeError, ArithmeticError):
        raise MoneyError("invalid_tax_rate", f"'{percent}' is not a percentage") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise MoneyError("invalid_tax_rate", "a tax rate is a percentage from 0 to 100")
    ppm = value.scaleb(4)
    if ppm != ppm.to_integral_value():
        raise MoneyError("too_many_decimals", "a tax rate has at most 4 decimals")
    return int(ppm)


def ppm_to_percent(ppm: int) -> str:
    """190000 → ``"19"``, 99750 → ``"9.975"``."""
    return format(Decimal(ppm).scaleb(-4).normalize(), "f")
