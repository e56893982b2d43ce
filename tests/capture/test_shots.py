"""The screenshot plan (1–3 random moments per slot, never while away) and the encoding."""

from __future__ import annotations

import hashlib
import io
import itertools
import random

from PIL import Image, ImageChops

from tracker.capture.ports import synthetic
from tracker.capture.shots import ShotPlanner, encode

T0 = 1_795_600_800


def fired(planner: ShotPlanner, per_slot: int, allowed=lambda t: True, seconds=600, start=T0):
    return [t for t in range(start, start + seconds) if planner.due(t, per_slot, allowed(t))]


def test_one_to_three_moments_per_slot_at_random():
    for k in (1, 2, 3):
        got = fired(ShotPlanner(random.Random(k)), k, seconds=1800)
        assert len(got) == 3 * k
        for slot in (T0, T0 + 600, T0 + 1200):
            inside = [t for t in got if slot <= t < slot + 600]
            assert len(inside) == k
            assert all(b - a >= 60 for a, b in itertools.pairwise(inside))
    a = fired(ShotPlanner(random.Random(1)), 1, seconds=6000)
    b = fired(ShotPlanner(random.Random(2)), 1, seconds=6000)
    assert a != b


def test_no_shot_while_idle_and_none_taken_late():
    p = ShotPlanner(random.Random(3))
    assert fired(p, 3, allowed=lambda t: False) == []
    p2 = ShotPlanner(random.Random(3))
    later = fired(p2, 3, allowed=lambda t: False, seconds=600)
    assert later == []


def test_encode_is_a_jpeg_with_a_thumbnail_and_its_hash():
    enc = encode(synthetic(1, 640, 400))
    img = Image.open(io.BytesIO(enc.jpeg))
    assert img.format == "JPEG" and img.size == (640, 400)
    thumb = Image.open(io.BytesIO(enc.thumb))
    assert thumb.size == (320, 200)
    assert enc.sha256 == hashlib.sha256(enc.jpeg).hexdigest()
    assert not enc.blurred


def test_a_blurred_shot_differs_from_the_original():
    raw = synthetic(1, 320, 200)
    sharp = Image.open(io.BytesIO(encode(raw).jpeg)).convert("L")
    soft = Image.open(io.BytesIO(encode(raw, blurred=True).jpeg)).convert("L")
    diff = ImageChops.difference(sharp, soft)
    assert diff.getextrema()[1] > 60
    # Blurring removes the edges: far less high-frequency detail is left.
    from PIL import ImageFilter, ImageStat

    def edges(im):
        return ImageStat.Stat(im.filter(ImageFilter.FIND_EDGES)).mean[0]

    assert edges(soft) < edges(sharp) / 4
