"""Push and pull: one sync cycle between the local store and the server (server-spec §6.8).

Push: tasks created or changed offline in server projects first (the entries need them), then
every unpushed entry in batches of at most :data:`BATCH_SIZE`, each with an ``Idempotency-Key``
derived from the batch's body (a retry of the same batch, even from a restarted process, carries
the same key). Rows are marked synced only from the server's answer, one transaction per answer.
Conflicts are merged field by field (``conflicts.merge``) and pushed again on the new base;
rejections become the entry's visible ``rejected`` state with the server's code; neither blocks
any other entry. Then activity slots and reviewed screenshots (:mod:`tracker.sync.capture`).

Pull: ``GET /changes`` from the stored cursor; each page (projects, tasks, memberships, entries,
tombstones) is applied in one local transaction together with the cursor that follows it, so a
crash at any instant leaves either the page applied and the cursor moved, or neither.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..store import capture as capture_store
from ..store import sync_state as ss
from ..store.repo import Store
from ..store.sync_state import Content, LocalRow
from .capture import CapturePusher, CaptureReport
from .conflicts import merge
from .errors import Refused
from .transport import Transport, encode_json
from .wire import batch_key, parse_time, wire_time

BATCH_SIZE = 500
PAGE_SIZE = 1000
MERGE_PASSES = 3


def server_content(data: dict[str, Any], deleted: bool | None = None) -> Content:
    return Content(
        task_id=data["task_id"],
        started_at=parse_time(data["started_at"]) or 0,
        ended_at=parse_time(data.get("ended_at")),
        note=data.get("note") or "",
        source=data.get("source") or "timer",
        deleted=bool(data.get("deleted") if deleted is None else deleted),
    )


@dataclass
class SyncReport:
    tasks_pushed: int = 0
    sent: int = 0
    accepted: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: dict[str, int] = field(
        default_factory=lambda: {"project": 0, "task": 0, "membership": 0, "interval": 0}
    )
    applied: int = 0  # pulled entries that changed something here
    tombstones: int = 0
    notices: list[str] = field(default_factory=list)
    pending: int = 0
    problems: dict[str, int] = field(default_factory=dict)
    last_success: str | None = None
    capture: CaptureReport = field(default_factory=CaptureReport)
    capture_problems: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "pushed": {"tasks": self.tasks_pushed, "entries": self.sent,
                       "accepted": self.accepted, "conflicts": self.conflicts,
                       "rejected": self.rejected},
            "pulled": {**self.pulled, "applied": self.applied, "tombstones": self.tombstones},
            "notices": self.notices,
            "pending": self.pending,
            "conflict": self.problems.get("conflict", 0),
            "rejected": self.problems.get("rejected", 0),
            "last_sync": self.last_success,
            "capture": {**self.capture.as_dict(), "problems": self.capture_problems},
        }  # fmt: skip


class _Call(threading.Thread):
    """One request on a thread of its own, so the caller can work meanwhile; ``result()``
    returns its value or raises its error."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        super().__init__(name="tracker-sync-request", daemon=True)
        self._fn, self._args = fn, args
        self._value: Any = None
        self._error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self._value = self._fn(*self._args)
        except BaseException as exc:  # handed to the caller
            self._error = exc

    def result(self) -> Any:
        self.join()
        if self._error is not None:
            raise self._error
        return self._value


