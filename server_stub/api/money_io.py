"""Money objects in and out of the API."""

from __future__ import annotations

from ..errors import Invalid
from ..money import MoneyError, from_minor, to_minor
from .models import Money


def money_in(value: Money | None, field: str, currency: str | None = None) -> int | None:
    """Minor units of a money field; its currency must match ``currency`` when given."""
    if value is None:
        return None
    if currency is not None and value.currency != currency:
        raise Invalid("currency_mismatch", f"{field} must be in {currency}, not {value.currency}")
    try:
        return to_minor(value.amount, value.currency)
    except MoneyError as exc:
        raise Invalid(exc.code, f"{field}: {exc}") from None


def money_out(minor: int | None, currency: str | None) -> dict | None:
    if minor is None or currency is None:
        return None
    return {"amount": from_minor(minor, currency), "currency": currency}
