"""One finished entry with activity and screenshots, shared by the relink and restore tests."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from tracker.capture.slots import Slot

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
T0 = NOON - timedelta(hours=2)  # 10:00 UTC, slot-aligned
E0 = int(T0.timestamp())
SLOTS = [(f"slot-{k}", E0 + 600 * k, 600, 300 + k, 60 + k, 7 * k + 1) for k in range(6)]


def jpeg(seed: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 16), (seed % 256, 40, 90)).save(buf, format="JPEG", quality=60)
    return buf.getvalue()


def make_entry(svc):
    """A finished entry 10:00-11:00 UTC with six full slots and three screenshots."""
    svc.add_project("Globex")
    task = svc.add_task("Globex", "Homepage")
    e = svc.add(task.id, start=T0, end=T0 + timedelta(hours=1))
    svc.save_activity([Slot(sid, e.id, *rest) for sid, *rest in SLOTS])
    for minutes in (5, 25, 45):
        svc.add_screenshot(e.id, T0 + timedelta(minutes=minutes), 0, 32, 16,
                           jpeg(minutes), jpeg(1), False)  # fmt: skip
    return e