class SyncEngine:
    def __init__(
        self,
        store: Store,
        transport: Transport,
        *,
        device_name: str = "desktop",
        tz: ZoneInfo | None = None,
        now: Callable[[], float] = time.time,
        batch_size: int = BATCH_SIZE,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.store = store
        self.transport = transport
        self.device_name = device_name
        self.tz = tz or ZoneInfo("UTC")
        self.now = now
        self.batch_size = min(batch_size, BATCH_SIZE)
        self.page_size = page_size
        # This run's writer id: the server marks the rows it stores exactly as this run sent
        # them, and the pull of the same run asks to leave those out (they are here already).
        # A new id per run, never stored: after a crash the next run pulls them like any other.
        self.writer: str | None = None

    # -- the cycle -----------------------------------------------------------------------------

    def sync(self) -> SyncReport:
        """One push and one pull; raises the transport's errors (nothing is lost on any)."""
        report = SyncReport()
        first_notice = ss.last_notice_id(self.store)
        self.writer = uuid.uuid4().hex
        try:
            self.push(report)
            self.pull(report)
        finally:
            self.writer = None
        now = int(self.now())
        stamp = datetime.fromtimestamp(now, UTC).astimezone(self.tz).isoformat()
        with self.store.transaction():
            self.store.set_setting("sync.last_success", stamp)
            ss.put(self.store, "last_success_epoch", str(now))
        report.last_success = stamp
        report.notices = [n[4] for n in ss.notices(self.store, first_notice, 1000)]
        with self.store.snapshot():
            report.pending = self.store.count_unpushed()
            report.problems = ss.counts(self.store)
            report.capture_problems = capture_store.capture_problems(self.store)
        return report

    # -- push ----------------------------------------------------------------------------------

    def push(self, report: SyncReport) -> None:
        """Entries in batches, pipelined: the next batch is read and encoded, and the previous
        answer written, while the server works on the current one. Only one request is in
        flight at a time; a batch sent before the previous answer was written is safe (answers
        are keyed by entry and revision, and a crash means the same batches, same keys, again)."""
        self.push_tasks(report)
        requeue: set[str] | None = None
        for _ in range(MERGE_PASSES):
            again: set[str] = set()
            batch, after = self._next_batch("", requeue)
            call = _Call(self._send_batch, batch[2]) if batch else None
            try:
                while batch is not None and call is not None:
                    nxt, after = self._next_batch(after, requeue)
                    answer = call.result()
                    call = _Call(self._send_batch, nxt[2]) if nxt else None
                    again |= self._take_answer(batch[0], batch[1], answer, report)
                    batch = nxt
            finally:
                if call is not None:
                    call.join()  # never leave a request running behind an error
            if not again:
                break
            requeue = again
        # Activity and screenshots of the entries the server now holds.
        CapturePusher(self.store, self.transport, self.now, self.batch_size).push(report.capture)

    def _next_batch(
        self, after: str, requeue: set[str] | None
    ) -> tuple[tuple[list[LocalRow], list[dict[str, Any]], bytes] | None, str]:
        """The next batch after id ``after`` (rows, wire items, encoded body), and its last id."""
        while True:
            with self.store.snapshot():
                rows = ss.pending_intervals(self.store, after, self.batch_size)
            if not rows:
                return None, after
            after = rows[-1].id
            if requeue is not None:
                rows = [r for r in rows if r.id in requeue]
                if not rows:
                    continue
            items = [self._wire(r) for r in rows]
            # Encoded once: the bytes sent are the bytes hashed for the Idempotency-Key.
            return (rows, items, encode_json({"intervals": items})), after

    def _send_batch(self, raw: bytes) -> dict[str, Any]:
        headers = {"Idempotency-Key": batch_key(raw)}
        if self.writer is not None:
            headers["Tracker-Writer"] = self.writer
        resp = self.transport.request("POST", "/intervals/batch", body=raw, headers=headers)
        return resp.data or {}

    def _wire(self, r: LocalRow) -> dict[str, Any]:
        c = r.content
        return {
            "id": r.id,
            "task_id": c.task_id,
            "started_at": wire_time(c.started_at),
            "ended_at": wire_time(c.ended_at),
            "note": c.note,
            "source": c.source,
            "revision": max(r.revision, r.server_revision + 1),
            "base_revision": r.server_revision,
            "deleted": c.deleted,
            "tz": r.tz,
            "device_name": self.device_name,
        }

    def _take_answer(
        self, rows: list[LocalRow], items: list[dict], answer: dict[str, Any], report: SyncReport
    ) -> set[str]:
        """Write one batch's answer in one transaction; the ids to push again (merged)."""
        report.sent += len(rows)
        sent = {r.id: r for r in rows}
        wire_rev = {it["id"]: it["revision"] for it in items}
        again: set[str] = set()
        now = int(self.now())
        with self.store.transaction():
            accepted = [i for i in answer.get("accepted", []) if i in sent]
            ss.mark_synced_many(self.store, [(sent[i], wire_rev[i]) for i in accepted])
            report.accepted += len(accepted)
            others = answer.get("conflicts") or answer.get("rejected")
            fresh = ss.local_rows(self.store, sent) if others else {}
            for c in answer.get("conflicts", []):
                iid = c.get("id")
                local = fresh.get(iid)
                if local is None or iid not in sent:
                    continue
                report.conflicts += 1
                if self._resolve_conflict(local, c, now):
                    again.add(iid)
            for rej in answer.get("rejected", []):
                iid = rej.get("id")
                local = fresh.get(iid)
                if local is None or iid not in sent:
                    continue
                report.rejected += 1
                if local.revision == sent[iid].revision:
                    code, detail = rej.get("code", "rejected"), rej.get("detail", "")
                    ss.set_status(self.store, iid, "rejected", f"{code}: {detail}".strip(": "))
        return again

    def _resolve_conflict(self, local: LocalRow, c: dict[str, Any], now: int) -> bool:
        """Apply one conflict answer; True when the merged entry must be pushed again."""
        data = c["server"]
        srv = server_content(data)
        srev = int(data["revision"])
        tz = data.get("tz") or local.tz
        if c.get("reason") == "locked":
            if local.content != srv:
                ss.add_notice(
                    self.store, now, "locked", local.id,
                    f"{self._label(local.content)}: the server has locked this entry "
                    "(invoiced or in a closed period); its copy was kept and your change was "
                    "not applied (copy it as a new entry if you need it)",
                    {"local": local.content.values()},
                )  # fmt: skip
            fitted = self._fit_running(local.id, srv, now)
            ss.write_server_copy(
                self.store, local.id, fitted, tz, srev, now, local, "conflict",
                "locked: the server's copy was kept",
            )  # fmt: skip
            if fitted != srv:
                self._make_pending(local.id, srv)
            self._span(fitted)
            return False
        if srev <= local.server_revision and local.base is not None:
            return False  # an old answer replayed; the next sync pushes again
        return self._merge_into(local, srv, srev, tz, now)

    def _merge_into(self, local: LocalRow, srv: Content, srev: int, tz: str, now: int) -> bool:
        """Three-way merge of a pending entry with a newer server copy; True if still pending."""
        m = merge(local.base, local.content, srv)
        status = detail = None
        if m.clashes:
            status = "conflict"
            detail = "changed here and on the server: kept the server's " + ", ".join(m.clashes)
            ss.add_notice(
                self.store, now, "conflict", local.id,
                f"{self._label(srv)}: {', '.join(m.clashes)} changed here and on the server; "
                "kept the server's",
                {"local": local.content.values()},
            )  # fmt: skip
        if m.content == srv:
            fitted = self._fit_running(local.id, srv, now)
            ss.write_server_copy(self.store, local.id, fitted, tz, srev, now, local, status, detail)
            if fitted != srv:
                self._make_pending(local.id, srv)
            self._span(fitted)
            return fitted != srv
        merged = self._fit_running(local.id, m.content, now)
        ss.write_merged(self.store, local, merged, srv, srev, now, status, detail)
        self._span(merged)
        return True

    def push_tasks(self, report: SyncReport) -> None:
        with self.store.snapshot():
            tasks = ss.pending_tasks(self.store)
        for t in tasks:
            skip_key = f"task_refused:{t.id}"
            if ss.get(self.store, skip_key) == str(t.revision):
                continue
            body = {"title": t.title, "status": t.status}
            try:
                if t.synced_revision == 0:
                    resp = self.transport.request(
                        "POST", f"/projects/{t.project_id}/tasks", json_body={"id": t.id, **body}
                    )
                    data = resp.data or {}
                    if data.get("title") != t.title or data.get("status") != t.status:
                        resp = self.transport.request("PATCH", f"/tasks/{t.id}", json_body=body)
                else:
                    resp = self.transport.request("PATCH", f"/tasks/{t.id}", json_body=body)
            except Refused as exc:
                with self.store.transaction():
                    ss.put(self.store, skip_key, str(t.revision))
                    ss.add_notice(
                        self.store, int(self.now()), "task_refused", None,
                        f"task '{t.title}' was not accepted by the server ({exc.code or exc.status}"
                        f"{': ' + exc.detail if exc.detail else ''}); its entries stay pending",
                    )  # fmt: skip
                continue
            with self.store.transaction():
                ss.mark_task_synced(self.store, t, int((resp.data or {}).get("revision") or 1))
            report.tasks_pushed += 1

    # -- pull ----------------------------------------------------------------------------------

    def pull(self, report: SyncReport) -> None:
        """Pages in cursor order; the next page is fetched while this one is applied."""
        with self.store.snapshot():
            cursor = ss.get(self.store, "cursor")
        self._unsaved_cursor: str | None = None
        call: _Call | None = _Call(self._fetch, cursor)
        try:
            while call is not None:
                data = call.result()
                items = data.get("items") or []
                nxt = data.get("next_cursor")
                # A page may be empty yet not the last (a feed that leaves out the caller's own
                # writes); stop when the server says so, or when the cursor would not move.
                more = bool(data.get("has_more")) and bool(nxt) and nxt != cursor
                call = _Call(self._fetch, nxt) if more else None
                self._apply_page(items, nxt, report)
                cursor = nxt
        finally:
            if call is not None:
                call.join()
            if self._unsaved_cursor:
                with self.store.transaction():
                    ss.put(self.store, "cursor", self._unsaved_cursor)
                self._unsaved_cursor = None

    def _fetch(self, cursor: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": self.page_size}
        if cursor:
            params["cursor"] = cursor
        if self.writer is not None:
            params["skip_writer"] = self.writer
        return self.transport.request("GET", "/changes", params=params).data or {}

    def _apply_page(self, items: list[dict], next_cursor: str | None, report: SyncReport) -> None:
        """Apply one page and the cursor after it in one transaction. A page with nothing to
        apply (typically this desktop's own pushes coming back) writes nothing: its cursor is
        saved with the next write, or at the end of the pull; a crash before that only means
        those pages are read (and skipped) again."""
        pulled = report.pulled
        entries: list[dict] = []
        others: list[dict] = []
        for it in items:
            kind = it.get("type")
            if kind in pulled:
                pulled[kind] += 1
            if kind == "interval":
                entries.append(it)
            elif kind in ("project", "task"):
                others.append(it)
        known: dict[str, int] = {}
        if entries:
            # The cheap skip: an entry whose server revision is not newer than the one this
            # desktop already holds (its own push coming back) is dropped before any parsing.
            with self.store.snapshot():
                known = ss.server_revisions(self.store, [it["id"] for it in entries])
            entries = [
                it for it in entries
                if int(it["data"]["revision"]) > known.get(it["id"], -1)
            ]  # fmt: skip
        if not entries and not others:
            if next_cursor:
                self._unsaved_cursor = next_cursor
            return
        now = int(self.now())
        with self.store.transaction():
            for it in others:
                if it["type"] == "project":
                    ss.upsert_project(self.store, it["data"], now)
                else:
                    ss.upsert_task(self.store, it["data"], now)
            local = ss.local_rows(self.store, [it["id"] for it in entries])
            for it in entries:
                self._apply_entry(it, local.get(it["id"]), now, report)
            if next_cursor:
                ss.put(self.store, "cursor", next_cursor)
                self._unsaved_cursor = None

    def _apply_entry(self, it: dict, local: LocalRow | None, now: int, report: SyncReport) -> None:
        data = it["data"]
        srev = int(data["revision"])
        srv = server_content(data, bool(it.get("deleted") or data.get("deleted")))
        tz = data.get("tz") or "UTC"
        if local is None:
            if srv.deleted:
                return
            ss.ensure_task(self.store, srv.task_id, data["project_id"], now)
            fitted = self._fit_running(it["id"], srv, now)
            ss.write_server_copy(self.store, it["id"], srv if fitted == srv else fitted, tz, srev,
                                 now, None)  # fmt: skip
            if fitted != srv:
                self._make_pending(it["id"], srv)
            self._span(fitted)
            report.applied += 1
            return
        if srev <= local.server_revision:
            return  # our own push coming back, or an older copy
        ss.ensure_task(self.store, srv.task_id, data["project_id"], now)
        report.applied += 1
        if srv.deleted and not local.content.deleted:
            report.tombstones += 1
        if not local.pending:
            was_running = local.content.ended_at is None and not local.content.deleted
            if was_running and srv.ended_at is not None and not srv.deleted:
                at = datetime.fromtimestamp(srv.ended_at, UTC).astimezone(self.tz)
                ss.add_notice(
                    self.store, now, "stopped", local.id,
                    f"{self._label(srv)}: your timer was stopped at {at:%H:%M:%S} "
                    "(a timer started on another device)",
                )  # fmt: skip
            fitted = self._fit_running(local.id, srv, now)
            ss.write_server_copy(self.store, local.id, fitted, tz, srev, now, local)
            if fitted != srv:
                self._make_pending(local.id, srv)
            self._span(fitted)
            self._capture_follows(local.id, local.content, fitted, now)
            return
        self._merge_into(local, srv, srev, tz, now)

    def _capture_follows(self, interval_id: str, was: Content, now_c: Content, now: int) -> None:
        """An entry deleted or moved on another device takes its activity and screenshots here
        along, as a delete or edit here would (same transaction as the page)."""
        if was.deleted:
            return
        when = datetime.fromtimestamp(now, UTC)
        if now_c.deleted:
            capture_store.drop_capture(self.store, interval_id, when)
        elif (now_c.started_at, now_c.ended_at) != (was.started_at, was.ended_at):
            from ..ids import new_id

            capture_store.rehome(
                self.store,
                capture_store.Span(interval_id, was.started_at, was.ended_at),
                [capture_store.Span(interval_id, now_c.started_at, now_c.ended_at)],
                when,
                new_id,
            )

    # -- one running timer ---------------------------------------------------------------------

    def _fit_running(self, interval_id: str, c: Content, now: int) -> Content:
        """Latest start wins: a running ``c`` stops the local running entry at its start, or is
        itself ended at the start of a later local one."""
        if c.ended_at is not None or c.deleted:
            return c
        other = ss.running_row(self.store)
        if other is None or other.id == interval_id:
            return c
        if other.content.started_at < c.started_at:
            ss.stop_local(self.store, other, c.started_at, now)
            at = datetime.fromtimestamp(c.started_at, UTC).astimezone(self.tz)
            ss.add_notice(
                self.store, now, "stopped", other.id,
                f"{self._label(other.content)}: your timer was stopped at {at:%H:%M:%S} "
                "(a timer started on another device)",
            )  # fmt: skip
            return c
        if other.content.started_at == c.started_at:
            return replace(c, deleted=True)
        return replace(c, ended_at=other.content.started_at)

    def _make_pending(self, interval_id: str, server: Content) -> None:
        """The entry was adjusted locally after taking the server's copy: push the change."""
        self.store.conn.execute(
            "UPDATE intervals SET revision = revision + 1 WHERE id = ?", [interval_id]
        )
        ss.set_base(self.store, interval_id, server)

    def _span(self, c: Content) -> None:
        if c.ended_at is not None and not c.deleted:
            ss.note_span(self.store, c.ended_at - c.started_at)

    def _label(self, c: Content) -> str:
        row = self.store.conn.execute(
            "SELECT p.name, t.title FROM tasks t JOIN projects p ON p.id = t.project_id "
            "WHERE t.id = ?",
            [c.task_id],
        ).fetchone()
        start = datetime.fromtimestamp(c.started_at, UTC).astimezone(self.tz)
        what = f"{row[0]}/{row[1]}" if row else "entry"
        return f"{what} at {start:%Y-%m-%d %H:%M}"
