"""Signing in through the web pages with a test client, as a browser does (the form, its CSRF
token, the session cookie): shared by the page tests and the authorization matrix."""

from __future__ import annotations

import re
from typing import Any

from srvutil import PASSWORD

ORIGIN = "http://testserver"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    m = _TOKEN.search(html)
    assert m, "the page has no form with a CSRF token"
    return m.group(1)


def web_login(client: Any, email: str, password: str = PASSWORD, next_: str = ""):
    """Sign in by the form; the answer (303 to the landing page when it worked)."""
    form = client.get("/login")
    assert form.status_code == 200, form.text
    return client.post(
        "/login",
        data={"csrf_token": csrf_token(form.text), "email": email, "password": password,
              "next": next_},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )  # fmt: skip


def web_post(client: Any, path: str, page: str, data: dict | None = None, **headers: str):
    """POST a form of ``page`` (its CSRF token) to ``path`` from our own origin."""
    html = client.get(page).text
    return client.post(
        path,
        data={"csrf_token": csrf_token(html), **(data or {})},
        headers={"Origin": ORIGIN, **headers},
        follow_redirects=False,
    )
