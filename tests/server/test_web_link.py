"""One-time sign-in links (``POST /api/v1/auth/web-link``, ``/login/link/{secret}``): the
desktop app opens the web pages signed in. Once, for 60 seconds, only by the button's POST
(CSRF and Origin checked; a prefetcher's GET changes nothing), never for an archived account or
after a password change, only for the token's own account, and the session is a password
sign-in's (cookie flags, a new id, the same audit). Both databases."""

from __future__ import annotations

import dataclasses
import hashlib
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from srvutil import API
from starlette.testclient import TestClient
from webutil import ORIGIN, csrf_token, web_login

from server_stub.app import create_app
from server_stub.db.tables import audit_events, sign_in_links, web_sessions
from server_stub.services.accounts import set_password

GONE = "This sign-in link has expired or was used"


def _browser(app) -> TestClient:
    return TestClient(app, follow_redirects=False)


def _mint(user, body=None) -> tuple[str, dict]:
    """(the link's path on the server, the answer)."""
    r = user.post("/auth/web-link", body)
    assert r.status_code == 201, r.text
    out = r.json()
    return urlsplit(out["url"]).path, out


def _press(browser: TestClient, path: str, **headers: str):
    """Open the link's page and press its button, as a browser does."""
    page = browser.get(path)
    assert page.status_code == 200, page.text
    return browser.post(path, data={"csrf_token": csrf_token(page.text)},
                        headers={"Origin": ORIGIN, **headers})  # fmt: skip


def _rows(api, table) -> list:
    with api.state.db.read() as conn:
        return conn.execute(select(table)).all()


def _actions(api) -> list[str]:
    with api.state.db.read() as conn:
        return list(
            conn.execute(select(audit_events.c.action).order_by(audit_events.c.id)).scalars()
        )


def _gone(r, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert GONE in r.text and 'href="/login"' in r.text and "Traceback" not in r.text
    assert "tracker_session" not in r.headers.get("set-cookie", "")


def test_a_link_signs_in_once_like_a_password(api, team, server_clock):
    path, out = _mint(team.manager, {"next": "/dashboard?from=2026-11-01"})
    assert out["url"] == "http://testserver" + path and path.startswith("/login/link/")
    secret = path.rsplit("/", 1)[1]
    assert len(secret) >= 22  # 128+ random bits, URL-safe base64
    assert out["expires_at"] == "2026-11-25T12:01:00Z"  # 60 s after the (injected) now
    [row] = _rows(api, sign_in_links)
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {row.id, row.secret_hash} and row.used_at is None
    b = _browser(api.app)
    # GET shows the button and changes nothing, however often (link prefetchers)
    for _ in range(3):
        page = b.get(path)
        assert page.status_code == 200 and "Continue to Tracker" in page.text
        assert f'action="{path}"' in page.text and 'method="post"' in page.text
    assert _rows(api, sign_in_links)[0].used_at is None and _rows(api, web_sessions) == []
    r = b.post(path, data={"csrf_token": csrf_token(page.text)}, headers={"Origin": ORIGIN})
    assert r.status_code == 303 and r.headers["location"] == "/dashboard?from=2026-11-01"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie and "Max-Age=2592000" in cookie  # 30 days, as a password's
    value = b.cookies["tracker_session"]
    [session] = _rows(api, web_sessions)
    assert session.user_id == team.manager.id
    assert session.secret_hash == hashlib.sha256(value.encode()).hexdigest()
    assert b.get("/dashboard").status_code == 200
    assert _rows(api, sign_in_links)[0].used_at == server_clock.now
    actions = _actions(api)
    assert actions[-2:] == ["auth.web_link", "auth.web_sign_in"]
    # a second use, from this browser or another: refused, with the way to the sign-in form
    _gone(b.post(path, data={"csrf_token": csrf_token(b.get("/dashboard").text)},
                 headers={"Origin": ORIGIN}), 410)  # fmt: skip
    other = _browser(api.app)
    _gone(other.get(path), 410)
    assert len(_rows(api, web_sessions)) == 1 and _actions(api) == actions
    # unknown and absurd links: a plain 404 page, never a 500
    for bad in ("/login/link/nope", "/login/link/" + "x" * 5000, "/login/link/%00%ff"):
        _gone(other.get(bad), 404)
        page = other.get("/login")
        r = other.post(bad, data={"csrf_token": csrf_token(page.text)},
                       headers={"Origin": ORIGIN})  # fmt: skip
        _gone(r, 410)


def test_an_expired_link_is_refused(api, team, server_clock):
    path, _ = _mint(team.member)
    server_clock.now += 60
    _gone(_browser(api.app).get(path), 410)
    path, _ = _mint(team.member)
    b = _browser(api.app)
    page = b.get(path)
    assert page.status_code == 200
    server_clock.now += 60  # the page was open too long: the press comes too late
    r = b.post(path, data={"csrf_token": csrf_token(page.text)}, headers={"Origin": ORIGIN})
    _gone(r, 410)
    assert _rows(api, web_sessions) == []
    path, _ = _mint(team.member)
    server_clock.now += 59
    assert _press(_browser(api.app), path).headers["location"] == "/me"  # the landing page


def test_the_press_needs_our_token_and_origin_and_a_refusal_keeps_the_link(api, team):
    path, _ = _mint(team.admin)
    b = _browser(api.app)
    token = csrf_token(b.get(path).text)
    foreign = _browser(api.app)
    foreign_token = csrf_token(foreign.get(path).text)  # another browser's CSRF cookie
    attempts = [
        ({}, {"Origin": ORIGIN}),
        ({"csrf_token": "garbage"}, {"Origin": ORIGIN}),
        ({"csrf_token": foreign_token}, {"Origin": ORIGIN}),
        ({"csrf_token": token}, {"Origin": "http://evil.example"}),
        ({"csrf_token": token}, {"Origin": "null"}),
        ({"csrf_token": token}, {"Referer": "http://evil.example/mail"}),
    ]
    for data, headers in attempts:
        r = b.post(path, data=data, headers=headers)
        assert r.status_code == 403 and "Form refused" in r.text, (data, headers)
    assert _rows(api, sign_in_links)[0].used_at is None and _rows(api, web_sessions) == []
    r = b.post(path, data={"csrf_token": token}, headers={"Origin": ORIGIN})
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"


def test_an_archived_account_or_a_new_password_ends_its_links(api, team):
    path, _ = _mint(team.member)
    b = _browser(api.app)
    page = b.get(path)
    r = team.admin.patch(f"/users/{team.member.id}", {"archived": True})
    assert r.status_code == 200, r.text
    r = b.post(path, data={"csrf_token": csrf_token(page.text)}, headers={"Origin": ORIGIN})
    _gone(r, 410)
    assert _rows(api, web_sessions) == [] and "auth.web_link" not in _actions(api)
    assert team.member.post("/auth/web-link").status_code == 401  # its token went too
    # a password change ends the links not used yet, as it ends the browser sessions
    path, _ = _mint(team.viewer)
    set_password(api.state.db, api.state.passwords, email=team.viewer.email,
                 password="a new one!", now=api.state.now())  # fmt: skip
    _gone(_browser(api.app).get(path), 404)


def test_a_token_mints_only_for_its_own_account(api, team):
    # no way to name someone else: extra fields are ignored, the token decides
    path, _ = _mint(team.member, {"user_id": team.admin.id, "email": team.admin.email})
    b = _browser(api.app)
    assert _press(b, path).headers["location"] == "/me"
    [session] = _rows(api, web_sessions)
    assert session.user_id == team.member.id
    assert b.get("/dashboard").status_code == 403  # the member's pages, not the admin's
    # no token, a bad one, or a browser's session: no link (the API takes no cookie to write)
    assert api.client.post(API + "/auth/web-link").status_code == 401
    bad = dataclasses.replace(team.admin, token="trk_not-a-token")
    assert bad.post("/auth/web-link").status_code == 401
    browser = _browser(api.app)
    assert web_login(browser, team.admin.email).status_code == 303
    assert browser.post(API + "/auth/web-link", json={}).status_code == 401
    assert len(_rows(api, sign_in_links)) == 1


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "dashboard", "/x\\evil", "/\t/evil", "",
     "/" + "a" * 500],
)  # fmt: skip
def test_next_must_be_a_path_on_this_server(api, team, target):
    r = team.manager.post("/auth/web-link", {"next": target})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert _rows(api, sign_in_links) == []


