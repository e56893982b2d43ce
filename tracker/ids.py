"""Client-generated, time-ordered ids (UUIDv7, RFC 9562).

Time-ordered keys keep SQLite's B-tree inserts local: random UUIDv4 keys made inserts about
3x slower at 1M rows (research/performance-anchors.md).
"""

from __future__ import annotations

import uuid


def new_id() -> str:
    import uuid6  # imported on first use: it pulls in importlib.metadata (~30 ms)

    return str(uuid6.uuid7())


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except (ValueError, AttributeError, TypeError):
        return False
    return len(text) == 36
