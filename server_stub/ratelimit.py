"""Per-token request limits (contract §4b'): token buckets, 429 problem+json with Retry-After.

Each caller has one bucket per configured limit (default 100 requests/s burst and 3,000/min
sustained); a request takes one token from every bucket, and is refused when any is empty. The
caller is the bearer token (its SHA-256: the raw token is never kept), or for requests without
one the client address. Failed sign-ins keep their own, much tighter throttle
(services/accounts.py).

The buckets live in the process: with ``--workers N`` a caller can get up to N times the limit
(the kernel spreads connections over the workers). That is enough for what the limit is for —
one misbehaving client cannot starve the others — and costs no database round trip per request.
The table is bounded: idle callers' buckets (refilled to full, so equal to a fresh one) go first.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .middleware import send_problem
from .settings import RateLimit

MAX_CALLERS = 50_000
EXEMPT_PATHS = frozenset({"/healthz"})


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class Limiter:
    """The buckets of every caller, for one set of limits; ``clock`` returns seconds."""

    def __init__(self, limits: tuple[RateLimit, ...], clock: Callable[[], float] = time.monotonic,
                 max_callers: int = MAX_CALLERS) -> None:  # fmt: skip
        self.limits = limits
        self.clock = clock
        self.max_callers = max_callers
        self._buckets: dict[str, list[_Bucket]] = {}

    def take(self, caller: str) -> float:
        """0 when the request may go ahead (a token taken from every bucket), else the seconds
        until it could."""
        now = self.clock()
        buckets = self._buckets.get(caller)
        if buckets is None:
            if len(self._buckets) >= self.max_callers:
                self._evict(now)
            buckets = [_Bucket(float(lim.requests), now) for lim in self.limits]
            self._buckets[caller] = buckets
        wait = 0.0
        for lim, b in zip(self.limits, buckets, strict=True):
            rate = lim.requests / lim.seconds
            b.tokens = min(float(lim.requests), b.tokens + max(0.0, now - b.at) * rate)
            b.at = now
            if b.tokens < 1.0:
                wait = max(wait, (1.0 - b.tokens) / rate)
        if wait:
            return wait
        for b in buckets:
            b.tokens -= 1.0
        return 0.0

    def _evict(self, now: float) -> None:
        def full(buckets: list[_Bucket]) -> bool:
            return all(
                b.tokens + (now - b.at) * lim.requests / lim.seconds >= lim.requests
                for lim, b in zip(self.limits, buckets, strict=True)
            )

        for caller in [c for c, bs in self._buckets.items() if full(bs)]:
            del self._buckets[caller]
        while len(self._buckets) >= self.max_callers:  # all busy: the oldest goes
            del self._buckets[next(iter(self._buckets))]


def caller_key(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                return "t:" + hashlib.sha256(token.strip()).hexdigest()[:32]
    client = scope.get("client") or ("", 0)
    return "a:" + str(client[0])


class RateLimitMiddleware:
    def __init__(self, app: Any, limiter: Limiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.limiter.limits or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        wait = self.limiter.take(caller_key(scope))
        if wait:
            seconds = max(1, math.ceil(wait))
            await send_problem(
                send, 429, "rate_limited",
                f"too many requests: slow down and try again in {seconds} s "
                f"(limits: {', '.join(str(lim) for lim in self.limiter.limits)} per token)",
                headers=[(b"retry-after", str(seconds).encode())],
            )  # fmt: skip
            return
        await self.app(scope, receive, send)
