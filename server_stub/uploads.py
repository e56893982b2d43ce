"""What an uploaded file is, from its first bytes (never from its name or declared type)."""

from __future__ import annotations

IMAGE_MAGIC: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


def sniff_image(data: bytes) -> str | None:
    """``image/png``, ``image/jpeg`` or ``image/webp`` by magic bytes; None for anything else."""
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for media, magics in IMAGE_MAGIC.items():
        if any(data.startswith(m) for m in magics):
            return media
    return None
