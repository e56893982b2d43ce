"""Client-generated, time-ordered ids (UUIDv7, RFC 9562).

Time-ordered keys keep SQLite's B-tree inserts local: random UUIDv4 keys made inserts about
3x slower at 1M rows (research/performance-anchors.md).
"""

from __future__ import annotations


def new_id() -> str:
    import uuid6  # imported on first use: it pulls in importlib.metadata (~30 ms)

    return str(uuid6.uuid7())


def is_uuid(text: str) -> bool:
    """What ``uuid.UUID(text)`` accepts, in 36 characters: the same steps, without importing
    :mod:`uuid` (which loads :mod:`platform`) into every command."""
    if not isinstance(text, str) or len(text) != 36:
        return False
    digits = text.replace("urn:", "").replace("uuid:", "").strip("{}").replace("-", "")
    if len(digits) != 32:
        return False
    try:
        int(digits, 16)
    except ValueError:
        return False
    return True
