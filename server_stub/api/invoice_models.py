"""Pydantic In/Out models of uninvoiced time, invoices, payments and team invoices (§4b)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .models import Currency, Money, _clean

Percent = Annotated[str, Field(pattern=r"^\d{1,3}(\.\d{1,4})?$", examples=["19", "9.975"])]
Quantity = Annotated[str, Field(pattern=r"^\d{1,7}(\.\d{1,3})?$", examples=["1", "2.5"])]
TaxCategory = Literal["S", "Z", "E", "AE", "O", "K"]
Status = Literal["draft", "final", "void"]
Kind = Literal["invoice", "credit_note", "team_invoice"]


def _text(max_length: int, min_length: int = 0):
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length), AfterValidator(_clean)
    ]


class SignedMoney(BaseModel):
    """A money object that may be negative (a discount, a credit note)."""

    amount: Annotated[str, Field(pattern=r"^\s*-?\d{1,16}(\.\d{1,20})?\s*$", examples=["-50"])]
    currency: Currency


# -- uninvoiced ---------------------------------------------------------------------------------


class UninvoicedRow(BaseModel):
    project_id: str
    task_id: str
    user_id: str
    seconds: int
    amount: Money


class UnpricedInterval(BaseModel):
    interval_id: str
    project_id: str
    user_id: str
    seconds: int


class UninvoicedOut(BaseModel):
    rows: list[UninvoicedRow]
    totals: list[Money]
    unpriced: list[UnpricedInterval]
    on_drafts: list[str]


# -- invoices -----------------------------------------------------------------------------------


class _Period(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from", description="first local day (workspace zone)")
    to: date = Field(description="last local day, inclusive")


class InvoiceIn(_Period):
    client_id: UUID
    currency: Currency | None = None
    tax_rate: Percent | None = None
    project_ids: Annotated[list[UUID], Field(max_length=1000)] | None = None


class TeamInvoiceIn(_Period):
    user_id: UUID
    currency: Currency | None = None


class InvoicePatch(BaseModel):
    issue_date: date | None = None
    due_date: date | None = None
    notes: _text(10000) | None = None
    tax_rate: Percent | None = None
    tax_category: TaxCategory | None = None
    exemption_reason: _text(300) | None = None


class LineIn(BaseModel):
    description: _text(1000, 1)
    quantity: Quantity = "1"
    unit_price: SignedMoney
    tax_rate: Percent | None = None


class VoidIn(BaseModel):
    reason: _text(1000, 1)


class InvoiceWarning(BaseModel):
    code: str
    detail: str
    interval_ids: list[str]


class Fx(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    rate: str
    set_at: str


class InvoiceLineOut(BaseModel):
    id: str
    kind: Literal["time", "manual"]
    position: int
    project_id: str | None
    task_id: str | None
    user_id: str | None
    description: str
    seconds: int | None
    quantity: str
    unit_price: SignedMoney
    amount: SignedMoney
    tax_rate: str
    source_unit_price: SignedMoney | None


class InvoiceOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    kind: Kind
    status: Status
    number: str | None
    client_id: str | None
    user_id: str | None
    currency: str
    from_: str = Field(alias="from")
    to: str
    issue_date: str
    due_date: str
    lines: list[InvoiceLineOut]
    subtotal: SignedMoney
    tax: SignedMoney
    total: SignedMoney
    paid: SignedMoney
    balance: SignedMoney
    payment_state: Literal["unpaid", "partially_paid", "paid"]
    overdue: bool
    tax_rate: str
    tax_category: str | None
    exemption_reason: str | None
    fx: list[Fx]
    credits_invoice_id: str | None
    credit_note_id: str | None
    warnings: list[InvoiceWarning]
    notes: str | None
    revision: int
    snapshot_sha256: str | None
    finalized_at: str | None
    voided_at: str | None
    void_reason: str | None


class InvoicePage(BaseModel):
    items: list[InvoiceOut]
    next_cursor: str | None


# -- payments -----------------------------------------------------------------------------------


class PaymentIn(BaseModel):
    amount: Money
    date: date
    method: _text(64) | None = None
    reference: _text(200) | None = None


class PaymentOut(BaseModel):
    id: str
    invoice_id: str
    amount: Money
    date: str
    method: str | None
    reference: str | None


class PaymentRecordedOut(PaymentOut):
    paid: SignedMoney
    balance: SignedMoney
    payment_state: Literal["unpaid", "partially_paid", "paid"]


class PaymentPage(BaseModel):
    items: list[PaymentOut]
    next_cursor: str | None
