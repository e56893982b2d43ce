"""Screenshots: when to take them (1–3 random moments per slot) and how to encode them.

Encoding: BGRA → RGB (Pillow), optional blur, JPEG quality 60, a 320-px-wide thumbnail and the
SHA-256 of the stored JPEG. Pillow is imported on first use, on the capture thread.
"""

from __future__ import annotations

import hashlib
import io
import random
from dataclasses import dataclass

from .ports import RawShot
from .slots import SLOT_SECONDS, slot_start

JPEG_QUALITY = 60
THUMB_WIDTH = 320
BLUR_FACTOR = 12


class ShotPlanner:
    """Picks ``per_slot`` random moments in each slot; :meth:`due` fires once per moment.

    A moment that passes while the user is away, or before the timer ran, is skipped: no
    screenshot is ever taken while idle, and none is taken late to make up for it.
    """

    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng or random.Random()
        self._slot: int | None = None
        self._moments: list[int] = []

    def moments(self, slot: int, per_slot: int) -> list[int]:
        if slot != self._slot:
            self._slot = slot
            k = max(1, min(3, per_slot))
            # Moments apart by a minute at least, so three shots never come in one burst.
            picks: list[int] = []
            while len(picks) < k:
                m = slot + self.rng.randrange(5, SLOT_SECONDS - 5)
                if all(abs(m - p) >= 60 for p in picks):
                    picks.append(m)
            self._moments = sorted(picks)
        return self._moments

    def due(self, now: int, per_slot: int, allowed: bool) -> bool:
        """True when a planned moment has come (and consumes it)."""
        pending = self.moments(slot_start(now), per_slot)
        fired = False
        while pending and pending[0] <= now:
            m = pending.pop(0)
            fired = fired or (allowed and now - m <= 30)
        return fired


@dataclass(frozen=True, slots=True)
class Encoded:
    monitor: int
    width: int
    height: int
    jpeg: bytes
    thumb: bytes
    sha256: str
    blurred: bool


def to_image(raw: RawShot):
    from PIL import Image

    return Image.frombytes("RGB", (raw.width, raw.height), raw.bgra, "raw", "BGRX")


def blur_image(img):
    """An irreversible blur: average down to 1/12 of the size (text becomes unreadable), soften,
    and scale back up. ~20 ms at 1920×1080, where a full-size Gaussian blur takes ~800 ms."""
    from PIL import Image, ImageFilter

    k = BLUR_FACTOR
    small = img.reduce(k) if img.width >= k and img.height >= k else img
    small = small.filter(ImageFilter.GaussianBlur(1))
    return small.resize(img.size, Image.Resampling.BILINEAR)


def encode_image(img, monitor: int, blurred: bool) -> Encoded:
    if blurred:
        img = blur_image(img)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=False)
    jpeg = buf.getvalue()
    h = max(1, img.height * THUMB_WIDTH // max(1, img.width))
    thumb_img = img.reduce(max(1, img.width // THUMB_WIDTH)).resize((THUMB_WIDTH, h))
    tbuf = io.BytesIO()
    thumb_img.save(tbuf, "JPEG", quality=70)
    return Encoded(monitor, img.width, img.height, jpeg, tbuf.getvalue(),
                   hashlib.sha256(jpeg).hexdigest(), blurred)  # fmt: skip


def encode(raw: RawShot, blurred: bool = False) -> Encoded:
    return encode_image(to_image(raw), raw.monitor, blurred)


def reblur(jpeg: bytes) -> Encoded:
    """Blur a stored shot (the review window's Blur button)."""
    from PIL import Image

    img = Image.open(io.BytesIO(jpeg)).convert("RGB")
    return encode_image(img, 0, True)