def test_a_new_sign_in_replaces_the_browsers_old_session(api, team):
    b = _browser(api.app)
    assert web_login(b, team.admin.email).status_code == 303
    old = b.cookies["tracker_session"]
    path, _ = _mint(team.viewer)
    r = _press(b, path)
    assert r.status_code == 303 and r.headers["location"] == "/portal"
    assert b.cookies["tracker_session"] != old
    assert [s.user_id for s in _rows(api, web_sessions)] == [team.viewer.id]  # no fixation


def test_two_presses_at_once_sign_in_once(api, team):
    path, _ = _mint(team.manager)
    browsers = [_browser(api.app) for _ in range(4)]
    tokens = [csrf_token(b.get(path).text) for b in browsers]

    def press(i: int) -> int:
        return browsers[i].post(path, data={"csrf_token": tokens[i]},
                                headers={"Origin": ORIGIN}).status_code  # fmt: skip

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(press, range(4)))
    assert statuses == [303, 410, 410, 410]
    assert len(_rows(api, web_sessions)) == 1


def test_links_point_at_the_public_url_and_its_cookie_is_secure(api, team, settings, server_clock):
    public = "https://tracker.example"
    app = create_app(dataclasses.replace(settings, mail=dataclasses.replace(settings.mail,
                     public_url=public)), clock=server_clock)  # fmt: skip
    with TestClient(app, base_url=public, follow_redirects=False) as b:
        r = b.post(API + "/auth/web-link", json={"next": "/dashboard"},
                   headers=team.manager.headers)  # fmt: skip
        assert r.status_code == 201 and r.json()["url"].startswith(public + "/login/link/")
        path = urlsplit(r.json()["url"]).path
        page = b.get(path)
        assert "Secure" in page.headers["set-cookie"]  # the form's CSRF cookie
        r = b.post(path, data={"csrf_token": csrf_token(page.text)}, headers={"Origin": public})
        assert r.status_code == 303 and r.headers["location"] == "/dashboard"
        assert "Secure" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    app.state.tracker.db.dispose()
