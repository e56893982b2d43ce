"""Planning an import and wording its result: which of a file's rows to add (not imported
before, not repeated, overlapping nothing), and what the import did, as lines or JSON.

Pure, like :mod:`tracker.imports`, which reads the rows.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .imports import LABELS, Row
from .timeparse import rfc3339_local


@dataclass(frozen=True, slots=True)
class Overlap:
    row: Row
    other_start: int
    other_end: int
    other_label: str  # "Project / Task", or "line N of this file"


@dataclass
class Plan:
    new: list[Row] = field(default_factory=list)
    already: list[Row] = field(default_factory=list)
    duplicates: list[Row] = field(default_factory=list)  # the same row twice in the file
    overlaps: list[Overlap] = field(default_factory=list)
    future: list[Row] = field(default_factory=list)  # ending after now


# -- planning -----------------------------------------------------------------------------------


def plan(
    rows: Sequence[Row],
    known_ids: set[str],
    existing: Sequence[tuple[int, int, str]],
    now: int | None = None,
) -> Plan:
    """Which rows to add: not already imported (``known_ids``, tombstones included), not the
    same row twice, not ending after ``now`` (epoch seconds; an entry never ends in the future,
    and one would block the timer), and overlapping neither an ``existing`` entry ``(start,
    end, label)`` (live entries, which never overlap each other) nor an earlier row taken from
    the file."""
    out = Plan()
    seen: set[str] = set()
    ex = sorted(existing)
    starts = [s for s, _e, _l in ex]
    taken: list[Row] = []  # accepted, in start order (rows are walked in start order)
    for r in sorted(rows, key=lambda r: (r.start, r.end, r.line)):
        if r.id in known_ids:
            out.already.append(r)
            continue
        if r.id in seen:
            out.duplicates.append(r)
            continue
        seen.add(r.id)
        if now is not None and r.end > now:
            out.future.append(r)
            continue
        j = bisect_left(starts, r.end) - 1  # the last entry starting before this row ends
        if j >= 0 and ex[j][1] > r.start:
            out.overlaps.append(Overlap(r, *ex[j]))
            continue
        if taken and taken[-1].end > r.start:
            t = taken[-1]
            out.overlaps.append(Overlap(r, t.start, t.end, f"line {t.line} of this file"))
            continue
        taken.append(r)
    out.new = taken
    return out


# -- describing ---------------------------------------------------------------------------------


def hm_span(start: int, end: int, tz: ZoneInfo) -> str:
    a = datetime.fromtimestamp(start, UTC).astimezone(tz)
    b = datetime.fromtimestamp(end, UTC).astimezone(tz)
    tail = f"{b:%H:%M}" if a.date() == b.date() else f"{b:%Y-%m-%d %H:%M}"
    return f"{a:%Y-%m-%d %H:%M}–{tail}"


# -- results ------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    fmt: str
    dry_run: bool
    added: list[Row] = field(default_factory=list)
    already: int = 0
    duplicates: list[int] = field(default_factory=list)  # lines
    zero_length: list[int] = field(default_factory=list)
    future: list[int] = field(default_factory=list)  # lines of rows ending after now
    overlaps: list[Overlap] = field(default_factory=list)
    projects_created: list[str] = field(default_factory=list)
    tasks_created: list[str] = field(default_factory=list)  # "Project / Task"


SHOWN = 20  # overlapping rows listed one by one; the rest counted


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:SHOWN]))
    return shown + (f" and {len(numbers) - SHOWN} more" if len(numbers) > SHOWN else "")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary(res: ImportResult, tz: ZoneInfo, name: str) -> list[str]:
    """What an import did (or would do), as lines for the user."""
    made = []
    if res.projects_created:
        made.append(_count(len(res.projects_created), "new project", "new projects"))
    if res.tasks_created:
        made.append(_count(len(res.tasks_created), "new task", "new tasks"))
    extra = f" ({', '.join(made)})" if made else ""
    verb = "Would import" if res.dry_run else "Imported"
    n = _count(len(res.added), "entry", "entries")
    lines = [f"{verb} {n} from {name} as {LABELS[res.fmt]}{extra}"]
    if res.already:
        lines.append(f"Skipped {_count(res.already, 'row', 'rows')} already imported")
    if res.duplicates:
        lines.append(f"Skipped {len(res.duplicates)} repeated row(s): line "
                     f"{_lines(res.duplicates)}")  # fmt: skip
    if res.zero_length:
        lines.append(f"Skipped {len(res.zero_length)} zero-length row(s): line "
                     f"{_lines(res.zero_length)}")  # fmt: skip
    if res.future:
        lines.append(f"Skipped {len(res.future)} row(s) ending in the future (check the file's "
                     f"time zone against this computer's): line {_lines(res.future)}")  # fmt: skip
    if res.overlaps:
        lines.append(f"Skipped {len(res.overlaps)} row(s) overlapping other entries:")
        for o in res.overlaps[:SHOWN]:
            r = o.row
            other = f"{hm_span(o.other_start, o.other_end, tz)} {o.other_label}"
            lines.append(f"  line {r.line}: {hm_span(r.start, r.end, tz)} {r.project} / {r.task} "
                         f"overlaps {other}")  # fmt: skip
        if len(res.overlaps) > SHOWN:
            lines.append(f"  and {len(res.overlaps) - SHOWN} more")
    if res.dry_run:
        lines.append("Nothing was written (--dry-run)")
    return lines


def result_json(res: ImportResult, tz: ZoneInfo) -> dict:
    def at(t: int) -> str | None:
        return rfc3339_local(datetime.fromtimestamp(t, UTC), tz)

    overlaps = [
        {"line": o.row.line, "from": at(o.row.start), "to": at(o.row.end),
         "project": o.row.project, "task": o.row.task, "other_from": at(o.other_start),
         "other_to": at(o.other_end), "other": o.other_label}
        for o in res.overlaps
    ]  # fmt: skip
    return {
        "format": res.fmt,
        "dry_run": res.dry_run,
        "added": len(res.added),
        "added_seconds": sum(r.end - r.start for r in res.added),
        "projects_created": res.projects_created,
        "tasks_created": res.tasks_created,
        "already_imported": res.already,
        "duplicates": res.duplicates,
        "zero_length": res.zero_length,
        "future": res.future,
        "overlaps": overlaps,
    }


__all__ = ["ImportResult", "Overlap", "Plan", "hm_span", "plan", "result_json", "summary"]
