"""Push of capture data: activity slots and reviewed screenshots (server-spec §6.8, §6.10).

Runs at the end of the push step, after the entries: only slots and screenshots of entries the
server already accepted (``server_revision > 0``) on server projects move.

* Slots: ``POST /activity/batch`` in batches of at most 500, idempotent by the slot's id (the
  server upserts). A slot is marked synced only from the server's answer (with the revision sent:
  a slot that grew meanwhile stays pending); a rejected slot shows ``rejected`` with the server's
  code, blocks nothing and is offered again at the next sync.
  A slot tombstone (its entry was deleted, or shrank or split away from it) goes in the same
  batch with ``deleted: true``; the row goes once the server accepted it.
* Screenshots: those not deleted whose review window (``screenshots.review_minutes``) has passed,
  one multipart ``POST /screenshots`` each (idempotent by id and sha256, so a retry after a lost
  answer is harmless). 200/201 mark the row uploaded. A final refusal keeps it on this machine
  (``local_only``, visible in ``tracker screenshots list``): 403 ``screenshots_disabled`` until
  the project takes screenshots again (the switch as last pulled, else asked of the server with
  ``GET /projects/{id}`` at each sync), the others (deleted or another image under this id on the
  server, not an image, bad hash, too large) for good. A shot deleted here while its upload was
  in flight is deleted on the server at once.
* Re-links: an uploaded shot moved to another entry here (split, edit, away answer) is
  ``PATCH /screenshots/{id}`` with its new ``interval_id``.
* Deletes: a shot deleted here after upload (by the user, or with its entry) is a tombstone row
  until ``DELETE /screenshots/{id}`` answered 204 (or 404: already gone); then the row goes. The
  server refuses a deleted id for good, so a copy kept for a restore (``capture_trash``) is
  marked to come back under a new id, and a live row with that id (its entry restored while the
  delete was on its way) gets a new id at once and is uploaded as a new shot.
* Trash: at the end of each push, what entry deletes took more than 24 h ago is purged (rows
  and images; ``tracker.store.capture.purge_trash``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .. import config
from ..ids import new_id
from ..store import capture as cs
from ..store.repo import Store
from .errors import Refused
from .transport import Transport, encode_json
from .wire import batch_key, wire_time

BATCH_SIZE = 500
#: Upload answers after which a screenshot stays on this machine. Only the first is retried
#: (when the project takes screenshots again); the others are about this image or this id and
#: would be refused again, so they are never offered again.
FINAL_CODES = {
    cs.RETRYABLE_LOCAL_ONLY,
    "screenshot_deleted",
    "screenshot_conflict",
    "sha256_mismatch",
    "not_an_image",
    "image_too_large",
    "invalid_time",
}


@dataclass
class CaptureReport:
    slots_sent: int = 0
    slots_accepted: int = 0
    slots_rejected: int = 0
    shots_uploaded: int = 0
    shots_local_only: int = 0
    shots_rejected: int = 0
    shots_deleted: int = 0
    slots_deleted: int = 0
    shots_relinked: int = 0
    shots_retried: int = 0

    @property
    def moved(self) -> bool:
        return any(vars(self).values())

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


def review_minutes(store: Store) -> int:
    key = "screenshots.review_minutes"
    value = store.get_setting(key)
    try:
        return int(value if value is not None else config.spec(key).default)
    except ValueError:
        return int(config.spec(key).default)


class CapturePusher:
    def __init__(
        self,
        store: Store,
        transport: Transport,
        now: Callable[[], float],
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.store = store
        self.transport = transport
        self.now = now
        self.batch_size = min(batch_size, BATCH_SIZE)

    def push(self, report: CaptureReport) -> None:
        self.push_slots(report)
        self.push_deletes(report)
        self.push_relinks(report)
        self.retry_local_only(report)
        self.push_shots(report)
        with self.store.transaction():
            cs.purge_trash(self.store, datetime.fromtimestamp(self.now(), UTC))

    # -- activity ------------------------------------------------------------------------------

    def push_slots(self, report: CaptureReport) -> None:
        after = ""
        while True:
            with self.store.snapshot():
                rows = cs.pending_slots(self.store, after, self.batch_size)
            if not rows:
                return
            after = rows[-1].slot.id
            try:
                answer = self._send_slots(rows)
            except Refused as exc:
                if len(rows) == 1:
                    answer = {"accepted": [], "rejected": [_refusal(rows[0].slot.id, exc)]}
                else:  # one malformed slot refused the whole batch: find it, send the rest
                    answer = {"accepted": [], "rejected": []}
                    for r in rows:
                        try:
                            one = self._send_slots([r])
                        except Refused as exc1:
                            one = {"accepted": [], "rejected": [_refusal(r.slot.id, exc1)]}
                        answer["accepted"] += one.get("accepted", [])
                        answer["rejected"] += one.get("rejected", [])
            self._take_slots(rows, answer, report)

    def _send_slots(self, rows: list[cs.PendingSlot]) -> dict[str, Any]:
        items = []
        for r in rows:
            item = {
                "id": r.slot.id,
                "interval_id": r.slot.interval_id,
                "slot_start": wire_time(r.slot.slot_start),
                "slot_seconds": r.slot.slot_seconds,
                "active_seconds": r.slot.active_seconds,
                "keyboard_events": r.slot.keyboard_events,
                "mouse_events": r.slot.mouse_events,
            }
            if r.deleted:  # the numbers of a delete are not read; keep them valid
                item["slot_seconds"] = max(1, r.slot.slot_seconds)
                item["active_seconds"] = min(r.slot.active_seconds, item["slot_seconds"])
                item["deleted"] = True
            items.append(item)
        raw = encode_json({"slots": items})
        resp = self.transport.request(
            "POST", "/activity/batch", body=raw, headers={"Idempotency-Key": batch_key(raw)}
        )
        return resp.data or {}

    def _take_slots(
        self, rows: list[cs.PendingSlot], answer: dict[str, Any], report: CaptureReport
    ) -> None:
        sent = {r.slot.id: r.revision for r in rows}
        deletes = {r.slot.id for r in rows if r.deleted}
        report.slots_sent += len(rows)
        with self.store.transaction():
            accepted = [i for i in answer.get("accepted", []) if i in sent]
            cs.mark_slots_synced(self.store, [(i, sent[i]) for i in accepted])
            report.slots_accepted += len(accepted)
            report.slots_deleted += sum(1 for i in accepted if i in deletes)
            for rej in answer.get("rejected", []):
                sid = rej.get("id")
                if sid not in sent:
                    continue
                report.slots_rejected += 1
                code, detail = rej.get("code", "rejected"), rej.get("detail", "")
                cs.set_slot_status(self.store, sid, "rejected", f"{code}: {detail}".strip(": "))

    # -- screenshots ---------------------------------------------------------------------------

    def push_deletes(self, report: CaptureReport) -> None:
        with self.store.snapshot():
            ids = cs.shot_tombstones(self.store)
        for sid in ids:
            if self._delete_remote(sid):
                with self.store.transaction():
                    cs.gone_on_server(self.store, sid, new_id)
                report.shots_deleted += 1

    def _delete_remote(self, sid: str) -> bool:
        """True once the server no longer has the shot."""
        try:
            self.transport.request("DELETE", f"/screenshots/{sid}")
        except Refused as exc:
            if exc.status == 404:
                return True
            with self.store.transaction():
                cs.set_shot_status(self.store, sid, "rejected", _detail(exc))
            return False
        return True

    def push_relinks(self, report: CaptureReport) -> None:
        with self.store.snapshot():
            moved = cs.shots_to_relink(self.store)
        for r in moved:
            try:
                self.transport.request(
                    "PATCH", f"/screenshots/{r.id}", json_body={"interval_id": r.interval_id}
                )
            except Refused as exc:
                with self.store.transaction():
                    if exc.status == 404 and exc.code != "interval_not_found":
                        # gone on the server (deleted, purged): nothing to move
                        cs.mark_shot_relinked(self.store, r)
                    else:  # shown, and tried again at the next sync
                        cs.set_shot_status(self.store, r.id, "rejected", _detail(exc))
                        report.shots_rejected += 1
                continue
            with self.store.transaction():
                cs.mark_shot_relinked(self.store, r)
            report.shots_relinked += 1

    def retry_local_only(self, report: CaptureReport) -> None:
        """Shots kept here because their project took no screenshots are offered again once it
        does: as the last pull says, or else as the server says now (one small request per
        such project and sync). Deleted shots are never offered; other refusals are final."""
        with self.store.snapshot():
            projects = cs.local_only_projects(self.store)
        for project_id, pulled_on in projects:
            on = pulled_on
            if not on:
                try:
                    on = bool(
                        (self.transport.request("GET", f"/projects/{project_id}").data or {}).get(
                            "screenshots"
                        )
                    )
                except Refused:  # no longer a member, or the project is gone
                    on = False
            if on:
                with self.store.transaction():
                    report.shots_retried += cs.reopen_local_only(self.store, project_id)

    def push_shots(self, report: CaptureReport) -> None:
        cutoff = int(self.now()) - review_minutes(self.store) * 60
        with self.store.snapshot():
            shots = cs.shots_to_upload(self.store, cutoff)
        for shot in shots:
            self._upload(shot, report)

    def _upload(self, shot: cs.Screenshot, report: CaptureReport) -> None:
        try:
            data = shot.path.read_bytes()
        except OSError:
            with self.store.transaction():
                cs.set_shot_status(self.store, shot.id, "rejected", "missing_file")
            report.shots_rejected += 1
            return
        if hashlib.sha256(data).hexdigest() != shot.sha256:
            return  # the image is being replaced (a blur): the next sync sends the new one
        form = {
            "id": shot.id,
            "interval_id": shot.interval_id,
            "taken_at": wire_time(int(shot.taken_at.timestamp())) or "",
            "sha256": shot.sha256,
            "blurred": "true" if shot.blurred else "false",
        }
        try:
            self.transport.request(
                "POST", "/screenshots", form=form,
                files={"image": (f"{shot.id}.jpg", data, "image/jpeg")},
            )  # fmt: skip
        except Refused as exc:
            final = exc.code in FINAL_CODES
            with self.store.transaction():
                cs.set_shot_status(
                    self.store, shot.id, "local_only" if final else "rejected", _detail(exc)
                )
            if final:
                report.shots_local_only += 1
            else:
                report.shots_rejected += 1
            return
        with self.store.transaction():
            marked = cs.mark_shot_uploaded(
                self.store, shot.id, shot.sha256, int(self.now()), shot.interval_id
            )
        if marked:
            report.shots_uploaded += 1
        elif self._delete_remote(shot.id):  # deleted here while it was on its way
            with self.store.transaction():
                cs.gone_on_server(self.store, shot.id, new_id)
            report.shots_deleted += 1


def _refusal(sid: str, exc: Refused) -> dict[str, str]:
    return {"id": sid, "code": exc.code or str(exc.status), "detail": exc.detail}


def _detail(exc: Refused) -> str:
    return f"{exc.code or exc.status}: {exc.detail}".strip(": ")
