"""The sync errors, classified once at the transport boundary.

``Retryable`` never leaves the transport's retry loop except as ``Unreachable`` (the retries ran
out). Every other class is final for the request that raised it.
"""

from __future__ import annotations

from ..errors import TrackerError


class SyncError(TrackerError):
    """Base of the sync package's errors; one line that says what to do."""


class Retryable(SyncError):
    """A connection error, a timeout, a 5xx, a 429 or ``idempotency_in_flight``: try again."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unreachable(SyncError):
    """The server could not be reached (or kept failing) within the retry budget."""


class AuthRequired(SyncError):
    """401: the token is missing, wrong, expired or revoked."""


class NotSignedIn(SyncError):
    """No server or no token is configured."""


class Refused(SyncError):
    """A final 4xx answer with the server's stable ``code``."""

    def __init__(self, message: str, status: int, code: str = "", detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.detail = detail


class NoKeyring(SyncError):
    """No usable OS keyring backend."""
