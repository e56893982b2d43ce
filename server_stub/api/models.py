"""Pydantic In/Out models of the API (contract §4)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field


def _clean(value: str) -> str:
    """Refuse text no database can store: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode") from None
    return value


def _nonblank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def _email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("not an e-mail address")
    return value


Text = Annotated[str, AfterValidator(_clean)]
Name = Annotated[
    str, Field(min_length=1, max_length=200), AfterValidator(_clean), AfterValidator(_nonblank)
]
Email = Annotated[
    str, Field(min_length=3, max_length=320), AfterValidator(_clean), AfterValidator(_email)
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Role = Literal["admin", "manager", "member", "viewer"]
TaskStatus = Literal["open", "in_progress", "done"]


class Money(BaseModel):
    amount: Annotated[str, Field(pattern=r"^\s*\d{1,16}(\.\d{1,20})?\s*$", examples=["12.50"])]
    currency: Currency


# -- accounts -----------------------------------------------------------------------------------


class TokenIn(BaseModel):
    email: Annotated[str, Field(max_length=320), AfterValidator(_clean)]
    password: Annotated[str, Field(max_length=1024), AfterValidator(_clean)]
    device_name: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean)] = (
        "unnamed device"
    )


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    role: Role
    created_at: datetime
    default_bill_rate: Money | None = None
    default_pay_rate: Money | None = None  # the user's own, and admins only
    archived: bool = False


class TokenOut(BaseModel):
    token: str
    token_prefix: str
    device_name: str
    user: UserOut


def _same_site_path(value: str) -> str:
    from ..services.sign_in_links import safe_next

    if safe_next(value) != value:
        raise ValueError("must be a path on this server, such as /dashboard")
    return value


class WebLinkIn(BaseModel):
    next: Annotated[str, Field(max_length=500), AfterValidator(_same_site_path)] | None = Field(
        default=None, description="where the browser goes once signed in (default: its landing)"
    )


class WebLinkOut(BaseModel):
    url: str = Field(description="the one-time sign-in link: open it in a browser, once")
    expires_at: datetime


class UserIn(BaseModel):
    email: Email
    name: Name
    role: Role
    password: Annotated[str, Field(min_length=8, max_length=1024), AfterValidator(_clean)]


# -- clients ------------------------------------------------------------------------------------


class ClientIn(BaseModel):
    name: Name
    currency: Currency = "EUR"
    contact_email: Email | None = None
    legal_name: Annotated[str, Field(max_length=300), AfterValidator(_clean)] | None = None
    tax_id: Annotated[str, Field(max_length=64), AfterValidator(_clean)] | None = None
    address: Annotated[str, Field(max_length=2000), AfterValidator(_clean)] | None = None
    bill_rate: Money | None = None
    payment_terms_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    notes: Annotated[str, Field(max_length=10000), AfterValidator(_clean)] | None = None
    postcode: Annotated[str, Field(max_length=32), AfterValidator(_clean)] | None = None
    city: Annotated[str, Field(max_length=200), AfterValidator(_clean)] | None = None
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = None


class ClientOut(BaseModel):
    id: str
    name: str
    currency: str
    contact_email: str | None
    legal_name: str | None
    tax_id: str | None
    address: str | None
    bill_rate: Money | None
    payment_terms_days: int | None
    notes: str | None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None


# -- projects, members, tasks -------------------------------------------------------------------


class ProjectIn(BaseModel):
    id: UUID | None = None
    name: Name
    client_id: UUID | None = None
    bill_rate: Money | None = None
    currency: Currency | None = None
    screenshots: bool = False
    screenshot_blur: bool = False
    archived: bool = False
    billable: bool = True
    budget_seconds: Annotated[int, Field(ge=1, le=10**12)] | None = None
    budget: Money | None = None


class ProjectPatch(BaseModel):
    name: Name | None = None
    client_id: UUID | None = None
    bill_rate: Money | None = None
    currency: Currency | None = None
    screenshots: bool | None = None
    screenshot_blur: bool | None = None
    archived: bool | None = None
    billable: bool | None = None
    budget_seconds: Annotated[int, Field(ge=1, le=10**12)] | None = None
    budget: Money | None = None
    effective_from: date | None = Field(
        default=None, description="first local day of a new bill_rate (server-spec §6.3)"
    )


class ProjectOut(BaseModel):
    id: str
    name: str
    client_id: str | None
    bill_rate: Money | None
    currency: str | None
    screenshots: bool
    screenshot_blur: bool
    archived: bool
    billable: bool
    revision: int
    created_at: datetime
    updated_at: datetime
    budget_seconds: int | None = None
    budget: Money | None = None


class Grants(BaseModel):
    show_members: bool = False
    show_entries: bool = False
    show_notes: bool = False
    show_amounts: bool = False
    show_screenshots: bool = False
    show_activity: bool = False
    show_invoices: bool = False
    show_financial_summary: bool = False


class MemberIn(BaseModel):
    kind: Literal["member", "viewer"] = "member"
    bill_rate: Money | None = None
    pay_rate: Money | None = None
    grants: Grants | None = None
    effective_from: date | None = Field(
        default=None, description="first local day of new rates (server-spec §6.3)"
    )


class MemberOut(BaseModel):
    project_id: str
    user_id: str
    kind: Literal["member", "viewer"]
    bill_rate: Money | None
    pay_rate: Money | None
    grants: Grants


class TaskIn(BaseModel):
    id: UUID | None = None
    title: Annotated[
        str, Field(min_length=1, max_length=500), AfterValidator(_clean), AfterValidator(_nonblank)
    ]
    status: TaskStatus = "open"


