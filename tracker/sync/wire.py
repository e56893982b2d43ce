"""How values look on the wire, shared by the entry sync (:mod:`.engine`) and the capture push
(:mod:`.capture`): instants as RFC 3339 UTC text, and the idempotency key of a batch."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime


def wire_time(epoch: int | None) -> str | None:
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def parse_time(text: str | None) -> int | None:
    if text is None:
        return None
    return int(datetime.fromisoformat(text).timestamp())


def batch_key(raw: bytes) -> str:
    """The same batch (its encoded body) always gets the same key; a different one never does."""
    return "tracker-batch-" + hashlib.sha256(raw).hexdigest()[:40]
