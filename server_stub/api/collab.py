"""Collaboration (contract §4c): a project's chat, its files and its share links.

Thin routes over :mod:`server_stub.services.messages`, :mod:`~server_stub.services.files` and
:mod:`~server_stub.services.share_links`, which the web pages call too; who may do what is
asked of :mod:`server_stub.authz` there.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, File, Path, Request, UploadFile
from fastapi.responses import FileResponse, Response

from ..errors import PROBLEM_RESPONSES, Invalid
from ..ids import canonical
from ..services import files, messages, notices, share_links
from ..timefmt import to_epoch
from . import paging
from .collab_models import (
    FileOut,
    FilePage,
    MessageIn,
    MessageOut,
    MessagePage,
    ShareLinkCreated,
    ShareLinkIn,
    ShareLinkPage,
)
from .deps import CurrentActor, State

router = APIRouter(tags=["collaboration"], responses=PROBLEM_RESPONSES)

ProjectId = Annotated[UUID, Path(description="project id")]
FILE_UPLOAD_PATH = "/projects/{project_id}/files"
MAX_UPLOAD_BYTES = files.MAX_FILE_BYTES + 64 * 1024  # the file plus the multipart envelope
_FILE_CONTENT = {
    media: {"schema": {"type": "string", "format": "binary"}} for media in files.CONTENT_TYPES
}
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


# -- chat -----------------------------------------------------------------------------------


@router.get("/projects/{project_id}/messages", response_model=MessagePage)
def list_messages(
    project_id: ProjectId, actor: CurrentActor, state: State, cursor: paging.Cursor = None,
    limit: paging.Limit = 50,
) -> dict:  # fmt: skip
    """The chat, newest first; ``next_cursor`` pages back in time."""
    before = paging.decode(cursor, int)[0] if cursor else None
    items, nxt = messages.page(state.db, actor, canonical(project_id), before=before, limit=limit)
    return {"items": items, "next_cursor": paging.encode(nxt) if nxt is not None else None}


@router.post("/projects/{project_id}/messages", response_model=MessageOut, status_code=201)
def post_message(
    project_id: ProjectId, body: MessageIn, actor: CurrentActor, state: State,
    background: BackgroundTasks,
) -> dict:  # fmt: skip
    """A message to the team (or the client); the other side hears by e-mail (a digest at
    most every 15 minutes per person)."""
    out = messages.post(
        state.db, actor, canonical(project_id), body.body, now=state.now(),
        notify=notices.mail_on(state),
    )  # fmt: skip
    notices.send_soon(state, background)
    return out


# -- files ----------------------------------------------------------------------------------


@router.post("/projects/{project_id}/files", response_model=FileOut, status_code=201)
def upload_file(
    project_id: ProjectId,
    actor: CurrentActor,
    state: State,
    file: Annotated[UploadFile, File(description="any file of at most 25 MiB")],
) -> dict:
    store = files.store_for(state.settings.data_dir)
    return files.upload(
        state.db, store, actor, canonical(project_id), file.filename, file.file, now=state.now()
    )


@router.get("/projects/{project_id}/files", response_model=FilePage)
def list_files(
    project_id: ProjectId, actor: CurrentActor, state: State, cursor: paging.Cursor = None,
    limit: paging.Limit = 100,
) -> dict:  # fmt: skip
    after = tuple(paging.decode(cursor, int, str)) if cursor else None
    items, nxt = files.page(state.db, actor, canonical(project_id), after=after, limit=limit)
    return {"items": items, "next_cursor": paging.encode(*nxt) if nxt is not None else None}


@router.get(
    "/files/{file_id}",
    response_class=Response,
    responses={200: {"description": "the file, as an attachment", "content": _FILE_CONTENT}},
)
def download_file(file_id: UUID, actor: CurrentActor, state: State) -> Response:
    store = files.store_for(state.settings.data_dir)
    meta, path = files.open_file(state.db, store, actor, canonical(file_id))
    headers = {**DOWNLOAD_HEADERS, "Content-Disposition": files.content_disposition(meta["name"])}
    return FileResponse(path, media_type=meta["content_type"], headers=headers)


@router.delete("/files/{file_id}", status_code=204, response_class=Response)
def delete_file(file_id: UUID, actor: CurrentActor, state: State) -> Response:
    store = files.store_for(state.settings.data_dir)
    files.delete(state.db, store, actor, canonical(file_id), now=state.now())
    return Response(status_code=204)


# -- share links ----------------------------------------------------------------------------


@router.post("/projects/{project_id}/share-links", response_model=ShareLinkCreated, status_code=201)
def create_share_link(
    project_id: ProjectId, body: ShareLinkIn, actor: CurrentActor, state: State,
    request: Request,
) -> dict:  # fmt: skip
    """A secret link to the project's portal page; ``url`` carries the secret, shown once."""
    expires = None
    if body.expires_at is not None:
        expires = to_epoch(body.expires_at)
        if expires is None:
            raise Invalid("invalid_time", "expires_at must fall between 1971 and 2200")
    return share_links.create(
        state.db, state.passwords, actor, canonical(project_id),
        public_url=notices.public_url(state, request), grants=body.grants.model_dump(),
        expires_at=expires, password=body.password, now=state.now(),
    )  # fmt: skip


@router.get("/projects/{project_id}/share-links", response_model=ShareLinkPage)
def list_share_links(project_id: ProjectId, actor: CurrentActor, state: State) -> dict:
    """Every link of the project, revoked and expired ones too; never a secret."""
    return {
        "items": share_links.list_links(state.db, actor, canonical(project_id)),
        "next_cursor": None,
    }


@router.delete("/share-links/{link_id}", status_code=204, response_class=Response)
def revoke_share_link(link_id: UUID, actor: CurrentActor, state: State) -> Response:
    share_links.revoke(state.db, actor, canonical(link_id), now=state.now())
    return Response(status_code=204)