class TaskPatch(BaseModel):
    title: (
        Annotated[
            str,
            Field(min_length=1, max_length=500),
            AfterValidator(_clean),
            AfterValidator(_nonblank),
        ]
        | None
    ) = None
    status: TaskStatus | None = None
    assignee_id: UUID | None = Field(
        None, description="a member of the project (admins, managers); null unassigns"
    )


class TaskOut(BaseModel):
    id: str
    project_id: str
    title: str
    status: TaskStatus
    assignee_id: str | None = None
    revision: int
    created_at: datetime
    updated_at: datetime


# -- intervals ----------------------------------------------------------------------------------


class IntervalIn(BaseModel):
    id: UUID
    task_id: UUID
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    note: Annotated[str, Field(max_length=10000), AfterValidator(_clean)] = ""
    source: Literal["timer", "manual"] = "timer"
    revision: Annotated[int, Field(ge=1, le=2**31 - 1)]
    base_revision: Annotated[int, Field(ge=0, le=2**31 - 1)]
    deleted: bool = False
    tz: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_clean)] | None = None
    device_name: Annotated[str, Field(max_length=200), AfterValidator(_clean)] | None = None


class IntervalBatchIn(BaseModel):
    intervals: Annotated[list[IntervalIn], Field(json_schema_extra={"maxItems": 1000})]


class IntervalOut(BaseModel):
    id: str
    user_id: str
    task_id: str
    project_id: str
    started_at: str
    ended_at: str | None
    duration_seconds: int | None
    tz: str
    note: str
    source: Literal["timer", "manual"]
    revision: int
    deleted: bool
    device_name: str | None
    seq: int


class Conflict(BaseModel):
    id: str
    reason: Literal["revision", "locked"]
    server: IntervalOut


class Rejected(BaseModel):
    id: str
    code: str
    detail: str


class BatchOut(BaseModel):
    accepted: list[str]
    conflicts: list[Conflict]
    rejected: list[Rejected]


class IntervalPage(BaseModel):
    items: list[IntervalOut]
    next_cursor: str | None


# -- changes ------------------------------------------------------------------------------------


class ChangeOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["project", "task", "membership", "interval"]
    seq: int
    id: str
    deleted: bool
    data: ProjectOut | TaskOut | MemberOut | IntervalOut


class ChangesPage(BaseModel):
    items: list[ChangeOut]
    next_cursor: str | None = Field(description="pass it back to continue; always set")
    has_more: bool = False


# -- totals -------------------------------------------------------------------------------------


class TotalsRow(BaseModel):
    project_id: str | None = None
    task_id: str | None = None
    user_id: str | None = None
    day: str | None = None
    week: str | None = None
    seconds: int
    amounts: list[Money] | None = None


class TotalsOut(BaseModel):
    rows: list[TotalsRow]
    total_seconds: int
    total_amounts: list[Money] | None = None
    tz: str
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None


class ProjectBudgetOut(BaseModel):
    seconds: int | None
    used_seconds: int
    amount: Money | None
    used_amount: Money | None


class ProjectTotalsOut(BaseModel):
    project_id: str
    tz: str
    today: int
    this_week: int
    this_month: int
    all_time: int
    uninvoiced: list[Money] | None = None
    budget: ProjectBudgetOut | None = None


class Page(BaseModel):
    next_cursor: str | None


class UserPage(Page):
    items: list[UserOut]


class AuditEventOut(BaseModel):
    id: str
    at: datetime
    actor_id: str | None = Field(description="the user; null for the server's operator (CLI)")
    action: str = Field(examples=["user.create", "auth.sign_in_failed", "invoice.finalize"])
    entity: str
    entity_id: str | None
    before: dict | None = Field(description="what changed, before (never a secret)")
    after: dict | None


class AuditPage(Page):
    items: list[AuditEventOut]


class ClientPage(Page):
    items: list[ClientOut]


class ProjectPage(Page):
    items: list[ProjectOut]


class TaskPage(Page):
    items: list[TaskOut]


class MemberPage(Page):
    items: list[MemberOut]


# -- capture: activity and screenshots (server-spec §6.8) ---------------------------------------

Count = Annotated[int, Field(ge=0, le=2**31 - 1)]


class ActivitySlotIn(BaseModel):
    id: UUID
    interval_id: UUID
    slot_start: AwareDatetime
    slot_seconds: Annotated[int, Field(ge=1, le=600, description="the tracked part of the slot")]
    active_seconds: Annotated[int, Field(ge=0, le=600, description="seconds with any input")]
    keyboard_events: Count = 0
    mouse_events: Count = 0


class ActivityBatchIn(BaseModel):
    slots: Annotated[list[ActivitySlotIn], Field(json_schema_extra={"maxItems": 1000})]


class ActivityBatchOut(BaseModel):
    accepted: list[str]
    rejected: list[Rejected]


class ActivitySlotOut(BaseModel):
    id: str
    user_id: str
    interval_id: str
    project_id: str
    task_id: str
    slot_start: str
    slot_seconds: int
    active_seconds: int
    activity_percent: int
    keyboard_events: int
    mouse_events: int


class ActivityPage(BaseModel):
    items: list[ActivitySlotOut]
    next_cursor: str | None


class ScreenshotOut(BaseModel):
    id: str
    user_id: str
    interval_id: str
    project_id: str
    taken_at: str
    sha256: str
    bytes: int
    width: int
    height: int
    media_type: str
    blurred: bool


class ScreenshotPage(BaseModel):
    items: list[ScreenshotOut]
    next_cursor: str | None
