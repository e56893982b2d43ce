"""Server-made ids: UUIDv7 strings, like the desktop's (tracker.ids)."""

from __future__ import annotations

from uuid import UUID

from tracker.ids import new_id

__all__ = ["canonical", "new_id"]


def canonical(value: UUID | str) -> str:
    return str(value if isinstance(value, UUID) else UUID(value))
