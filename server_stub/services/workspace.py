"""The workspace: the seller on invoices and the invoice settings (contract §4b).

Validation is by maintained tables, not our own lists: countries from CLDR (Babel's
territories, without CLDR's groupings and ISO's user-assigned codes), locales from Babel,
zones from the IANA database, IBAN checksums and BIC shapes from python-stdnum.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import is_currency
from sqlalchemy import Connection, select, update
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

from tracker.totals import local_date, range_bounds

from ..db import rollup
from ..db.tables import workspace
from ..errors import Invalid
from ..money import MoneyError, percent_to_ppm, ppm_to_percent
from ..timefmt import check_date, load_tz

FORMATS = ("invoice_number_format", "credit_note_number_format", "team_invoice_number_format")
_TOKEN = re.compile(r"\{([^{}]*)\}")
_SEQ = re.compile(r"^seq:([1-9]|1[0-2])$")
_DATE_TOKENS = ("YYYY", "YY", "MM")
# ISO 3166-1 codes that name no country: user-assigned, and CLDR's groupings (EU, EZ, UN).
_NOT_COUNTRIES = re.compile(r"^(AA|Q[M-Z]|X[A-JL-Z]|ZZ|EU|EZ|UN)$")


@functools.cache
def _countries() -> frozenset[str]:
    return frozenset(
        code
        for code in Locale("en").territories
        if len(code) == 2 and code.isalpha() and not _NOT_COUNTRIES.match(code)
    )


def country(value: str | None, field: str = "country") -> str | None:
    if value is None:
        return None
    code = value.upper()
    if code not in _countries():
        raise Invalid("invalid_country", f"{field}: '{value}' is not an ISO 3166-1 alpha-2 code")
    return code


def currency(value: str, field: str = "currency") -> str:
    if not is_currency(value):
        raise Invalid("unknown_currency", f"{field}: '{value}' is not an ISO 4217 currency")
    return value


def iban(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return stdnum_iban.validate(value)
    except ValidationError:
        raise Invalid("invalid_iban", "iban: not a valid IBAN (check digits or length)") from None


def bic(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return stdnum_bic.validate(value)
    except ValidationError:
        raise Invalid("invalid_bic", "bic: not a valid BIC (8 or 11 characters)") from None


def locale(value: str) -> str:
    try:
        return str(Locale.parse(value.replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        raise Invalid("invalid_locale", f"locale: '{value}' is not a known locale") from None


def number_format(value: str, field: str, yearly: bool) -> str:
    """Literal text with the tokens ``{YYYY}``, ``{YY}``, ``{MM}`` and exactly one
    ``{seq:N}`` (N = 1–12 digits); a yearly reset needs the year in the number."""
    tokens = _TOKEN.findall(value)
    rest = _TOKEN.sub("", value)
    bad = [t for t in tokens if t not in _DATE_TOKENS and not _SEQ.match(t)]
    if bad or "{" in rest or "}" in rest:
        raise Invalid(
            "invalid_number_format",
            f"{field}: use the tokens {{YYYY}}, {{YY}}, {{MM}} and {{seq:N}} (N from 1 to 12)",
        )
    if sum(1 for t in tokens if _SEQ.match(t)) != 1:
        raise Invalid("invalid_number_format", f"{field}: needs exactly one {{seq:N}}")
    if yearly and not ({"YYYY", "YY"} & set(tokens)):
        raise Invalid(
            "number_format_needs_year",
            f"{field}: with a yearly reset the number needs {{YYYY}} or {{YY}}",
        )
    return value


def get(conn: Connection) -> Any:
    return conn.execute(select(workspace)).one()


def workspace_out(row: Any) -> dict:
    zone = load_tz(row.timezone)
    return {
        "name": row.name, "legal_name": row.legal_name, "address": row.address,
        "postcode": row.postcode, "city": row.city, "country": row.country,
        "tax_id": row.tax_id, "email": row.email, "iban": row.iban, "bic": row.bic,
        "base_currency": row.base_currency, "timezone": row.timezone, "locale": row.locale,
        "rounding": row.rounding, "invoice_number_format": row.invoice_number_format,
        "credit_note_number_format": row.credit_note_number_format,
        "team_invoice_number_format": row.team_invoice_number_format,
        "number_reset": row.number_reset,
        "void_issues_credit_note": bool(row.void_issues_credit_note),
        "default_tax_rate": ppm_to_percent(row.default_tax_ppm),
        "payment_terms_days": row.payment_terms_days,
        "lock_before": (
            local_date(row.lock_before, zone).isoformat()
            if row.lock_before is not None and zone is not None
            else None
        ),
    }  # fmt: skip


_PLAIN = (
    "name", "legal_name", "address", "postcode", "city", "tax_id", "email", "rounding",
    "void_issues_credit_note", "payment_terms_days",
)  # fmt: skip
_REQUIRED = ("name", "rounding", "void_issues_credit_note", "payment_terms_days", "timezone",
             "base_currency", "locale", "number_reset", "default_tax_rate", *FORMATS)  # fmt: skip


def patch(conn: Connection, changes: dict[str, Any]) -> Any:
    """Apply a validated PATCH; returns the new row. Fields sent as null are cleared where
    they are optional; required ones refuse null."""
    for key in _REQUIRED:
        if key in changes and changes[key] is None:
            raise Invalid("field_required", f"{key} cannot be null")
    row = get(conn)
    values: dict[str, Any] = {k: changes[k] for k in _PLAIN if k in changes}
    if "country" in changes:
        values["country"] = country(changes["country"])
    if "iban" in changes:
        values["iban"] = iban(changes["iban"])
    if "bic" in changes:
        values["bic"] = bic(changes["bic"])
    if "base_currency" in changes:
        values["base_currency"] = currency(changes["base_currency"], "base_currency")
    if "timezone" in changes:
        if load_tz(changes["timezone"]) is None:
            raise Invalid("invalid_tz", f"unknown time zone '{changes['timezone']}'")
        values["timezone"] = changes["timezone"]
    if "locale" in changes:
        values["locale"] = locale(changes["locale"])
    if "default_tax_rate" in changes:
        try:
            values["default_tax_ppm"] = percent_to_ppm(changes["default_tax_rate"])
        except MoneyError as exc:
            raise Invalid(exc.code, f"default_tax_rate: {exc}") from None
    reset = changes.get("number_reset", row.number_reset)
    values["number_reset"] = reset
    for key in FORMATS:
        values[key] = number_format(changes.get(key, getattr(row, key)), key, reset == "yearly")
    if "lock_before" in changes:
        values["lock_before"] = _lock_epoch(
            changes["lock_before"], values.get("timezone", row.timezone)
        )
    conn.execute(update(workspace).values(**values))
    if "timezone" in values:  # the daily roll-up follows the workspace's days
        rollup.workspace_zone_changed(conn, values["timezone"])
    return get(conn)


def _lock_epoch(day: date | None, tz_name: str) -> int | None:
    if day is None:
        return None
    if not check_date(day):
        raise Invalid("invalid_date", "lock_before must fall between 1971 and 2200")
    start, _ = range_bounds(day, None, load_tz(tz_name))
    return start
