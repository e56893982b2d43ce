"""The authorization matrix: every endpoint × every role × own/other project (server-spec §6.10).

"own" is the project where the member works and the viewer views (with ``show_entries``);
"other" is a project neither belongs to. 404 for what the caller may not know exists, 403 for
what they can see but may not do, 401 without a valid token. :func:`test_every_route_is_in_the_
matrix` keeps it complete: a route of the app missing here (and not excused with a reason) fails.

Capture (activity, screenshots): both projects take screenshots; the target is the entry (or
the screenshot) of the project's member — ``member`` on "own", ``other_member`` on "other".
Capture goes only to the caller's own entries; ``granted_viewer`` views "own" with
``show_screenshots`` and ``show_activity``, ``viewer`` without them.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from matrix_documents import DOCUMENT_MATRIX
from matrix_invoices import INVOICE_GRANTS, INVOICE_MATRIX
from srvutil import API, PASSWORD, iv, slot, tracked, upload_shot

from server_stub.app import create_app
from server_stub.settings import Settings

ROLES = ("admin", "manager", "member", "viewer")
#: Roles an entry may add: a viewer of "own" holding the capture grants.
EXTRA_ROLES = ("granted_viewer", "invoice_viewer")
CAPTURE_GRANTS = {"show_entries": True, "show_screenshots": True, "show_activity": True}
#: The grants each extra role holds on "own".
EXTRA_GRANTS = {"granted_viewer": CAPTURE_GRANTS, "invoice_viewer": INVOICE_GRANTS}


def _p(team, which):
    return team.project if which == "own" else team.other_project


def _t(team, which):
    return team.task if which == "own" else team.other_task


def _new_email() -> str:
    return f"u{uuid.uuid4().hex[:10]}@example.com"


@dataclass
class _Capture:
    """Per "own"/"other": the project member's entry, a spare entry, a slot and a screenshot."""

    entry: dict[str, str]
    spare: dict[str, str]
    shot: dict[str, str]


_CAPTURE: dict[str, _Capture] = {}  # by the team's own project id (unique per test)


def _owner(team, which):
    return team.member if which == "own" else team.other_member


def _capture(team) -> _Capture:
    """Both projects take screenshots; each member has two entries, a slot and a shot."""
    key = team.project["id"]
    if key not in _CAPTURE:
        cap = _Capture({}, {}, {})
        for which in ("own", "other"):
            r = team.manager.patch(f"/projects/{_p(team, which)['id']}", {"screenshots": True})
            assert r.status_code == 200, r.text
            owner, task_id = _owner(team, which), _t(team, which)["id"]
            cap.entry[which] = tracked(
                owner, task_id, "2026-11-25T09:00:00Z", "2026-11-25T10:00:00Z"
            )
            cap.spare[which] = tracked(
                owner, task_id, "2026-11-25T10:00:00Z", "2026-11-25T11:00:00Z"
            )
            r = owner.post("/activity/batch", {"slots": [slot(cap.entry[which])]})
            assert r.status_code == 200 and not r.json()["rejected"], r.text
            r = upload_shot(owner, cap.entry[which])
            assert r.status_code == 201, r.text
            cap.shot[which] = r.json()["id"]
        _CAPTURE[key] = cap
    return _CAPTURE[key]


def _fresh_shot(team, which) -> str:
    """A new screenshot by the project's member (for calls that delete one)."""
    r = upload_shot(_owner(team, which), _capture(team).entry[which])
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _listing(path: str) -> Callable:
    """A list call filtered to the project (after the capture data exists)."""

    def call(u, t, w):
        _capture(t)
        return u.get(path, params={"project_id": _p(t, w)["id"]})

    return call


def _upload(u, t, w, name="notes.txt", data=b"meeting notes\n"):
    return u.post(f"/projects/{_p(t, w)['id']}/files", files={"file": (name, data, "text/plain")})


def _manager_file(t, w) -> str:
    """A file the manager uploaded to the project."""
    r = _upload(t.manager, t, w)
    assert r.status_code == 201, r.text
    return r.json()["id"]


_CLIENTS: dict[str, str] = {}  # team's own project id -> a client of both projects


def _client(team) -> str:
    """A client (made by the manager) that both projects bill."""
    key = team.project["id"]
    if key not in _CLIENTS:
        r = team.manager.post("/clients", {"name": "Acme", "currency": "EUR"})
        assert r.status_code == 201, r.text
        _CLIENTS[key] = r.json()["id"]
        for which in ("own", "other"):
            r = team.manager.patch(
                f"/projects/{_p(team, which)['id']}", {"client_id": _CLIENTS[key]}
            )
            assert r.status_code == 200, r.text
    return _CLIENTS[key]


