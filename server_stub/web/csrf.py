"""CSRF protection of the web pages, after Django's ``django/middleware/csrf.py``.

A per-session secret (the signed-out login form uses a cookie's instead); every form carries
the secret *masked* with a fresh random pad, so the token in a page changes on every render and
a compressed response leaks nothing about it (BREACH). An unsafe request must come from our own
origin (``Origin``, else ``Referer``) and carry a token that unmasks to the secret.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from urllib.parse import urlsplit

FIELD = "csrf_token"
PRE_SESSION_COOKIE = "tracker_csrf"  # the login form's secret, before there is a session


class CsrfRefused(Exception):
    """An unsafe request we did not ask for: its reason goes on the 403 page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def mask(secret: str) -> str:
    raw = secret.encode()
    pad = secrets.token_bytes(len(raw))
    return base64.urlsafe_b64encode(pad + _xor(raw, pad)).decode().rstrip("=")


def unmask(token: str) -> bytes | None:
    if not token or len(token) > 200:
        return None
    try:
        data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        return None
    half, odd = divmod(len(data), 2)
    if odd or not half:
        return None
    return _xor(data[half:], data[:half])


def token_matches(token: str, secret: str | None) -> bool:
    raw = unmask(token)
    return raw is not None and bool(secret) and hmac.compare_digest(raw, secret.encode())


def origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def check(
    *, origin: str | None, referer: str | None, allowed: set[str], token: str, secret: str | None
) -> None:
    """Refuse (:class:`CsrfRefused`) an unsafe request from elsewhere or without our token."""
    if origin is not None and origin != "null":
        if origin_of(origin) not in allowed:
            raise CsrfRefused("the form was sent from another site")
    elif origin == "null":
        raise CsrfRefused("the form was sent from a page without an origin")
    elif referer is not None and origin_of(referer) not in allowed:
        raise CsrfRefused("the form was sent from another site")
    if not token_matches(token, secret):
        raise CsrfRefused("the form's security token is missing or out of date")
