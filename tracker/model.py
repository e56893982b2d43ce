"""The time model: projects, tasks and intervals as immutable values.

Instants are aware UTC datetimes with whole seconds. An interval with ``ended_at`` None is the
running timer. ``revision`` rises with every local change; ``deleted`` makes a tombstone, which is
kept until the server has seen it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum


class Source(StrEnum):
    TIMER = "timer"
    MANUAL = "manual"


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Origin(StrEnum):
    LOCAL = "local"  # created on this desktop, never pushed
    SERVER = "server"  # pulled from the companion server


class SyncState(StrEnum):
    LOCAL = "local"  # belongs to a local project: nothing to sync
    PENDING = "pending"  # changed since the server last confirmed it
    SYNCED = "synced"
    CONFLICT = "conflict"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    name: str
    client: str | None = None
    origin: Origin = Origin.LOCAL
    screenshots: bool = False
    blur: bool = False
    archived: bool = False
    revision: int = 1


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    project_id: str
    title: str
    status: TaskStatus = TaskStatus.OPEN
    revision: int = 1
    project_name: str = ""

    @property
    def label(self) -> str:
        return f"{self.project_name}/{self.title}" if self.project_name else self.title


@dataclass(frozen=True, slots=True)
class Interval:
    id: str
    task_id: str
    started_at: datetime
    ended_at: datetime | None
    note: str = ""
    source: Source = Source.TIMER
    revision: int = 1
    deleted: bool = False
    # Denormalised for display; not part of the interval's identity.
    task_title: str = field(default="", compare=False)
    project_id: str = field(default="", compare=False)
    project_name: str = field(default="", compare=False)
    sync_state: SyncState = field(default=SyncState.LOCAL, compare=False)
    heartbeat_at: datetime | None = field(default=None, compare=False)

    @property
    def running(self) -> bool:
        return self.ended_at is None and not self.deleted

    def end_or(self, now: datetime) -> datetime:
        return self.ended_at if self.ended_at is not None else now

    def duration_seconds(self, now: datetime) -> int:
        return max(0, int((self.end_or(now) - self.started_at).total_seconds()))

    def changed(self, **changes: object) -> Interval:
        """A new revision of this interval with ``changes`` applied."""
        return replace(self, revision=self.revision + 1, **changes)
