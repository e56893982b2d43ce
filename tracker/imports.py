"""Reading other trackers' CSV exports (and this tool's own) into plain rows.

Pure: text in, rows out. Toggl Track and Clockify write their detailed reports with their own
column sets (shared/research/einvoicing-and-imports.md §6): a UTF-8 byte-order mark, fields
quoted or not, dates as ``YYYY-MM-DD``, ``MM/DD/YYYY``, ``DD/MM/YYYY`` or ``DD.MM.YYYY``, times
in 24- or 12-hour form, ``Task`` or ``Activity``, and extra columns that are ignored. Times are
wall times of the exporting user's zone.

Every row gets a stable id (a UUIDv5 of what the row says, or the row's own id for this tool's
CSV), so importing the same file twice adds nothing (:mod:`tracker.import_plan` decides which
rows to add and words the result).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from .errors import InvalidInput
from .ids import is_uuid
from .timeparse import MAX_ENTRY_SECONDS, MAX_YEAR, MIN_YEAR

FORMATS = ("toggl", "clockify", "csv")
LABELS = {"toggl": "Toggl Track", "clockify": "Clockify", "csv": "Tracker"}
#: The namespace of imported rows' ids (uuid5 of the row's own fields).
NAMESPACE = uuid.UUID("4b3c2f1e-7a52-5d61-9b0e-51f0c3a8d7e2")
NO_PROJECT = "No project"
NOTE_MAX = 10_000  # as a note typed in the app (service.base.clean_note) and the server
NO_TASK = "No task"

# The columns a file must have, as the tools spell them (matched without regard to case).
_REQUIRED = {
    "toggl": ("Project", "Description", "Start date", "Start time", "End date", "End time"),
    "clockify": ("Project", "Description", "Start Date", "Start Time", "End Date", "End Time"),
    "csv": ("id", "project", "task", "started_at", "ended_at"),
}
_HOW = {
    "toggl": "in Toggl Track export Reports → Detailed → Export as CSV",
    "clockify": "in Clockify export Reports → Time → Detailed → Export → Save as CSV",
    "csv": "export with `tracker export --format csv`",
}

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_DMY_OR_MDY = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([AaPp])\.?\s*[Mm]\.?)?$")


class Row(NamedTuple):
    """One row to import (a named tuple: 100k of them are made per file)."""

    line: int  # 1-based line of the file (the header is line 1)
    id: str  # stable per row
    project: str
    client: str
    task: str
    note: str
    start: int  # epoch seconds
    end: int


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    zero_length: list[int] = field(default_factory=list)  # lines


# -- reading ------------------------------------------------------------------------------------


def _key(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).casefold()


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a BOM); refused in one line otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"the file is not UTF-8 text (byte {exc.start}): export it again as CSV (UTF-8)"
        ) from None


def _dialect(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def read(text: str, fmt: str) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """The header's column positions (by lower-case name) and the data records with their
    line numbers. A file without the format's columns is refused, naming what is missing."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format '{fmt}': give one of {', '.join(FORMATS)}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text))
    try:
        header = next(reader, None)
        if header is None:
            raise InvalidInput(f"the file is empty: {_HOW[fmt]}")
        cols: dict[str, int] = {}
        for i, name in enumerate(header):
            cols.setdefault(_key(name), i)
        missing = [c for c in _REQUIRED[fmt] if _key(c) not in cols]
        if missing:
            raise InvalidInput(
                f"this is not a {LABELS[fmt]} CSV export: the columns {', '.join(missing)} are "
                f"missing; {_HOW[fmt]}, or choose the right --format"
            )
        records = []
        append = records.append
        for rec in reader:
            if "".join(rec).strip():  # not a blank row
                append((reader.line_num, rec))
    except csv.Error as exc:
        raise InvalidInput(
            f"line {reader.line_num}: the CSV cannot be read ({exc}): export the file again"
        ) from None
    return cols, records


def _date_reader(texts: Iterable[str], order: str | None) -> Callable[[str, int], tuple]:
    """A parser for the file's date format, chosen from all its dates at once: a day above 12
    tells day-first from month-first; a file where none is says month-first for ``/`` (the
    US form Clockify writes by default) and day-first for ``.`` and ``-``, unless ``order``
    (``dmy`` or ``mdy``) says."""
    day_first = month_first = False
    seps = set()
    for t in texts:
        m = _DMY_OR_MDY.match(t)
        if m:
            seps.add(m.group(2))
            a, b = int(m.group(1)), int(m.group(3))
            day_first |= a > 12
            month_first |= b > 12
    if day_first and month_first:
        raise InvalidInput("the dates mix day-first and month-first forms: export the file again")
    if order is None:
        if day_first:
            order = "dmy"
        elif month_first:
            order = "mdy"
        else:
            order = "mdy" if seps <= {"/"} else "dmy"
    cache: dict[str, tuple[int, int, int]] = {}

    def parse(text: str, line: int) -> tuple[int, int, int]:
        hit = cache.get(text)
        if hit is not None:
            return hit
        if m := _ISO_DATE.match(text) or _YMD_SLASH.match(text):
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif m := _DMY_OR_MDY.match(text):
            a, b, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
            d, mo = (a, b) if order == "dmy" else (b, a)
        else:
            raise InvalidInput(
                f"line {line}: cannot read the date '{text}' (expected YYYY-MM-DD, MM/DD/YYYY, "
                "DD/MM/YYYY or DD.MM.YYYY): fix the row or export the file again"
            )
        try:
            date(y, mo, d)
        except ValueError:
            raise InvalidInput(
                f"line {line}: '{text}' is not a date: fix the row or export the file again"
            ) from None
        if not MIN_YEAR <= y <= MAX_YEAR:
            _out_of_range(line, text)
        cache[text] = (y, mo, d)
        return y, mo, d

    return parse


