"""Named errors. Every message tells the user what to do; the CLI prints it as one line."""

from __future__ import annotations


class TrackerError(Exception):
    """Base of every error the user should see as one line (exit code 1 on the CLI)."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(TrackerError):
    """An argument could not be understood (exit code 2 on the CLI)."""

    exit_code = 2


class InvalidInput(TrackerError):
    """A value was understood but is not acceptable (end before start, negative duration...)."""


class NotFound(TrackerError):
    """A project, task or entry the user named does not exist."""


class Ambiguous(TrackerError):
    """A name matches more than one object."""


class OverlapError(TrackerError):
    """A manual entry or edit would overlap another entry."""

    def __init__(self, message: str, other_id: str) -> None:
        super().__init__(message)
        self.other_id = other_id


class NothingRunning(TrackerError):
    """`stop` with no running timer."""


class StoreError(TrackerError):
    """The local database cannot be opened, read or written."""
