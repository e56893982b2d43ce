"""The base of the use cases: the injected store, clock and zone, and the lookups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .. import config
from ..clock import Clock
from ..errors import Ambiguous, InvalidInput, NotFound
from ..ids import is_uuid, new_id
from ..model import Interval, Project, Task

if TYPE_CHECKING:  # the store is an adapter; the core only needs its shape
    from ..store import Store


MIN_PREFIX = 6


class Base:
    """What every use case needs: the store, the clock, the zone and the id factory (passed in;
    the service owns no I/O of its own), and the lookups by id, prefix or name."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        tz: ZoneInfo,
        make_id: Callable[[], str] = new_id,
    ) -> None:
        self.store = store
        self.clock = clock
        self.tz = tz
        self.make_id = make_id

    # -- lookups ------------------------------------------------------------------------------

    def project(self, ref: str) -> Project:
        """A project by id, id prefix or name (case-insensitive)."""
        ref = ref.strip()
        if is_uuid(ref) and (p := self.store.get_project(ref)):
            return p
        named = self.store.projects_named(ref)
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            ids = ", ".join(p.id for p in named)
            raise Ambiguous(f"several projects are named '{ref}' ({ids}): give the id")
        if len(ref) >= MIN_PREFIX:
            by_prefix = self.store.projects_with_id_prefix(ref)
            if len(by_prefix) == 1:
                return by_prefix[0]
            if len(by_prefix) > 1:
                raise Ambiguous(f"'{ref}' matches several project ids: give more of the id")
        raise NotFound(
            f"no project '{ref}': create it with `tracker project add {_quoted(ref)}`, or see "
            "`tracker project list`"
        )

    def task(self, ref: str) -> Task:
        """A task by id, id prefix, ``Project/Task title`` or a unique title."""
        ref = ref.strip()
        if is_uuid(ref) and (t := self.store.get_task(ref)):
            return t
        found: dict[str, Task] = {}
        for i, ch in enumerate(ref):
            if ch != "/":
                continue
            pname, title = ref[:i].strip(), ref[i + 1 :].strip()
            if not pname or not title:
                continue
            for p in self.store.projects_named(pname):
                for t in self.store.tasks_titled(title, p.id):
                    found[t.id] = t
        if not found:
            for t in self.store.tasks_titled(ref):
                found[t.id] = t
        if not found and len(ref) >= MIN_PREFIX:
            by_prefix = self.store.tasks_with_id_prefix(ref)
            if len(by_prefix) == 1:
                return by_prefix[0]
            if len(by_prefix) > 1:
                raise Ambiguous(f"'{ref}' matches several task ids: give more of the id")
        if len(found) == 1:
            return next(iter(found.values()))
        if len(found) > 1:
            labels = ", ".join(f"{t.label} ({t.id})" for t in found.values())
            raise Ambiguous(
                f"'{ref}' matches several tasks: {labels}; give 'Project/Task' or the id"
            )
        pname, _, title = ref.partition("/")
        if pname.strip() and title.strip():
            make = f"tracker task add {_quoted(pname.strip())} {_quoted(title.strip())}"
            raise NotFound(
                f"no task '{ref}': create it with `{make}` (or start it with "
                f"`tracker start --create {_quoted(ref.strip())}`), or see `tracker task list`"
            )
        raise NotFound(f"no task '{ref}': see `tracker task list`, or give 'Project/Task title'")

    def entry(self, ref: str) -> Interval:
        ref = ref.strip()
        if is_uuid(ref):
            e = self.store.get_interval(ref)
            if e is not None and not e.deleted:
                return e
        elif len(ref) >= MIN_PREFIX:
            found = self.store.intervals_with_id_prefix(ref)
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise Ambiguous(f"'{ref}' matches several entries: give more of the id")
        raise NotFound(f"no entry '{ref}': see `tracker log` for entry ids")

    def config_get(self, key: str) -> str:
        s = config.spec(key)
        value = self.store.get_setting(key)
        return s.default if value is None else value

    def _discard(self, e: Interval, now: datetime) -> None:
        if self.store.was_synced(e.id):
            self.store.update_interval(e.changed(deleted=True), now)
        else:
            self.store.hard_delete_interval(e.id)


def _quoted(text: str) -> str:
    """A name as a shell argument in a hint (only on the error path: shlex loads then)."""
    import shlex

    return shlex.quote(text)


def clean(text: str | None, what: str, limit: int) -> str:
    t = (text or "").strip()
    if not t:
        raise InvalidInput(f"the {what} is empty: give a {what}")
    if len(t) > limit:
        raise InvalidInput(f"the {what} is longer than {limit} characters: shorten it")
    if any(ord(c) < 32 for c in t):
        raise InvalidInput(f"the {what} contains control characters: remove them")
    return t


def clean_note(note: str | None) -> str:
    n = (note or "").strip()
    if len(n) > 10_000:
        raise InvalidInput("the note is longer than 10,000 characters: shorten it")
    return n