def _time(text: str, line: int) -> tuple[int, int, int]:
    m = _TIME.match(text)
    if m:
        h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        half = m.group(4)
        if half:
            if not 1 <= h <= 12:
                m = None
            else:
                h = h % 12 + (12 if half in "Pp" else 0)
        if m and h < 24 and mi < 60 and s < 60:
            return h, mi, s
    raise InvalidInput(
        f"line {line}: cannot read the time '{text}' (expected 13:05, 13:05:09 or 1:05 PM): "
        "fix the row or export the file again"
    )


class _Instants:
    """Local wall times of ``tz`` as epoch seconds, fast: a day without a clock change is its
    midnight plus the seconds into it (one zoneinfo call per day); a day with one goes through
    ``datetime`` (the first of a repeated hour, as elsewhere)."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._days: dict[tuple[int, int, int], int | None] = {}

    def midnight(self, day: tuple[int, int, int]) -> int | None:
        """The day's midnight as epoch seconds, or None on a day the clock changes."""
        base = self._days.get(day, -1)
        if base == -1:
            start = datetime(*day, tzinfo=self.tz)
            last = datetime(*day, 23, 59, 59, tzinfo=self.tz)
            base = int(start.timestamp()) if start.utcoffset() == last.utcoffset() else None
            self._days[day] = base
        return base

    def __call__(self, day: tuple[int, int, int], clock: tuple[int, int, int]) -> int:
        base = self.midnight(day)
        if base is None:
            return int(datetime(*day, *clock, tzinfo=self.tz).timestamp())
        return base + clock[0] * 3600 + clock[1] * 60 + clock[2]


_NS = NAMESPACE.bytes
_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def stable_id(key: str) -> str:
    """``str(uuid.uuid5(NAMESPACE, key))``, without building UUID objects (100k rows a file):
    the SHA-1's first 32 hex digits with the version (5) and the variant (10xx) set."""
    x = hashlib.sha1(_NS + key.encode("utf-8")).hexdigest()
    return f"{x[:8]}-{x[8:12]}-5{x[13:16]}-{_VARIANT[x[16]]}{x[17:20]}-{x[20:32]}"


