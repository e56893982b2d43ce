"""Screenshots: multipart upload, listing, the image, and delete (server-spec §6.8, §6.10).

Uploads are idempotent by the client's id and the image's sha256: the same id and hash again
answer 200 with the stored record, the same id with another hash 409. Images are kept
content-addressed under the server's data dir (``screenshots/ab/abcdef…``); a blob goes when
its last screenshot is deleted. Who may see a screenshot is asked of :mod:`server_stub.authz`.
``PATCH /screenshots/{id}`` moves an uploaded shot to another of the owner's entries (the desktop
split or edited the entry it was taken in), without sending the image again.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import AwareDatetime, BaseModel
from sqlalchemy import false, func, insert, select, update

from .. import authz
from ..blobs import BlobStore
from ..db.tables import intervals, projects, screenshots, tasks
from ..errors import PROBLEM_RESPONSES, ApiError, Forbidden, Invalid, NotFound
from ..ids import canonical
from ..services import audit
from ..timefmt import rfc3339, to_epoch
from ..uploads import sniff_image
from . import paging
from .deps import AppState, CurrentActor, State
from .models import ScreenshotOut, ScreenshotPage
from .ranges import Filters, resolve_filters

router = APIRouter(tags=["screenshots"], responses=PROBLEM_RESPONSES)

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_BYTES = MAX_IMAGE_BYTES + 64 * 1024  # the image plus the multipart envelope
UPLOAD_PATH = "/screenshots"
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_IMAGE_CONTENT = {
    media: {"schema": {"type": "string", "format": "binary"}} for media in MEDIA_TYPES.values()
}


def _out(row) -> dict:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "interval_id": row.interval_id,
        "project_id": row.project_id,
        "taken_at": rfc3339(row.taken_at, None),
        "sha256": row.sha256,
        "bytes": row.bytes,
        "width": row.width,
        "height": row.height,
        "media_type": row.media_type,
        "blurred": bool(row.blurred),
    }


def _select():
    return select(screenshots, tasks.c.project_id, projects.c.screenshots.label("project_shots"))


def _joined():
    return (
        screenshots.join(intervals, intervals.c.id == screenshots.c.interval_id)
        .join(tasks, tasks.c.id == intervals.c.task_id)
        .join(projects, projects.c.id == tasks.c.project_id)
    )


def _blobs(state: AppState) -> BlobStore:
    return BlobStore(state.settings.data_dir, "screenshots")


def _inspect(data: bytes) -> tuple[str, int, int]:
    """(media type, width, height) of a JPEG, PNG or WebP; 422 ``not_an_image`` otherwise. The
    type is the content's: its magic bytes and Pillow must agree (the name and the part's
    Content-Type are ignored)."""
    from PIL import Image

    sniffed = sniff_image(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a decompression bomb is not an image we keep
            with Image.open(io.BytesIO(data)) as im:
                media = MEDIA_TYPES.get(im.format or "")
                width, height = im.size
                im.verify()
    except Exception:  # Pillow raises many kinds for bad input
        media = None
    if media is None or media != sniffed:
        raise Invalid("not_an_image", "the image must be a JPEG, PNG or WebP file")
    return media, width, height


@router.post(
    "/screenshots",
    response_model=ScreenshotOut,
    status_code=201,
    responses={200: {"model": ScreenshotOut, "description": "already uploaded (same id, hash)"}},
)
def upload_screenshot(
    actor: CurrentActor,
    state: State,
    id: Annotated[UUID, Form(description="the client's id of the screenshot")],
    interval_id: Annotated[UUID, Form()],
    taken_at: Annotated[AwareDatetime, Form()],
    sha256: Annotated[str, Form(pattern=r"^[0-9a-f]{64}$", description="of the image bytes")],
    image: Annotated[UploadFile, File(description="JPEG, PNG or WebP, at most 5 MiB")],
    blurred: Annotated[bool, Form()] = False,
) -> Response:
    authz.require(actor, authz.Action.TRACK_TIME)
    data = image.file.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise ApiError(413, "image_too_large", "screenshots may be at most 5 MiB")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise Invalid("sha256_mismatch", "sha256 does not match the image bytes")
    taken = to_epoch(taken_at)
    if taken is None:
        raise Invalid("invalid_time", "taken_at must fall between 1971 and 2200")
    media, width, height = _inspect(data)
    sid, iid = canonical(id), canonical(interval_id)
    now = state.now()
    with state.db.write() as tx:
        conn = tx.conn
        row = conn.execute(_select().select_from(_joined()).where(screenshots.c.id == sid)).first()
        if row is not None:
            if not authz.may_upload_capture(actor, row.user_id) or row.sha256 != sha256:
                raise ApiError(409, "screenshot_conflict", "this id holds a different image")
            if row.deleted_at is not None:
                raise ApiError(409, "screenshot_deleted", "this screenshot was deleted")
            return JSONResponse(_out(row), status_code=200)
        _check_target(conn, actor, iid)
        blobs = _blobs(state)
        key = blobs.key(sha256)
        blobs.put(key, data)
        conn.execute(
            insert(screenshots).values(
                id=sid, user_id=actor.user_id, device_name=f"token:{actor.token_id[:8]}",
                interval_id=iid, taken_at=taken, sha256=sha256, bytes=len(data), width=width,
                height=height, media_type=media, blurred=blurred, storage_key=key,
                seq=tx.next_seq(), created_at=now, updated_at=now,
            )
        )  # fmt: skip
        row = conn.execute(_select().select_from(_joined()).where(screenshots.c.id == sid)).one()
    return JSONResponse(_out(row), status_code=201)


@router.get("/screenshots", response_model=ScreenshotPage)
def list_screenshots(
    actor: CurrentActor,
    state: State,
    filters: Filters,
    interval_id: UUID | None = None,
    cursor: paging.Cursor = None,
    limit: paging.Limit = 100,
) -> dict:
    q = (
        _select()
        .select_from(_joined())
        .where(authz.screenshot_scope(actor), screenshots.c.deleted_at.is_(None))
        .order_by(screenshots.c.taken_at, screenshots.c.id)
        .limit(limit + 1)
    )
    with state.db.read() as conn:
        f = resolve_filters(conn, actor, filters, "screenshots")
        if f.lo is not None:
            q = q.where(screenshots.c.taken_at >= f.lo)
        if f.hi is not None:
            q = q.where(screenshots.c.taken_at < f.hi)
        if f.user_id is not None:
            q = q.where(screenshots.c.user_id == f.user_id)
        if f.project_id is not None:
            q = q.where(tasks.c.project_id == f.project_id)
        if interval_id is not None:
            q = q.where(screenshots.c.interval_id == canonical(interval_id))
        if cursor:
            after, after_id = paging.decode(cursor, int, str)
            q = q.where(
                (screenshots.c.taken_at > after)
                | ((screenshots.c.taken_at == after) & (screenshots.c.id > after_id))
            )
        rows = conn.execute(q).all()
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = paging.encode(rows[-1].taken_at, rows[-1].id) if more else None
    return {"items": [_out(r) for r in rows], "next_cursor": nxt}


def _check_target(conn, actor: authz.Actor, iid: str) -> None:
    """The live entry a screenshot goes to: the caller's own (authz: 404 ``interval_not_found``
    when hidden from them, 403 ``no_access`` when someone else's they see), on a project that
    takes screenshots (403 ``screenshots_disabled``)."""
    target = conn.execute(
        select(intervals.c.user_id, tasks.c.project_id, projects.c.screenshots)
        .select_from(
            intervals.join(tasks, tasks.c.id == intervals.c.task_id).join(
                projects, projects.c.id == tasks.c.project_id
            )
        )
        .where(intervals.c.id == iid, intervals.c.deleted == false())
    ).first()
    if target is None:
        raise NotFound("interval", "interval_not_found")
    authz.capture_target(conn, actor, target.user_id, target.project_id)
    if not target.screenshots:
        raise Forbidden("this project does not take screenshots", "screenshots_disabled")


def _load(conn, actor: authz.Actor, sid: str, action: authz.ShotAction, *, live: bool = True):
    """The screenshot and the caller's right to ``action`` on it (asked of authz): 404 when it
    is hidden from them (or deleted, with ``live``), 403 when known but not theirs to act on."""
    q = (
        _select()
        .select_from(
            screenshots.outerjoin(intervals, intervals.c.id == screenshots.c.interval_id)
            .outerjoin(tasks, tasks.c.id == intervals.c.task_id)
            .outerjoin(projects, projects.c.id == tasks.c.project_id)
        )
        .where(screenshots.c.id == sid)
    )
    if live:
        q = q.where(screenshots.c.deleted_at.is_(None))
    row = conn.execute(q).first()
    if row is None:
        raise NotFound("screenshot")
    authz.screenshot(conn, actor, row.user_id, row.project_id, bool(row.project_shots), action)
    return row


@router.get(
    "/screenshots/{screenshot_id}/image",
    response_class=Response,
    responses={200: {"description": "the image", "content": _IMAGE_CONTENT}},
)
def screenshot_image(screenshot_id: UUID, actor: CurrentActor, state: State) -> Response:
    with state.db.read() as conn:
        row = _load(conn, actor, canonical(screenshot_id), authz.ShotAction.SEE)
    path = _blobs(state).path(row.storage_key)
    if not path.is_file():
        raise NotFound("screenshot image")
    return FileResponse(
        path, media_type=row.media_type, headers={"Cache-Control": "private, no-store"}
    )


class ScreenshotMove(BaseModel):
    interval_id: UUID


@router.patch("/screenshots/{screenshot_id}", response_model=ScreenshotOut)
def move_screenshot(
    screenshot_id: UUID, body: ScreenshotMove, actor: CurrentActor, state: State
) -> dict:
    """Re-link the caller's own screenshot to another of the caller's live entries. Only the
    person screenshotted may (403 for a shot the caller sees but is someone else's, 404 for one
    hidden from them or unknown); the new entry must be theirs (403 ``no_access`` / 404
    ``interval_not_found``) on a project that takes screenshots (403 ``screenshots_disabled``);
    a deleted shot is 409 ``screenshot_deleted``. The same entry again changes nothing."""
    sid, iid = canonical(screenshot_id), canonical(body.interval_id)
    now = state.now()
    with state.db.write() as tx:
        conn = tx.conn
        row = _load(conn, actor, sid, authz.ShotAction.RELINK, live=False)
        if row.deleted_at is not None:
            raise ApiError(409, "screenshot_deleted", "this screenshot was deleted")
        if row.interval_id != iid:
            _check_target(conn, actor, iid)
            conn.execute(
                update(screenshots)
                .where(screenshots.c.id == sid)
                .values(interval_id=iid, seq=tx.next_seq(), updated_at=now)
            )
        out = conn.execute(_select().select_from(_joined()).where(screenshots.c.id == sid)).one()
    return _out(out)


@router.delete("/screenshots/{screenshot_id}", status_code=204, response_class=Response)
def delete_screenshot(screenshot_id: UUID, actor: CurrentActor, state: State) -> Response:
    sid = canonical(screenshot_id)
    now = state.now()
    with state.db.write() as tx:
        conn = tx.conn
        row = _load(conn, actor, sid, authz.ShotAction.DELETE)
        conn.execute(
            update(screenshots)
            .where(screenshots.c.id == sid)
            .values(deleted_at=now, seq=tx.next_seq(), updated_at=now)
        )
        audit.record(
            conn, actor_id=actor.user_id, action="screenshot.delete", entity="screenshot",
            entity_id=sid, before={"user_id": row.user_id, "interval_id": row.interval_id,
                                   "sha256": row.sha256, "taken_at": row.taken_at},
            at=now,
        )  # fmt: skip
        live = conn.execute(
            select(func.count())
            .select_from(screenshots)
            .where(screenshots.c.sha256 == row.sha256, screenshots.c.deleted_at.is_(None))
        ).scalar_one()
        if not live:  # inside the write lock: no upload of the same bytes can interleave
            _blobs(state).remove(row.storage_key)
    return Response(status_code=204)
