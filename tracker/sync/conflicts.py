"""The client conflict policy (server-spec §6.8), as a pure function.

Field-level three-way merge of an entry against the base revision (the server's copy the local
change started from): a field changed on one side only takes that side's value; a field changed
on both sides to different values keeps the server's value and is reported. The start and the
end count as one field (the span), so a merge never makes an entry end before it starts. A
deletion on either side wins over edits on the other, and is reported when the other side had
edited. Never timestamp last-writer-wins.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..store.sync_state import Content

FIELDS = ("task_id", "span", "note", "source", "deleted")


@dataclass(frozen=True, slots=True)
class Merge:
    content: Content
    clashes: tuple[str, ...]  # fields changed on both sides; the server's value was kept


def _get(c: Content, field: str) -> object:
    if field == "span":
        return (c.started_at, c.ended_at)
    return getattr(c, field)


def _set(c: Content, field: str, value: object) -> Content:
    if field == "span":
        start, end = value  # type: ignore[misc]
        return replace(c, started_at=start, ended_at=end)
    return replace(c, **{field: value})


def merge(base: Content | None, local: Content, server: Content) -> Merge:
    """Merge ``local`` and ``server`` edits of one entry made from ``base``.

    Without a base (the server holds a copy this desktop never confirmed: its own push whose
    answer was lost), the server's copy counts as unchanged, so local values win.
    """
    if base is None:
        base = server
    if server.deleted and not base.deleted:
        edited = any(_get(local, f) != _get(base, f) for f in FIELDS if f != "deleted")
        return Merge(server, ("deleted",) if edited and not local.deleted else ())
    if local.deleted and not base.deleted:
        edited = any(_get(server, f) != _get(base, f) for f in FIELDS if f != "deleted")
        return Merge(local, ("deleted",) if edited else ())
    out = server
    clashes: list[str] = []
    for f in FIELDS:
        b, mine, theirs = _get(base, f), _get(local, f), _get(server, f)
        if mine in (b, theirs):
            continue  # unchanged here, or the same change on both sides: the server's value
        if theirs == b:
            out = _set(out, f, mine)
        else:
            clashes.append(f)
    return Merge(out, tuple(clashes))