def parse(
    data: bytes | str,
    fmt: str,
    tz: ZoneInfo,
    date_order: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Parsed:
    """The file's rows. Zero-length rows are left out (their lines listed); a row that cannot
    be read refuses the whole file, naming its line. Without a task, a row's task is
    :data:`NO_TASK` (Toggl's entries often have none); the description is the note."""
    text = decode(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
    cols, records = read(text, fmt)
    if fmt == "csv":
        return _parse_own(cols, records, progress)
    return _parse_report(fmt, cols, records, tz, date_order, progress)


def _parse_report(
    fmt: str,
    cols: dict[str, int],
    records: list[tuple[int, list[str]]],
    tz: ZoneInfo,
    date_order: str | None,
    progress: Callable[[int, int], None] | None,
) -> Parsed:
    """Toggl's and Clockify's rows. The hot loop of a 100k-row import: each distinct date
    text is read once into its midnight and each distinct time text once into its seconds
    (both keyed by the cell's raw text), so an instant costs two dict lookups; only a day
    the clock changes on goes through ``datetime``."""
    width = max(cols.values()) + 1
    blank = width  # the index of a missing column: rows get one empty cell more if one is

    def at(name: str) -> int:
        i = cols.get(name)
        return blank if i is None else i

    sd, st, ed, et = (at(_key(c)) for c in _REQUIRED[fmt][2:])
    i_project, i_client, i_desc = at("project"), at("client"), at("description")
    i_task = at("task") if "task" in cols else at("activity")
    i_email, i_user = at("email"), at("user")
    need = max(sd, st, ed, et, i_project, i_client, i_desc, i_task, i_email, i_user) + 1
    for _line, r in records:
        if len(r) < need:
            r.extend([""] * (need - len(r)))
    texts = {r[i] for _n, r in records for i in (sd, ed)}  # distinct dates: a few thousand
    dates = _date_reader({t.strip() for t in texts}, date_order)
    instant = _Instants(tz)
    midnights: dict[str, int | None] = {}  # a date cell's raw text -> its midnight, or None
    seconds: dict[str, int] = {}  # a time cell's raw text -> seconds into the day

    def time_of(raw: str, line: int) -> int:
        h, m, s = _time(raw.strip(), line)
        seconds[raw] = n = h * 3600 + m * 60 + s
        return n

    def midnight_of(raw: str, line: int) -> int | None:
        midnights[raw] = base = instant.midnight(dates(raw.strip(), line))
        return base

    def exact(d: str, secs: int, line: int) -> int:  # on a day the clock changes
        return instant(dates(d.strip(), line), (secs // 3600, secs // 60 % 60, secs % 60))

    out = Parsed()
    rows, zero = out.rows, out.zero_length
    total = len(records)
    get_m, get_s, join = midnights.get, seconds.get, "\x1f".join
    miss = object()
    for k, (line, r) in enumerate(records):
        d0, t0, d1, t1 = r[sd], r[st], r[ed], r[et]
        # the texts are read in this order, so the first bad one is the one named
        s0 = get_s(t0)
        if s0 is None:
            s0 = time_of(t0, line)
        s1 = get_s(t1)
        if s1 is None:
            s1 = time_of(t1, line)
        m0 = get_m(d0, miss)
        if m0 is miss:
            m0 = midnight_of(d0, line)
        m1 = get_m(d1, miss)
        if m1 is miss:
            m1 = midnight_of(d1, line)
        start = exact(d0, s0, line) if m0 is None else m0 + s0
        end = exact(d1, s1, line) if m1 is None else m1 + s1
        if end <= start:
            if end == start:
                zero.append(line)
                continue
            raise InvalidInput(
                f"line {line}: the entry ends ({d1.strip()} {t1.strip()}) before it starts "
                f"({d0.strip()} {t0.strip()}): fix the row or remove it"
            )
        if end - start > MAX_ENTRY_SECONDS:
            _too_long(line)
        project = r[i_project].strip() or NO_PROJECT
        client, note = r[i_client].strip(), r[i_desc].strip()
        if len(note) > NOTE_MAX:
            _long_note(line)
        task = r[i_task].strip() or NO_TASK
        who = r[i_email].strip() or r[i_user].strip()
        key = join((fmt, who, client, project, task, note, str(start), str(end)))
        rows.append(Row(line, stable_id(key), project, client, task, note, start, end))
        if progress and k % 2000 == 0:
            progress(k, total)
    return out


def _out_of_range(line: int, text: str) -> None:
    raise InvalidInput(
        f"line {line}: '{text}' is out of range (dates between {MIN_YEAR} and {MAX_YEAR}): fix "
        "the row or remove it"
    )


def _too_long(line: int) -> None:
    raise InvalidInput(
        f"line {line}: the entry lasts more than 999 hours (the most an entry may): split it or "
        "remove the row"
    )


def _long_note(line: int) -> None:
    raise InvalidInput(
        f"line {line}: the description is longer than {NOTE_MAX:,} characters (the most a note "
        "holds): shorten it in the file"
    )


def _getter(cols: dict[str, int]) -> Callable[[list[str], str], str]:
    def get(r: list[str], name: str) -> str:
        i = cols.get(name)
        return r[i].strip() if i is not None and i < len(r) else ""

    return get


def _parse_own(
    cols: dict[str, int],
    records: list[tuple[int, list[str]]],
    progress: Callable[[int, int], None] | None,
) -> Parsed:
    get = _getter(cols)
    out = Parsed()
    for k, (line, r) in enumerate(records):
        try:
            start = datetime.fromisoformat(get(r, "started_at"))
            text_end = get(r, "ended_at")
            end = datetime.fromisoformat(text_end) if text_end else None
        except ValueError:
            raise InvalidInput(
                f"line {line}: cannot read the times '{get(r, 'started_at')}' and "
                f"'{get(r, 'ended_at')}' (expected RFC 3339): fix the row or export it again"
            ) from None
        if end is None:
            raise InvalidInput(
                f"line {line}: the entry was still running when it was exported: stop the "
                "timer and export again, or remove the row"
            )
        if start.tzinfo is None or end.tzinfo is None:
            raise InvalidInput(f"line {line}: the times carry no UTC offset: export them again")
        for t in (start, end):
            if not MIN_YEAR <= t.year <= MAX_YEAR:
                _out_of_range(line, t.date().isoformat())
        s, e = int(start.timestamp()), int(end.timestamp())
        if e < s:
            raise InvalidInput(f"line {line}: the entry ends before it starts: fix the row")
        if e - s > MAX_ENTRY_SECONDS:
            _too_long(line)
        if e == s:
            out.zero_length.append(line)
            continue
        if len(get(r, "note")) > NOTE_MAX:
            _long_note(line)
        own = get(r, "id")
        row_id = own if is_uuid(own) else stable_id(f"csv\x1f{own}\x1f{s}\x1f{e}")
        out.rows.append(Row(line, row_id, get(r, "project") or NO_PROJECT, "",
                            get(r, "task") or NO_TASK, get(r, "note"), s, e))  # fmt: skip
        if progress and k % 2000 == 0:
            progress(k, len(records))
    return out


__all__ = ["FORMATS", "LABELS", "NO_PROJECT", "NO_TASK", "Parsed", "Row", "decode", "parse", "read",
           "stable_id"]  # fmt: skip
