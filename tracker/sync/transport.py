"""The seam between the sync engine and the network.

:class:`Transport` is the small protocol the engine talks to; :class:`HttpTransport` implements
it over a ``requests.Session`` (imported lazily: commands that never sync never import it).
Errors are classified here, once:

* retryable — connection errors, timeouts, 5xx, 429 (honouring ``Retry-After``) and 409
  ``idempotency_in_flight``: retried with exponential backoff and full jitter;
* :class:`AuthRequired` — 401;
* :class:`Refused` — any other 4xx, with the server's problem ``code``.

Retrying a request is safe by construction: every write the engine sends is an idempotent upsert
by client UUID, and batches carry an ``Idempotency-Key`` derived from their body.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import AuthRequired, Refused, Retryable, Unreachable

API_PREFIX = "/api/v1"
GZIP_MIN_BYTES = 16 * 1024
_LOOPBACK = ("localhost", "127.", "[::1]")


def _pays_to_gzip(base_url: str) -> bool:
    """Compression pays where bandwidth is scarce; on the loopback (a server on this machine)
    compressing and decompressing a batch costs more than sending it as it is."""
    host = base_url.split("://", 1)[-1]
    return not host.startswith(_LOOPBACK)


def import_requests(detect_charset: bool = True) -> Any:
    """``requests``, imported on first use (commands that never sync never pay for it).

    ``detect_charset=False`` (the one-shot `tracker sync` process) imports it without a
    character-detection library: the API always answers UTF-8 JSON that the transport decodes
    itself, requests falls back to UTF-8 without one, and importing chardet/charset_normalizer
    costs ~10 ms of a no-op sync. Libraries already imported are used as they are.
    """
    import sys

    if "requests" in sys.modules or detect_charset:
        import requests

        return requests
    import warnings

    blocked = [n for n in ("chardet", "charset_normalizer") if n not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # "not installed" for this import
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # RequestsDependencyWarning: no charset detection
            import requests
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return requests


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    data: Any
    headers: dict[str, str] = field(default_factory=dict)


class Transport(Protocol):
    """One HTTP exchange with the server, with retries; raises the errors of ``.errors``."""

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        retry: bool = True,
        form: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Response:
        """``json_body`` is encoded here; ``body`` is JSON the caller encoded already;
        ``form`` and ``files`` make a multipart body."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base*2**n))."""

    base: float = 0.25
    cap: float = 4.0
    attempts: int = 5  # tries in all, the first included
    budget: float = 30.0  # seconds of waiting at most, across the retries of one request

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.cap * 4)
        return rng.uniform(0, min(self.cap, self.base * (2**attempt)))


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())


def encode_json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def classify(status: int, body: Any, headers: dict[str, str]) -> Exception | None:
    """The error an answer means, or None for a success (2xx)."""
    if 200 <= status < 300:
        return None
    problem = body if isinstance(body, dict) else {}
    code = str(problem.get("code") or "")
    detail = str(problem.get("detail") or problem.get("title") or "")
    if status == 401:
        return AuthRequired(
            "the server no longer accepts this device's sign-in: run `tracker login URL "
            "--email EMAIL` again"
        )
    retry_later = status == 429 and code != "too_many_attempts"  # a sign-in block is final
    if retry_later or status >= 500 or (status == 409 and code == "idempotency_in_flight"):
        return Retryable(
            f"the server answered {status}{' ' + code if code else ''}",
            _retry_after(headers.get("retry-after")),
        )
    return Refused(
        f"the server refused the request ({status}{' ' + code if code else ''}"
        f"{': ' + detail if detail else ''})",
        status,
        code,
        detail,
    )


class HttpTransport:
    """:class:`Transport` over ``requests.Session`` with explicit connect and read timeouts."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        backoff: Backoff | None = None,
        user_agent: str = "tracker-sync",
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        requests = import_requests()  # lazily: only syncing commands pay for it

        self._requests = requests
        self.base_url = base_url.rstrip("/")
        self.gzip = _pays_to_gzip(self.base_url)
        self.timeout = (connect_timeout, read_timeout)
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.session.headers["Accept"] = "application/json"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.requests_sent = 0

    def close(self) -> None:
        self.session.close()

    def _once(
        self,
        method: str,
        url: str,
        body: bytes | None,
        params: dict[str, Any] | None,
        headers: dict[str, str],
        form: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Response:
        req = self._requests
        self.requests_sent += 1
        try:
            r = self.session.request(
                method, url, data=form if files else body, files=files, params=params,
                headers=headers, timeout=self.timeout,
            )  # fmt: skip
        except (req.Timeout, req.ConnectionError) as exc:
            raise Retryable(f"{type(exc).__name__}") from None
        except req.RequestException as exc:  # invalid URL and the like: not worth retrying
            raise Unreachable(f"cannot reach {self.base_url}: {type(exc).__name__}") from None
        text = r.content
        data: Any = None
        if text:
            try:
                data = json.loads(text)
            except ValueError:
                data = None
                if 200 <= r.status_code < 300:
                    raise Retryable("the server sent an unreadable answer") from None
        hdrs = {k.lower(): v for k, v in r.headers.items()}
        err = classify(r.status_code, data, hdrs)
        if err is not None:
            raise err
        return Response(r.status_code, data, hdrs)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        retry: bool = True,
        form: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Response:
        url = self.base_url + API_PREFIX + path
        hdrs = dict(headers or {})
        if json_body is not None:
            body = encode_json(json_body)
        if body is not None:
            hdrs["Content-Type"] = "application/json"
            if self.gzip and len(body) >= GZIP_MIN_BYTES:
                import gzip

                body = gzip.compress(body, compresslevel=1)
                hdrs["Content-Encoding"] = "gzip"
        attempts = self.backoff.attempts if retry else 1
        waited = 0.0
        last: Retryable | None = None
        for attempt in range(attempts):
            try:
                return self._once(method, url, body, params, hdrs, form, files)
            except Retryable as exc:
                last = exc
                if attempt + 1 >= attempts:
                    break
                pause = self.backoff.delay(attempt, exc.retry_after, self.rng)
                if waited + pause > self.backoff.budget:
                    break
                waited += pause
                self.sleep(pause)
        raise Unreachable(
            f"cannot reach the server at {self.base_url} ({last}); nothing is lost: "
            "run `tracker sync` again later"
        )
