"""The project's chat and files on its portal page (contract §4c, §5): read and written through
the collaboration services, which ask :mod:`server_stub.authz` (``authz.chat``,
``authz.files``): everyone who sees the project — its team and its viewers — reads and writes
its chat and sees and adds its files. Downloads go through ``GET /api/v1/files/{id}`` with the
page's session. Share links show neither (they have no account to write as)."""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from markupsafe import Markup, escape

from ..errors import ApiError
from ..services import files, messages
from .deps import CheckedForm, PageActor, PageError, State

router = APIRouter(include_in_schema=False)

UPLOAD_PATH = "/portal/projects/{project_id}/files"  # takes the API's file limit (app.py)
_URL = re.compile(r"https?://[^\s<>\"']+")


def linked(text: str) -> Markup:
    """A chat message: escaped, its URLs made links (the only markup it gets)."""
    out, last = [], 0
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?)")
        out.append(escape(text[last : m.start()]))
        out.append(Markup('<a href="{0}" rel="nofollow noopener">{0}</a>').format(url))
        last = m.start() + len(url)
    out.append(escape(text[last:]))
    return Markup("").join(out)


def panels(state, actor, project_id: str) -> dict:
    """The chat (newest 50, oldest first) and the files for the page; None for a share link."""
    if actor.share is not None:
        return {"chat": None, "files": None}
    chat, _ = messages.page(state.db, actor, project_id, limit=50)
    listed, _ = files.page(state.db, actor, project_id, limit=100)
    return {"chat": list(reversed(chat)), "files": listed}


def _pid(raw: str) -> str:
    try:
        return str(UUID(raw))
    except ValueError:
        raise PageError(404, "There is no such project.") from None


def _back(pid: str, anchor: str, problem: str = "") -> RedirectResponse:
    query = f"?problem={problem}" if problem else ""
    return RedirectResponse(f"/portal/projects/{pid}{query}#{anchor}", status_code=303)


PROBLEMS = {
    "empty_message": "Write something before sending.",
    "project_archived": "The project is archived: nothing new is added.",
    "file_too_large": "Files are at most 25 MiB.",
    "no_file": "Choose a file first.",
}


@router.post("/portal/projects/{project_id}/messages")
def post_message(
    project_id: str, actor: PageActor, state: State, _form: CheckedForm,
    body: Annotated[str, Form(max_length=10_000)] = "",
):  # fmt: skip
    pid = _pid(project_id)
    if not body.strip():
        return _back(pid, "chat", "empty_message")
    try:
        messages.post(state.db, actor, pid, body, now=state.now(),
                      notify=state.mailer is not None)  # fmt: skip
    except ApiError as exc:
        if exc.status == 404:
            raise PageError(404, "There is no such project.") from None
        return _back(pid, "chat", exc.code if exc.code in PROBLEMS else "empty_message")
    return _back(pid, "chat")


@router.post("/portal/projects/{project_id}/files")
def add_file(
    project_id: str, request: Request, actor: PageActor, state: State, _form: CheckedForm,
    file: Annotated[UploadFile | None, File()] = None,
):  # fmt: skip
    pid = _pid(project_id)
    if file is None or not file.filename:
        return _back(pid, "files", "no_file")
    try:
        files.upload(state.db, files.store_for(state.settings.data_dir), actor, pid,
                     file.filename, file.file, now=state.now())  # fmt: skip
    except ApiError as exc:
        if exc.status == 404:
            raise PageError(404, "There is no such project.") from None
        return _back(pid, "files", exc.code if exc.code in PROBLEMS else "no_file")
    return _back(pid, "files")
