"""Pydantic In/Out models of the collaboration API (contract §4c)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from ..services.messages import MAX_BODY_CHARS
from .models import Grants, Page, _clean


class MessageIn(BaseModel):
    body: Annotated[str, Field(min_length=1, max_length=MAX_BODY_CHARS), AfterValidator(_clean)] = (
        Field(description="plain text, at most 10,000 characters")
    )


class MessageOut(BaseModel):
    id: str
    project_id: str
    user_id: str
    author: str
    body: str
    created_at: datetime


class MessagePage(Page):
    items: list[MessageOut]


class FileOut(BaseModel):
    id: str
    project_id: str
    name: str
    size: int
    content_type: str
    sha256: str
    uploaded_by: str
    created_at: datetime


class FilePage(Page):
    items: list[FileOut]


class ShareLinkIn(BaseModel):
    grants: Grants = Grants()
    expires_at: AwareDatetime | None = None
    password: (
        Annotated[str, Field(min_length=8, max_length=1024), AfterValidator(_clean)] | None
    ) = None


class ShareLinkOut(BaseModel):
    id: str
    project_id: str
    grants: Grants
    expires_at: datetime | None
    has_password: bool
    revoked_at: datetime | None
    access_count: int
    last_access_at: datetime | None
    created_by: str
    created_at: datetime


class ShareLinkCreated(ShareLinkOut):
    url: str = Field(description="the link with its secret: shown this once")


class ShareLinkPage(Page):
    items: list[ShareLinkOut]
