"""Pydantic In/Out models of the money surface (contract §4b): the workspace (the seller),
client details, contacts, user defaults, rate changes, exchange rates."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from .models import Currency, Email, Money, Name, Role, _clean

Short = Annotated[str, Field(max_length=200), AfterValidator(_clean)]
Code = Annotated[str, Field(max_length=64), AfterValidator(_clean)]
Address = Annotated[str, Field(max_length=2000), AfterValidator(_clean)]
Country = Annotated[str, Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")]
Percent = Annotated[str, Field(max_length=20, examples=["19", "9.975"])]
NumberFormat = Annotated[
    str,
    Field(min_length=1, max_length=100, examples=["INV-{YYYY}-{seq:4}"]),
    AfterValidator(_clean),
]
Terms = Annotated[int, Field(ge=0, le=3650)]


class SignedMoney(BaseModel):
    """Money that may be negative (a delta, a discount)."""

    amount: Annotated[str, Field(examples=["-12.50"])]
    currency: str


class RepricedOut(BaseModel):
    """``?dry_run=true`` of a rate change: what it would re-price, and by how much."""

    repriced: list[str]
    delta: list[SignedMoney]


# -- the workspace --------------------------------------------------------------------------


class WorkspaceOut(BaseModel):
    name: str
    legal_name: str | None
    address: str | None
    postcode: str | None
    city: str | None
    country: str | None
    tax_id: str | None
    email: str | None
    iban: str | None
    bic: str | None
    base_currency: str
    timezone: str
    locale: str
    rounding: Literal["half_up", "half_even"]
    invoice_number_format: str
    credit_note_number_format: str
    team_invoice_number_format: str
    number_reset: Literal["never", "yearly"]
    void_issues_credit_note: bool
    default_tax_rate: str
    payment_terms_days: int
    lock_before: date | None


class WorkspacePatch(BaseModel):
    name: Name | None = None
    legal_name: Annotated[str, Field(max_length=300), AfterValidator(_clean)] | None = None
    address: Address | None = None
    postcode: Annotated[str, Field(max_length=32), AfterValidator(_clean)] | None = None
    city: Short | None = None
    country: Country | None = None
    tax_id: Code | None = None
    email: Email | None = None
    iban: Annotated[str, Field(max_length=50), AfterValidator(_clean)] | None = None
    bic: Annotated[str, Field(max_length=20), AfterValidator(_clean)] | None = None
    base_currency: Currency | None = None
    timezone: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_clean)] | None = (
        None
    )
    locale: Annotated[str, Field(min_length=2, max_length=35), AfterValidator(_clean)] | None = None
    rounding: Literal["half_up", "half_even"] | None = None
    invoice_number_format: NumberFormat | None = None
    credit_note_number_format: NumberFormat | None = None
    team_invoice_number_format: NumberFormat | None = None
    number_reset: Literal["never", "yearly"] | None = None
    void_issues_credit_note: bool | None = None
    default_tax_rate: Percent | None = None
    payment_terms_days: Terms | None = None
    lock_before: date | None = None


# -- clients and contacts -------------------------------------------------------------------


class ClientPatch(BaseModel):
    name: Name | None = None
    currency: Currency | None = None
    contact_email: Email | None = None
    legal_name: Annotated[str, Field(max_length=300), AfterValidator(_clean)] | None = None
    tax_id: Code | None = None
    address: Address | None = None
    postcode: Annotated[str, Field(max_length=32), AfterValidator(_clean)] | None = None
    city: Short | None = None
    country: Country | None = None
    bill_rate: Money | None = None
    payment_terms_days: Terms | None = None
    notes: Annotated[str, Field(max_length=10000), AfterValidator(_clean)] | None = None
    effective_from: date | None = Field(
        default=None, description="first local day of a new bill_rate (server-spec §6.3)"
    )


class ContactIn(BaseModel):
    name: Name
    email: Email
    billing: bool = False


class ContactOut(BaseModel):
    id: str
    client_id: str
    name: str
    email: str
    billing: bool
    project_ids: list[str]


class ContactPage(BaseModel):
    items: list[ContactOut]
    next_cursor: str | None


class ProjectContactOut(BaseModel):
    project_id: str
    contact_id: str


# -- users ----------------------------------------------------------------------------------


class UserPatch(BaseModel):
    name: Name | None = None
    role: Role | None = None
    default_bill_rate: Money | None = None
    default_pay_rate: Money | None = None
    archived: bool | None = None
    effective_from: date | None = Field(
        default=None, description="first local day of a new default rate (server-spec §6.3)"
    )


# -- exchange rates -------------------------------------------------------------------------


class ExchangeRateIn(BaseModel):
    rate: Annotated[
        str,
        Field(max_length=40, examples=["1.0842"], description="exact decimal, ≤ 12 digits"),
    ]


class ExchangeRateOut(BaseModel):
    from_: str = Field(alias="from")
    to: str
    rate: str
    set_at: str


class ExchangeRatePage(BaseModel):
    items: list[ExchangeRateOut]
    next_cursor: str | None
