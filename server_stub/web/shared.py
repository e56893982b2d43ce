"""``/shared/{secret}``: the portal page of one project for anyone with a share link (contract
§5, server-spec §6.10), seen with the link's grants through ``authz.Actor.for_share``. A link
with a password asks for it once, then a short-lived session (its own cookie) keeps it open.
Unknown, expired and revoked links are 404; never drafts or pay data, as for any viewer."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse

from .. import authz
from ..api.ranges import resolve_tz
from ..api.screenshots import _blobs, _load
from ..services import share_links, web_sessions
from . import period as periods
from .deps import CheckedForm, PageError, State, render, secure_cookies, signed_out_form
from .portal import csv_download, project_view

router = APIRouter(include_in_schema=False)

SHARE_COOKIE = "tracker_share"
SHARE_LIFE = web_sessions.Lifetime(idle_seconds=3600, max_seconds=12 * 3600)
GONE = "There is no such shared page: the link may have expired or been revoked."


def _open(request: Request, state, secret: str, password: str | None = None):
    """(the link's access, the caller behind it) — the caller is None while a password is due."""
    now = state.now()
    with state.db.small_write() as conn:
        access = share_links.resolve(conn, secret, password, passwords=state.passwords, now=now)
    if access is None:
        raise PageError(404, GONE)
    grant = authz.ShareGrant(access.link_id, access.project_id, access.grants)
    if access.granted:
        return access, authz.Actor.for_share(grant)
    found = web_sessions.lookup(state.db, request.cookies.get(SHARE_COOKIE), now=now,
                                life=SHARE_LIFE)  # fmt: skip
    if found is not None and found.share_link_id == access.link_id:
        return access, found.actor
    return access, None


def _password_form(request: Request, state, secret: str, *, status: int = 200, wrong=False):
    message = "That password is not right." if wrong else ""
    return signed_out_form(request, state, "shared_password.html", status, title="Shared page",
                           secret=secret, message=message)  # fmt: skip


@router.get("/shared/{secret}")
def shared_page(secret: str, request: Request, state: State):
    access, actor = _open(request, state, secret)
    if actor is None:
        return _password_form(request, state, secret)
    now = state.now()
    q = request.query_params
    with state.db.read() as conn:
        tz = resolve_tz(conn, None)
        period = periods.parse(q.get("from"), q.get("to"), tz, now, default=periods.this_month)
        project = authz.project_access(conn, actor, access.project_id)
        if project is None:
            raise PageError(404, GONE)
        view = project_view(conn, actor, project, tz, now, period)
    base = f"/shared/{secret}"
    return render(request, "portal_project.html", title=view["project"].name, period=period,
                  tz=tz, now=now, base=base, shared=True, shot_base=base + "/screenshots",
                  actor=None, **view)  # fmt: skip


@router.post("/shared/{secret}")
def shared_password(
    secret: str,
    request: Request,
    state: State,
    _form: CheckedForm,
    password: Annotated[str, Form(max_length=1000)] = "",
):
    access, actor = _open(request, state, secret, password or None)
    if actor is None or not access.granted:
        return _password_form(request, state, secret, status=401, wrong=bool(password))
    cookie, _sid = web_sessions.create(state.db, now=state.now(), life=SHARE_LIFE,
                                       share_link_id=access.link_id)  # fmt: skip
    response = RedirectResponse(f"/shared/{secret}", status_code=303)
    response.set_cookie(
        SHARE_COOKIE, cookie, max_age=SHARE_LIFE.max_seconds, httponly=True, samesite="lax",
        secure=secure_cookies(request, state), path="/shared/",
    )  # fmt: skip
    return response


@router.get("/shared/{secret}/entries.csv")
def shared_csv(secret: str, request: Request, state: State):
    access, actor = _open(request, state, secret)
    if actor is None:
        raise PageError(403, "Open the shared page and enter its password first.")
    with state.db.read() as conn:
        project = authz.project_access(conn, actor, access.project_id)
        tz = resolve_tz(conn, None)
        return csv_download(conn, actor, project, tz, state.now(), request.query_params)


@router.get("/shared/{secret}/screenshots/{screenshot_id}")
def shared_screenshot(secret: str, screenshot_id: str, request: Request, state: State):
    _access, actor = _open(request, state, secret)
    if actor is None:
        raise PageError(403, "Open the shared page and enter its password first.")
    try:
        sid = str(UUID(screenshot_id))
    except ValueError:
        raise PageError(404, "There is no such screenshot.") from None
    with state.db.read() as conn:
        row = _load(conn, actor, sid, authz.ShotAction.SEE)
    path = _blobs(state).path(row.storage_key)
    if not path.is_file():
        raise PageError(404, "There is no such screenshot.")
    return FileResponse(path, media_type=row.media_type,
                        headers={"Cache-Control": "private, no-store"})  # fmt: skip
