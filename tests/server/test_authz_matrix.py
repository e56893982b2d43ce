"""The authorization matrix: every endpoint × every role × own/other project (server-spec §6.10).

"own" is the project where the member works and the viewer views (with ``show_entries``);
"other" is a project neither belongs to. 404 for what the caller may not know exists, 403 for
what they can see but may not do, 401 without a valid token.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from srvutil import iv

ROLES = ("admin", "manager", "member", "viewer")


def _p(team, which):
    return team.project if which == "own" else team.other_project


def _t(team, which):
    return team.task if which == "own" else team.other_task


def _new_email() -> str:
    return f"u{uuid.uuid4().hex[:10]}@example.com"


# endpoint name -> (call(user, team, which), {role: (own status, other status)})
ALL = {r: (200, 200) for r in ROLES}
MATRIX: dict[str, tuple[Callable, dict[str, tuple[int, int]]]] = {
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
    "DELETE /auth/token": (
        lambda u, t, w: u.delete("/auth/token"),
        {r: (204, 204) for r in ROLES},
    ),
}


@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_matrix(api, team, endpoint):
    call, expected = MATRIX[endpoint]
    users = {
        "admin": team.admin,
        "manager": team.manager,
        "member": team.member,
        "viewer": team.viewer,
    }
    failures = []
    for role in ROLES:
        for i, which in enumerate(("own", "other")):
            user = users[role]
            if endpoint == "DELETE /auth/token":
                user = api.login(user.email, f"device-{which}")
            r = call(user, team, which)
            want = expected[role][i]
            if r.status_code != want:
                failures.append(f"{role}/{which}: {r.status_code} != {want} ({r.text[:120]})")
            elif r.status_code >= 400:
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.json()["code"]
    assert not failures, "\n".join(failures)
    # without a token: 401 everywhere
    anon = type(team.admin)(id="", email="", role="", token="not-a-token", client=api.client)
    r = call(anon, team, "own")
    assert r.status_code == 401, r.text


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
        team.manager,
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
