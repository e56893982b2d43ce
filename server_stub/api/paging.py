"""Opaque cursors for keyset pagination."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any

from fastapi import Query

from ..errors import Invalid

Limit = Annotated[int, Query(ge=1, le=1000, description="page size (default 100, max 1000)")]
Cursor = Annotated[
    str | None, Query(max_length=512, description="next_cursor of the previous page")
]


def encode(*parts: Any) -> str:
    raw = json.dumps(list(parts), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, *types: type) -> list[Any]:
    """The parts of a cursor made by :func:`encode`, checked against ``types``; else 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        parts = None
    if (
        not isinstance(parts, list)
        or len(parts) != len(types)
        or not all(
            isinstance(p, t) and not isinstance(p, bool) for p, t in zip(parts, types, strict=True)
        )
        or any(isinstance(p, int) and abs(p) > 2**62 for p in parts)
        or any(isinstance(p, str) and len(p) > 64 for p in parts)
    ):
        raise Invalid("invalid_cursor", "the cursor is not one this server made: start over")
    return parts
