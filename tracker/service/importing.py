"""Importing other trackers' exports and our own (issue 11): rows read by :mod:`tracker.imports`,
projects and tasks matched by name (server projects too, so the time syncs) or created as local
ones, new entries written in one transaction, or nothing at all."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING

from ..model import Origin, Project, Task
from .entries import Entries

if TYPE_CHECKING:
    from ..import_plan import ImportResult
    from ..imports import Row

Progress = Callable[[int, int], None]


_CONTROL = {i: " " for i in range(32)}  # what a typed name may not hold (service.base.clean)


def _name(text: str, limit: int, empty: str) -> str:
    """A project, client or task name as one typed in the app would be: control characters as
    spaces, spaces collapsed, at most ``limit`` characters."""
    return " ".join(text.translate(_CONTROL).split())[:limit] or empty


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic collector paused: a 100k-row file makes millions of objects (no cycles among
    them), and the collections they set off took half of the parse."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Importing(Entries):
    def export_text(
        self, fmt: str, lo: date | None = None, hi: date | None = None
    ) -> tuple[str, int]:
        """Every entry overlapping the local days ``lo``..``hi`` as a file's text (csv, json or
        ical) and how many entries it holds."""
        from ..exports import render

        return render(fmt, self.log(lo, hi), self.clock.now(), self.tz)

    def import_file(
        self,
        data: bytes,
        fmt: str,
        dry_run: bool = False,
        date_order: str | None = None,
        progress: Progress | None = None,
    ) -> ImportResult:
        """Import a file's rows; with ``dry_run`` nothing is written. ``progress(done, total)``
        is called now and then (from the calling thread)."""
        with _no_gc():
            return self._import(data, fmt, dry_run, date_order, progress)

    def _import(
        self,
        data: bytes,
        fmt: str,
        dry_run: bool,
        date_order: str | None,
        progress: Progress | None,
    ) -> ImportResult:
        from .. import import_plan, imports
        from ..store import importing as store_imp

        parsed = imports.parse(data, fmt, self.tz, date_order, progress)
        res = import_plan.ImportResult(fmt, dry_run, zero_length=parsed.zero_length)
        rows = parsed.rows
        with store_imp.roomy_cache(self.store), self.store.transaction():
            now = self.clock.now()
            known = store_imp.known_interval_ids(self.store, [r.id for r in rows])
            existing = []
            fresh = [r for r in rows if r.id not in known]  # only these can overlap anything
            if fresh:
                lo, hi = min(r.start for r in fresh), max(r.end for r in fresh)
                existing = store_imp.live_spans(self.store, lo, hi, now)
            plan = import_plan.plan(rows, known, existing, int(now.timestamp()))
            res.already = len(plan.already)
            res.duplicates = sorted(r.line for r in plan.duplicates)
            res.future = sorted(r.line for r in plan.future)
            res.overlaps = sorted(plan.overlaps, key=lambda o: o.row.line)
            res.added = plan.new
            tasks = self._tasks_for(plan.new, res, now, write=not dry_run)
            if not dry_run and plan.new:
                t, tz = int(now.timestamp()), self.tz.key
                store_imp.insert_imported(self.store, (
                    (r.id, tasks[r.id], r.start, r.end, tz, r.note, "manual", 1, 0, 0, 0, t, t)
                    for r in plan.new))  # fmt: skip
            if progress:
                progress(len(rows), len(rows))
        return res

    def _tasks_for(
        self, rows: list[Row], res: ImportResult, now: datetime, write: bool
    ) -> dict[str, str]:
        """Each row's task id: projects by name (a server one before a local one), tasks by
        title within it; what is missing is created (only counted on a dry run)."""
        from ..imports import NO_PROJECT, NO_TASK

        projects: dict[str, Project] = {}
        tasks: dict[tuple[str, str], Task] = {}
        out: dict[str, str] = {}
        created: set[str] = set()  # projects made by this import: no tasks to look up in them
        seen: dict[tuple[str, str], str] = {}  # (project, task) as the file spells them
        for r in rows:
            hit = seen.get((r.project, r.task))
            if hit is not None:
                out[r.id] = hit
                continue
            pname = _name(r.project, 200, NO_PROJECT)
            p = projects.get(pname.casefold())
            if p is None:
                named = sorted(self.store.projects_named(pname),
                               key=lambda p: (p.archived, p.origin != Origin.SERVER))  # fmt: skip
                if named:
                    p = named[0]
                else:
                    p = Project(self.make_id(), pname, _name(r.client, 200, "") or None)
                    if write:
                        self.store.insert_project(p, now)
                    res.projects_created.append(pname)
                    created.add(p.id)
                projects[pname.casefold()] = p
            title = _name(r.task, 500, NO_TASK)
            key = (p.id, title.casefold())
            t = tasks.get(key)
            if t is None:
                found = [] if p.id in created else self.store.tasks_titled(title, p.id)
                if found:
                    t = found[0]
                else:
                    t = Task(self.make_id(), p.id, title, project_name=p.name)
                    if write:
                        self.store.insert_task(t, now)
                    res.tasks_created.append(f"{p.name} / {title}")
                tasks[key] = t
            out[r.id] = seen[(r.project, r.task)] = t.id
        return out