def _contact(team) -> str:
    """A new contact of the team's client."""
    r = team.manager.post(
        f"/clients/{_client(team)}/contacts", {"name": "Ann", "email": "ann@example.com"}
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _manager_link(t, w) -> str:
    r = t.manager.post(f"/projects/{_p(t, w)['id']}/share-links", {})
    assert r.status_code == 201, r.text
    return r.json()["id"]


ADMIN_ONLY = {
    "admin": (200, 200),
    "manager": (403, 403),
    "member": (403, 403),
    "viewer": (403, 403),
}
STAFF = {"admin": (200, 200), "manager": (200, 200), "member": (403, 403), "viewer": (403, 403)}


def _sign_in(u):
    body = {"email": u.email, "password": PASSWORD, "device_name": "matrix"}
    return u.client.post(API + "/auth/token", json=body, headers=u.headers)


# endpoint name -> (call(user, team, which), {role: (own, other)}); a cell is the status, or
# (status, outcome): the problem ``code`` of an error, "accepted" or the first rejected item's
# code of a batch, "listed" / "empty" of a list (see :func:`_outcome`).
Cell = int | tuple[int, str]
ALL = {r: (200, 200) for r in ROLES}
MATRIX: dict[str, tuple[Callable, dict[str, tuple[Cell, Cell]]]] = {
    "GET /me": (lambda u, t, w: u.get("/me"), ALL),
    "GET /users": (
        lambda u, t, w: u.get("/users"),
        {"admin": (200, 200), "manager": (403, 403), "member": (403, 403), "viewer": (403, 403)},
    ),
    "POST /users": (
        lambda u, t, w: u.post(
            "/users",
            {"email": _new_email(), "name": "N", "role": "member", "password": "long enough"},
        ),
        {"admin": (201, 201), "manager": (403, 403), "member": (403, 403), "viewer": (403, 403)},
    ),
    "GET /audit": (
        lambda u, t, w: u.get("/audit"),
        {"admin": (200, 200), "manager": (403, 403), "member": (403, 403), "viewer": (403, 403)},
    ),
    "GET /clients": (
        lambda u, t, w: u.get("/clients"),
        {"admin": (200, 200), "manager": (200, 200), "member": (403, 403), "viewer": (403, 403)},
    ),
    "POST /clients": (
        lambda u, t, w: u.post("/clients", {"name": "C", "currency": "EUR"}),
        {"admin": (201, 201), "manager": (201, 201), "member": (403, 403), "viewer": (403, 403)},
    ),
    "POST /projects": (
        lambda u, t, w: u.post("/projects", {"name": "New"}),
        {"admin": (201, 201), "manager": (201, 201), "member": (403, 403), "viewer": (403, 403)},
    ),
    "GET /projects": (lambda u, t, w: u.get("/projects"), ALL),
    "GET /projects/{id}": (
        lambda u, t, w: u.get(f"/projects/{_p(t, w)['id']}"),
        {"admin": (200, 200), "manager": (200, 200), "member": (200, 404), "viewer": (200, 404)},
    ),
    "PATCH /projects/{id}": (
        lambda u, t, w: u.patch(f"/projects/{_p(t, w)['id']}", {"name": "Renamed"}),
        {"admin": (200, 200), "manager": (200, 200), "member": (403, 404), "viewer": (403, 404)},
    ),
    "PUT /projects/{id}/members/{user}": (
        lambda u, t, w: u.put(f"/projects/{_p(t, w)['id']}/members/{t.other_member.id}", {}),
        {"admin": (200, 200), "manager": (200, 200), "member": (403, 404), "viewer": (403, 404)},
    ),
    "GET /projects/{id}/members": (
        lambda u, t, w: u.get(f"/projects/{_p(t, w)['id']}/members"),
        {"admin": (200, 200), "manager": (200, 200), "member": (403, 404), "viewer": (403, 404)},
    ),
    "POST /projects/{id}/tasks": (
        lambda u, t, w: u.post(f"/projects/{_p(t, w)['id']}/tasks", {"title": "x"}),
        {"admin": (201, 201), "manager": (201, 201), "member": (201, 404), "viewer": (403, 404)},
    ),
    "GET /projects/{id}/tasks": (
        lambda u, t, w: u.get(f"/projects/{_p(t, w)['id']}/tasks"),
        {"admin": (200, 200), "manager": (200, 200), "member": (200, 404), "viewer": (200, 404)},
    ),
    "PATCH /tasks/{id}": (
        lambda u, t, w: u.patch(f"/tasks/{_t(t, w)['id']}", {"status": "done"}),
        {"admin": (200, 200), "manager": (200, 200), "member": (200, 404), "viewer": (403, 404)},
    ),
    "POST /intervals/batch": (
        lambda u, t, w: u.post("/intervals/batch", {"intervals": []}),
        {"admin": (200, 200), "manager": (200, 200), "member": (200, 200), "viewer": (403, 403)},
    ),
    "GET /intervals": (
        lambda u, t, w: u.get("/intervals", params={"project_id": _p(t, w)["id"]}),
        {"admin": (200, 200), "manager": (200, 200), "member": (200, 404), "viewer": (200, 404)},
    ),
    "GET /changes": (lambda u, t, w: u.get("/changes"), ALL),
    "GET /totals": (
        lambda u, t, w: u.get("/totals", params={"project_id": _p(t, w)["id"]}),
        {"admin": (200, 200), "manager": (200, 200), "member": (200, 404), "viewer": (200, 404)},
    ),
    "GET /projects/{id}/totals": (
        lambda u, t, w: u.get(f"/projects/{_p(t, w)['id']}/totals"),
        {"admin": (200, 200), "manager": (200, 200), "member": (200, 404), "viewer": (200, 404)},
    ),
    # -- money: workspace, clients, contacts, user defaults, exchange rates (contract §4b) -----
    "GET /workspace": (lambda u, t, w: u.get("/workspace"), STAFF),
    "PATCH /workspace": (lambda u, t, w: u.patch("/workspace", {"city": "Berlin"}), ADMIN_ONLY),
    "GET /clients/{id}": (lambda u, t, w: u.get(f"/clients/{_client(t)}"), STAFF),
    "PATCH /clients/{id}": (
        lambda u, t, w: u.patch(f"/clients/{_client(t)}", {"city": "Lyon"}),
        STAFF,
    ),
    "POST /clients/{id}/contacts": (
        lambda u, t, w: u.post(
            f"/clients/{_client(t)}/contacts", {"name": "Bo", "email": "bo@example.com"}
        ),
        {"admin": (201, 201), "manager": (201, 201), "member": (403, 403), "viewer": (403, 403)},
    ),
    "GET /clients/{id}/contacts": (lambda u, t, w: u.get(f"/clients/{_client(t)}/contacts"), STAFF),
    "DELETE /contacts/{id}": (
        lambda u, t, w: u.delete(f"/contacts/{_contact(t)}"),
        {"admin": (204, 204), "manager": (204, 204), "member": (403, 403), "viewer": (403, 403)},
    ),
    "PUT /projects/{id}/contacts/{contact}": (
        lambda u, t, w: u.put(f"/projects/{_p(t, w)['id']}/contacts/{_contact(t)}"),
        {"admin": (200, 200), "manager": (200, 200), "member": (403, 404), "viewer": (403, 404)},
    ),
    "PATCH /users/{id}": (
        lambda u, t, w: u.patch(f"/users/{t.other_member.id}", {"name": "Renamed"}),
        ADMIN_ONLY,
    ),
    "PUT /exchange-rates/{from}/{to}": (
        lambda u, t, w: u.put("/exchange-rates/USD/EUR", {"rate": "0.9214"}),
        ADMIN_ONLY,
    ),
    "GET /exchange-rates": (lambda u, t, w: u.get("/exchange-rates"), ADMIN_ONLY),
    "DELETE /auth/token": (
        lambda u, t, w: u.delete("/auth/token"),
        {r: (204, 204) for r in ROLES},
    ),
    "POST /auth/token": (lambda u, t, w: _sign_in(u), {r: (201, 201) for r in ROLES}),
    # any account may ask for a link that signs itself in (the pages it reaches keep their rules)
    "POST /auth/web-link": (
        lambda u, t, w: u.post("/auth/web-link", {"next": "/dashboard"}),
        {r: (201, 201) for r in ROLES},
    ),
    # -- capture (server-spec §6.8, §6.10): see the module docstring for the targets --------
    "POST /activity/batch": (
        lambda u, t, w: u.post("/activity/batch", {"slots": [slot(_capture(t).entry[w])]}),
        {
            "admin": ((200, "no_access"), (200, "no_access")),
            "manager": ((200, "no_access"), (200, "no_access")),
            "member": ((200, "accepted"), (200, "interval_not_found")),
            "viewer": ((403, "forbidden"), (403, "forbidden")),
            "granted_viewer": ((403, "forbidden"), (403, "forbidden")),
        },
    ),
    "GET /activity": (
        _listing("/activity"),
        {
            "admin": ((200, "listed"), (200, "listed")),
            "manager": ((200, "listed"), (200, "listed")),
            "member": ((200, "listed"), (404, "not_found")),
            "viewer": ((200, "empty"), (404, "not_found")),
            "granted_viewer": ((200, "listed"), (404, "not_found")),
        },
    ),
    "POST /screenshots": (
        lambda u, t, w: upload_shot(u, _capture(t).entry[w]),
        {
            "admin": ((403, "no_access"), (403, "no_access")),
            "manager": ((403, "no_access"), (403, "no_access")),
            "member": (201, (404, "interval_not_found")),
            "viewer": ((403, "forbidden"), (403, "forbidden")),
            "granted_viewer": ((403, "forbidden"), (403, "forbidden")),
        },
    ),
    "GET /screenshots": (
        _listing("/screenshots"),
        {
            "admin": ((200, "listed"), (200, "listed")),
            "manager": ((200, "listed"), (200, "listed")),
            "member": ((200, "listed"), (404, "not_found")),
            "viewer": ((200, "empty"), (404, "not_found")),
            "granted_viewer": ((200, "listed"), (404, "not_found")),
        },
    ),
    "GET /screenshots/{id}/image": (
        lambda u, t, w: u.get(f"/screenshots/{_capture(t).shot[w]}/image"),
        {
            "admin": (200, 200),
            "manager": (200, 200),
            "member": (200, (404, "not_found")),
            "viewer": ((403, "forbidden"), (404, "not_found")),
            "granted_viewer": (200, (404, "not_found")),
        },
    ),
    "PATCH /screenshots/{id}": (  # re-link to the owner's spare entry
        lambda u, t, w: u.patch(
            f"/screenshots/{_capture(t).shot[w]}", {"interval_id": _capture(t).spare[w]}
        ),
        {
            "admin": ((403, "forbidden"), (403, "forbidden")),
            "manager": ((403, "forbidden"), (403, "forbidden")),
            "member": (200, (404, "not_found")),
            "viewer": ((403, "forbidden"), (404, "not_found")),
            "granted_viewer": ((403, "forbidden"), (404, "not_found")),
        },
    ),
    "DELETE /screenshots/{id}": (
        lambda u, t, w: u.delete(f"/screenshots/{_fresh_shot(t, w)}"),
        {
            "admin": (204, 204),
            "manager": (204, 204),
            "member": (204, (404, "not_found")),
            "viewer": ((403, "forbidden"), (404, "not_found")),
            "granted_viewer": ((403, "forbidden"), (404, "not_found")),
        },
    ),
    # -- collaboration (contract §4c): everyone who sees a project chats and shares files ----
    "GET /projects/{id}/messages": (
        lambda u, t, w: u.get(f"/projects/{_p(t, w)['id']}/messages"),
        {"admin": (200, 200), "manager": (200, 200), "member": (200, 404), "viewer": (200, 404)},
    ),
    "POST /projects/{id}/messages": (
        lambda u, t, w: u.post(f"/projects/{_p(t, w)['id']}/messages", {"body": "Hello"}),
        {"admin": (201, 201), "manager": (201, 201), "member": (201, 404), "viewer": (201, 404)},
    ),
    "POST /projects/{id}/files": (
        _upload,
        {"admin": (201, 201), "manager": (201, 201), "member": (201, 404), "viewer": (201, 404)},
    ),
    "GET /projects/{id}/files": (
        lambda u, t, w: u.get(f"/projects/{_p(t, w)['id']}/files"),
        {"admin": (200, 200), "manager": (200, 200), "member": (200, 404), "viewer": (200, 404)},
    ),
    "GET /files/{id}": (
        lambda u, t, w: u.get(f"/files/{_manager_file(t, w)}"),
        {"admin": (200, 200), "manager": (200, 200), "member": (200, 404), "viewer": (200, 404)},
    ),
    "DELETE /files/{id}": (  # the manager's file: its uploader, admins and managers delete
        lambda u, t, w: u.delete(f"/files/{_manager_file(t, w)}"),
        {"admin": (204, 204), "manager": (204, 204), "member": (403, 404), "viewer": (403, 404)},
    ),
    "POST /projects/{id}/share-links": (
        lambda u, t, w: u.post(f"/projects/{_p(t, w)['id']}/share-links", {}),
        {"admin": (201, 201), "manager": (201, 201), "member": (403, 404), "viewer": (403, 404)},
    ),
    "GET /projects/{id}/share-links": (
        lambda u, t, w: u.get(f"/projects/{_p(t, w)['id']}/share-links"),
        {"admin": (200, 200), "manager": (200, 200), "member": (403, 404), "viewer": (403, 404)},
    ),
    "DELETE /share-links/{id}": (
        lambda u, t, w: u.delete(f"/share-links/{_manager_link(t, w)}"),
        {"admin": (204, 204), "manager": (204, 204), "member": (403, 404), "viewer": (403, 404)},
    ),
}
MATRIX.update(INVOICE_MATRIX)  # uninvoiced time, invoices, payments, team invoices
MATRIX.update(DOCUMENT_MATRIX)  # .html / .pdf / .xml, send, deliveries

#: What the call answers without a valid token, where that is not 401 (public routes).
PUBLIC: dict[str, Cell] = {"POST /auth/token": 201}  # a stale bearer header does not matter

#: Routes of the app the matrix does not cover, each with the reason (full paths: some are
#: outside /api/v1). Anything else the app serves must be in MATRIX.
NOT_IN_MATRIX: dict[str, str] = {
    "GET /healthz": "public liveness probe for load balancers: no token, no data",
    "GET /openapi.json": "the public API description (contract §4: OpenAPI at /openapi.json)",
    "GET /docs": "FastAPI's Swagger page over the public /openapi.json: no data",
    "GET /docs/oauth2-redirect": "part of FastAPI's Swagger page: no data",
    "GET /redoc": "FastAPI's ReDoc page over the public /openapi.json: no data",
    "GET /": "sends a browser to its landing page or the sign-in form (tests/server/"
    "test_web_pages.py checks every role's landing)",
    "GET /login": "the public sign-in form",
    "POST /login": "signing in: CSRF, throttling and cookies in tests/server/test_web_pages.py",
    "POST /logout": "signing out: CSRF and revocation in tests/server/test_web_pages.py",
    "GET /login/link/{secret}": "no account: a one-time sign-in link's button page (never uses"
    " the link); tests/server/test_web_link.py",
    "POST /login/link/{secret}": "the link's secret is the credential: once, 60 s, CSRF, archived "
    "accounts refused (tests/server/test_web_link.py)",
    "GET /dashboard/invoices/{id}": "an invoice's page for admins and managers: through "
    "invoices.get and authz.invoice, as GET /invoices/{id}; tests/server/test_web_pages.py",
    "POST /dashboard/invoices/{id}/finalize": "the finalize form over finalize.finalize (the "
    "API's rules): test_web_pages.py",
    "POST /dashboard/invoices/{id}/void": "the void form over finalize.void (admins only, as "
    "the API): test_web_pages.py",
    "POST /dashboard/invoices/{id}/payments": "the payment form over payments.record: "
    "test_web_pages.py",
    "POST /dashboard/invoices/{id}/send": "the send form over delivery.send: test_web_pages.py",
    "POST /dashboard/drafts": "Create draft over drafts.create (as POST /invoices): "
    "test_web_pages.py",
    "POST /portal/projects/{id}/messages": "the chat form over messages.post (authz.chat, as "
    "POST /projects/{id}/messages): test_web_pages.py",
    "POST /portal/projects/{id}/files": "the upload form over files.upload (authz.files, as "
    "POST /projects/{id}/files): test_web_pages.py",
    "GET /shared/{secret}": "no account: the link's secret is the credential (expiry, revocation,"
    " password and grants in tests/server/test_web_pages.py)",
    "POST /shared/{secret}": "a share link's password form (tests/server/test_web_pages.py)",
    "GET /shared/{secret}/entries.csv": "the shared page's CSV, by the link's grants "
    "(tests/server/test_web_pages.py)",
    "GET /shared/{secret}/screenshots/{id}": "a shared page's screenshot, by the link's grants "
    "through authz.screenshot (the API's rule)",
}


def _outcome(r) -> str | None:
    """What a cell's second part is compared with."""
    try:
        body = r.json()
    except ValueError:
        return None
    if r.status_code >= 400:
        return body.get("code")
    if isinstance(body, dict) and "accepted" in body and "rejected" in body:
        return body["rejected"][0]["code"] if body["rejected"] else "accepted"
    if isinstance(body, dict) and "items" in body:
        return "listed" if body["items"] else "empty"
    return None


def _check(r, want: Cell) -> str | None:
    """None when the response is what the cell says; else what differs."""
    status, outcome = want if isinstance(want, tuple) else (want, None)
    got = _outcome(r)
    if r.status_code != status or (outcome is not None and got != outcome):
        return f"{r.status_code} {got} != {status} {outcome or ''} ({r.text[:120]})"
    return None


@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_matrix(api, team, endpoint):
    call, expected = MATRIX[endpoint]
    users = {
        "admin": team.admin,
        "manager": team.manager,
        "member": team.member,
        "viewer": team.viewer,
    }
    for extra, grants in EXTRA_GRANTS.items():
        if extra in expected:
            users[extra] = api.user("viewer")
            api.member(team.manager, team.project["id"], users[extra], kind="viewer", grants=grants)
    failures = []
    for role in expected:
        for i, which in enumerate(("own", "other")):
            user = users[role]
            if endpoint == "DELETE /auth/token":
                user = api.login(user.email, f"device-{which}")
            r = call(user, team, which)
            problem = _check(r, expected[role][i])
            if problem:
                failures.append(f"{role}/{which}: {problem}")
            elif r.status_code >= 400:
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.json()["code"]
    assert not failures, "\n".join(failures)
    # without a valid token: 401 everywhere but on public routes
    anon = dataclasses.replace(team.member, token="not-a-token")
    r = call(anon, team, "own")
    problem = _check(r, PUBLIC.get(endpoint, (401, "not_authenticated")))
    assert problem is None, problem


def test_every_matrix_entry_has_every_role():
    for endpoint, (_call, expected) in MATRIX.items():
        assert set(ROLES) <= set(expected) <= set(ROLES + EXTRA_ROLES), endpoint


_PARAM = re.compile(r"\{[^}]*\}")


def _route_key(method: str, path: str) -> str:
    """``METHOD /full/path`` with every path parameter as ``{}`` (``{project_id}`` ≡ ``{id}``)."""
    return f"{method.upper()} {_PARAM.sub('{}', path)}"


def _app_routes(tmp_path: Path) -> set[str]:
    """Every method and path the app serves: its OpenAPI, and the routes hidden from it."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'routes.sqlite3'}",
                              data_dir=tmp_path))  # fmt: skip
    keys = {
        _route_key(method, path)
        for path, ops in app.openapi()["paths"].items()
        for method in ops
        if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    }
    routes = [("", r) for r in app.routes]
    while routes:
        prefix, route = routes.pop()
        # FastAPI keeps an included router whole (the pages' routers, hidden from the schema):
        # its routes are the original router's, under the include's prefix.
        if (inner := getattr(route, "original_router", None)) is not None:
            sub = prefix + route.include_context.prefix
            routes.extend((sub, r) for r in inner.routes)
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":  # Starlette answers HEAD for every GET
                keys.add(_route_key(method, prefix + route.path))
    app.state.tracker.db.dispose()
    return keys


def test_every_route_is_in_the_matrix(tmp_path):
    """A new endpoint cannot escape the matrix: every route of the app is in MATRIX or excused
    with a reason in NOT_IN_MATRIX; and neither lists a route the app does not have."""
    served = _app_routes(tmp_path)
    in_matrix = {}
    for name in MATRIX:
        method, path = name.split(" ", 1)
        in_matrix[_route_key(method, API + path)] = name
    for name in PAGES:
        in_matrix[_route_key(*name.split(" ", 1))] = name
    excused = {_route_key(*name.split(" ", 1)): reason for name, reason in NOT_IN_MATRIX.items()}
    assert all(reason.strip() for reason in excused.values()), "every exception needs a reason"
    assert len(in_matrix) == len(MATRIX) + len(PAGES), "two entries name the same route"
    assert not set(in_matrix) & set(excused), "a route is both in MATRIX and excused"
    missing = sorted(served - set(in_matrix) - set(excused))
    assert not missing, f"routes missing from the authorization matrix: {missing}"
    stale = sorted((set(in_matrix) | set(excused)) - served)
    assert not stale, f"MATRIX or NOT_IN_MATRIX name routes the app does not have: {stale}"


def test_capture_goes_to_the_callers_own_entries(api, team):
    """Everyone who tracks uploads capture for their own entries, on any project they track on,
    and may move a screenshot to another of their own entries, never to someone else's."""
    cap = _capture(team)
    cases = [
        (team.admin, "own"),
        (team.admin, "other"),
        (team.manager, "own"),
        (team.manager, "other"),
        (team.member, "own"),
    ]
    for hour, (user, which) in enumerate(cases, start=12):
        mine = tracked(user, _t(team, which)["id"], f"2026-11-25T{hour}:00:00Z",
                       f"2026-11-25T{hour}:30:00Z")  # fmt: skip
        r = user.post(
            "/activity/batch", {"slots": [slot(mine, slot_start=f"2026-11-25T{hour}:10:00Z")]}
        )
        assert r.status_code == 200 and r.json()["rejected"] == [], r.text
        r = upload_shot(user, mine)
        assert r.status_code == 201, r.text
        sid = r.json()["id"]
        if user is team.member:
            r = user.patch(f"/screenshots/{sid}", {"interval_id": cap.spare["own"]})
            assert r.status_code == 200 and r.json()["interval_id"] == cap.spare["own"], r.text
            target, want = cap.entry["other"], (404, "interval_not_found")  # hidden from them
        else:
            target, want = cap.entry[which], (403, "no_access")  # seen, but the member's
        r = user.patch(f"/screenshots/{sid}", {"interval_id": target})
        assert (r.status_code, r.json()["code"]) == want, r.text


def test_viewer_capture_grants(api, team):
    """Activity follows ``show_activity``; screenshots need ``show_screenshots`` **and** the
    project taking screenshots (server-spec §6.10) — the desktop records activity either way."""
    cap = _capture(team)
    viewer = team.viewer
    project_id = team.project["id"]

    def listed(path: str) -> bool:
        r = viewer.get(path, params={"project_id": project_id})
        assert r.status_code == 200, r.text
        return bool(r.json()["items"])

    assert not listed("/activity") and not listed("/screenshots")
    api.member(team.manager, project_id, viewer, kind="viewer", grants={"show_activity": True})
    assert listed("/activity") and not listed("/screenshots")
    assert viewer.get(f"/screenshots/{cap.shot['own']}/image").status_code == 403
    api.member(team.manager, project_id, viewer, kind="viewer", grants=CAPTURE_GRANTS)
    assert listed("/activity") and listed("/screenshots")
    assert viewer.get(f"/screenshots/{cap.shot['own']}/image").status_code == 200
    team.manager.patch(f"/projects/{project_id}", {"screenshots": False})
    assert listed("/activity") and not listed("/screenshots")
    r = viewer.get(f"/screenshots/{cap.shot['own']}/image")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = viewer.delete(f"/screenshots/{cap.shot['own']}")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_listing_scopes(api, team):
    def ids(user):
        return {p["id"] for p in user.get("/projects").json()["items"]}

    both = {team.project["id"], team.other_project["id"]}
    assert ids(team.admin) == both and ids(team.manager) == both
    assert ids(team.member) == {team.project["id"]}
    assert ids(team.viewer) == {team.project["id"]}


def test_batch_own_vs_other_project(api, team):
    own = iv(team.task["id"], "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z")
    other = iv(team.other_task["id"], "2026-11-20T11:00:00Z", "2026-11-20T12:00:00Z")
    out = team.member.push(own, other)
    assert out["accepted"] == [own["id"]]
    assert out["rejected"][0]["code"] == "task_not_found"
    # managers track on any project
    m = team.manager.push(iv(team.other_task["id"], "2026-11-20T11:00:00Z", "2026-11-20T12:00:00Z"))
    assert len(m["accepted"]) == 1


def test_viewer_grants(api, team):
    team.member.push(
        iv(team.task["id"], "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z", note="secret")
    )
    listed = team.viewer.get("/intervals").json()["items"]
    assert len(listed) == 1 and listed[0]["note"] == ""  # no show_notes
    api.member(
        team.manager, team.project["id"], team.viewer, kind="viewer", grants={"show_entries": False}
    )
    assert team.viewer.get("/intervals").json()["items"] == []
    assert team.viewer.get("/totals").json()["total_seconds"] == 3600  # the time report stays
    api.member(
        team.manager,
        team.project["id"],
        team.viewer,
        kind="viewer",
        grants={"show_entries": True, "show_notes": True, "show_members": True},
    )
    assert team.viewer.get("/intervals").json()["items"][0]["note"] == "secret"
    assert team.viewer.get(f"/projects/{team.project['id']}/members").status_code == 200
    assert team.viewer.get("/totals", params={"group_by": "user"}).status_code == 200


def test_viewer_never_sees_rates_without_grant(api, team):
    api.member(
        team.admin,
        team.project["id"],
        team.member,
        bill_rate={"amount": "90", "currency": "EUR"},
        pay_rate={"amount": "30", "currency": "EUR"},
    )
    team.manager.patch(
        f"/projects/{team.project['id']}", {"bill_rate": {"amount": "80", "currency": "EUR"}}
    )
    p = team.viewer.get(f"/projects/{team.project['id']}").json()
    assert p["bill_rate"] is None
    api.member(
        team.manager,
        team.project["id"],
        team.viewer,
        kind="viewer",
        grants={"show_members": True, "show_amounts": True},
    )
    members = team.viewer.get(f"/projects/{team.project['id']}/members").json()["items"]
    assert all(m["pay_rate"] is None for m in members)
    assert any(m["bill_rate"] for m in members)


# -- the web pages and their downloads (contract §5), signed in by the form ---------------------
#
# A page call gets a browser-like client signed in as the role (its own cookie jar), the team,
# "own"/"other" and the page's ids. Cells are statuses; without a session every page sends the
# browser to the sign-in form (303). Pages answer 403 for a page not meant for the role, 404 for
# a project the caller may not know (the API's rule).


@dataclass
class _PageIds:
    client: dict[str, str]  # own: the own project's client; other: an unknown id
    member: dict[str, str]  # own: the member; other: the other member


def _page_ids(api, team) -> _PageIds:
    r = team.manager.post("/clients", {"name": "Acme", "currency": "EUR"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = team.manager.patch(f"/projects/{team.project['id']}", {"client_id": cid})
    assert r.status_code == 200, r.text
    return _PageIds({"own": cid, "other": str(uuid.uuid4())},
                    {"own": team.member.id, "other": team.other_member.id})  # fmt: skip


_DASH = {"admin": (200, 200), "manager": (200, 200), "member": (403, 403), "viewer": (403, 403)}
_VIEW = {"admin": (403, 403), "manager": (403, 403), "member": (403, 403), "viewer": (200, 404)}
PAGES: dict[str, tuple[Callable, dict[str, tuple[Cell, Cell]]]] = {
    "GET /dashboard": (lambda c, t, w, x: c.get("/dashboard"), _DASH),
    "GET /dashboard/members/{id}": (
        lambda c, t, w, x: c.get(f"/dashboard/members/{x.member[w]}"),
        _DASH,
    ),
    "GET /dashboard/clients/{id}": (
        lambda c, t, w, x: c.get(f"/dashboard/clients/{x.client[w]}"),
        {**_DASH, "admin": (200, 404), "manager": (200, 404)},
    ),
    "GET /me": (
        lambda c, t, w, x: c.get("/me"),
        {"admin": (200, 200), "manager": (200, 200), "member": (200, 200), "viewer": (403, 403)},
    ),
    "GET /portal": (
        lambda c, t, w, x: c.get("/portal"),
        {"admin": (403, 403), "manager": (403, 403), "member": (403, 403), "viewer": (200, 200)},
    ),
    "GET /portal/projects/{id}": (
        lambda c, t, w, x: c.get(f"/portal/projects/{_p(t, w)['id']}"),
        _VIEW,
    ),
    "GET /portal/projects/{id}/entries.csv": (
        lambda c, t, w, x: c.get(f"/portal/projects/{_p(t, w)['id']}/entries.csv"),
        _VIEW,
    ),
}


def test_page_matrix(api, team):
    """Every page × role × own/other in one test (a sign-in per role, not per page)."""
    from starlette.testclient import TestClient
    from webutil import web_login

    ids = _page_ids(api, team)
    users = {"admin": team.admin, "manager": team.manager, "member": team.member,
             "viewer": team.viewer}  # fmt: skip
    failures = []
    anon = TestClient(api.app, follow_redirects=False)
    for role, user in users.items():
        client = TestClient(api.app)
        assert web_login(client, user.email).status_code == 303
        for page, (call, expected) in PAGES.items():
            for i, which in enumerate(("own", "other")):
                r = call(client, team, which, ids)
                if r.status_code != expected[role][i]:
                    failures.append(f"{page} {role}/{which}: {r.status_code} != "
                                    f"{expected[role][i]}")  # fmt: skip
                elif r.status_code >= 400:
                    assert r.headers["content-type"].startswith("text/html"), page
                    assert "Traceback" not in r.text
    for page, (call, _) in PAGES.items():
        r = call(anon, team, "own", ids)
        if r.status_code != 303 or not r.headers["location"].startswith("/login?next="):
            failures.append(f"{page} anonymous: {r.status_code}")
    assert not failures, "\n".join(failures)


def test_every_page_has_every_role():
    for page, (_call, expected) in PAGES.items():
        assert set(expected) == set(ROLES), page
