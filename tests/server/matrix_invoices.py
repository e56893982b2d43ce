"""The invoice rows of the authorization matrix (test_authz_matrix.py merges them in).

"own" is a client of the team's own project, "other" one of the other project. The member
tracks on "own", the other member on "other"; both have pay rates. ``invoice_viewer`` views
"own" with ``show_invoices``; the plain ``viewer`` views it without. Viewers see final and void
invoices of granted projects only, never drafts, never team invoices; members see their own
issued team invoices.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from srvutil import iv

INVOICE_GRANTS = {"show_entries": True, "show_invoices": True}
_slots = itertools.count()


@dataclass
class _Books:
    client: dict[str, str]  # which -> client id
    final: dict[str, str]  # which -> a final invoice
    draft: dict[str, str]  # which -> a draft invoice
    payout: dict[str, str]  # which -> a final team invoice


_BOOKS: dict[str, _Books] = {}


def _which(team, which):
    if which == "own":
        return team.project, team.task, team.member
    return team.other_project, team.other_task, team.other_member


def _track(team, which) -> None:
    """A new 10-minute entry of the project's member (uninvoiced, unpaid)."""
    n = next(_slots)
    _p, task, owner = _which(team, which)
    start = 9 * 60 + (n % 48) * 10
    day = f"2026-11-{5 + n // 48:02d}"
    item = iv(task["id"], f"{day}T{start // 60:02d}:{start % 60:02d}:00Z",
              f"{day}T{start // 60:02d}:{start % 60 + 9:02d}:00Z")  # fmt: skip
    assert owner.push(item)["accepted"] == [item["id"]]


def _post(user, path, body=None):
    r = user.post(path, body)
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


def books(team) -> _Books:
    key = team.project["id"]
    if key in _BOOKS:
        return _BOOKS[key]
    b = _Books({}, {}, {}, {})
    for which in ("own", "other"):
        project, _task, owner = _which(team, which)
        b.client[which] = _post(team.manager, "/clients", {"name": f"Client {which}"})
        r = team.manager.patch(
            f"/projects/{project['id']}",
            {"client_id": b.client[which], "bill_rate": {"amount": "120", "currency": "EUR"}},
        )
        assert r.status_code == 200, r.text
        r = team.admin.put(f"/projects/{project['id']}/members/{owner.id}",
                           {"pay_rate": {"amount": "40", "currency": "EUR"}})  # fmt: skip
        assert r.status_code == 200, r.text
        _track(team, which)
        b.final[which] = _finalized(team, which)
        _track(team, which)
        b.draft[which] = _draft(team, which)
        b.payout[which] = _post(team.manager, f"/team-invoices/{_payout_draft(team, which)}"
                                "/finalize")  # fmt: skip
    _BOOKS[key] = b
    return b


def _period(body: dict) -> dict:
    return {"from": "2026-11-01", "to": "2026-12-31", **body}


def _draft(team, which) -> str:
    client = _BOOKS[team.project["id"]].client[which] if team.project["id"] in _BOOKS else None
    client = client or _pending_client(team, which)
    return _post(team.manager, "/invoices", _period({"client_id": client}))


def _pending_client(team, which) -> str:
    project, _t, _o = _which(team, which)
    return team.manager.get(f"/projects/{project['id']}").json()["client_id"]


def _finalized(team, which) -> str:
    return _post(team.manager, f"/invoices/{_draft(team, which)}/finalize")


def _payout_draft(team, which) -> str:
    _p, _t, owner = _which(team, which)
    return _post(team.manager, "/team-invoices", _period({"user_id": owner.id}))


def _fresh_time(team, which):
    """New time of the project's member (after the books exist); the member."""
    books(team)
    _track(team, which)
    return _which(team, which)[2]


def _fresh(kind: str):
    """A new draft or final (team) invoice over new time, for calls that change its state."""

    def make(team, which) -> str:
        _fresh_time(team, which)
        if kind == "draft":
            return _draft(team, which)
        if kind == "final":
            return _finalized(team, which)
        if kind == "payout_draft":
            return _payout_draft(team, which)
        return _post(team.manager, f"/team-invoices/{_payout_draft(team, which)}/finalize")

    return make


_new_draft, _new_final = _fresh("draft"), _fresh("final")
_new_payout_draft, _new_payout = _fresh("payout_draft"), _fresh("payout")

STAFF_ONLY = {"admin": (200, 200), "manager": (200, 200), "member": (403, 403),
              "viewer": (403, 403), "invoice_viewer": (403, 403)}  # fmt: skip
DRAFT_EDIT = {"admin": (200, 200), "manager": (200, 200), "member": (403, 403),
              "viewer": (404, 404), "invoice_viewer": (404, 404)}  # fmt: skip

INVOICE_MATRIX = {
    "GET /uninvoiced": (
        lambda u, t, w: u.get("/uninvoiced", params=_period({"client_id": books(t).client[w]})),
        STAFF_ONLY,
    ),
    "POST /invoices": (
        lambda u, t, w: u.post("/invoices", _period({"client_id": books(t).client[w]})),
        {**STAFF_ONLY, "admin": (201, 201), "manager": (201, 201)},
    ),
    "GET /invoices": (
        lambda u, t, w: u.get("/invoices", params={"client_id": books(t).client[w]}),
        {"admin": ((200, "listed"), (200, "listed")),
         "manager": ((200, "listed"), (200, "listed")),
         "member": ((403, "forbidden"), (403, "forbidden")),
         "viewer": ((200, "empty"), (200, "empty")),
         "invoice_viewer": ((200, "listed"), (200, "empty"))},
    ),
    "GET /invoices/{id}": (
        lambda u, t, w: u.get(f"/invoices/{books(t).final[w]}"),
        {"admin": (200, 200), "manager": (200, 200), "member": (403, 403),
         "viewer": (404, 404), "invoice_viewer": (200, 404)},
    ),
    "PATCH /invoices/{id}": (
        lambda u, t, w: u.patch(f"/invoices/{books(t).draft[w]}", {"notes": "n"}), DRAFT_EDIT
    ),
    "POST /invoices/{id}/lines": (
        lambda u, t, w: u.post(f"/invoices/{books(t).draft[w]}/lines",
                               {"description": "Fee", "unit_price": {"amount": "10",
                                                                     "currency": "EUR"}}),
        {**DRAFT_EDIT, "admin": (201, 201), "manager": (201, 201)},
    ),
    "POST /invoices/{id}/finalize": (
        lambda u, t, w: u.post(f"/invoices/{_new_draft(t, w)}/finalize"), DRAFT_EDIT
    ),
    "POST /invoices/{id}/void": (
        lambda u, t, w: u.post(f"/invoices/{_new_final(t, w)}/void", {"reason": "r"}),
        {"admin": (200, 200), "manager": (403, 403), "member": (403, 403),
         "viewer": (404, 404), "invoice_viewer": (403, 404)},
    ),
    "POST /invoices/{id}/payments": (
        lambda u, t, w: u.post(f"/invoices/{books(t).final[w]}/payments",
                               {"amount": {"amount": "1.00", "currency": "EUR"},
                                "date": "2026-11-26"}),
        {"admin": (201, 201), "manager": (201, 201), "member": (403, 403),
         "viewer": (404, 404), "invoice_viewer": (403, 404)},
    ),
    "GET /invoices/{id}/payments": (
        lambda u, t, w: u.get(f"/invoices/{books(t).final[w]}/payments"),
        {"admin": (200, 200), "manager": (200, 200), "member": (403, 403),
         "viewer": (404, 404), "invoice_viewer": (403, 404)},
    ),
    "POST /team-invoices": (
        lambda u, t, w: u.post("/team-invoices", _period({"user_id": _fresh_time(t, w).id})),
        {"admin": (201, 201), "manager": (201, 201), "member": (403, 403),
         "viewer": (403, 403), "invoice_viewer": (403, 403)},
    ),
    "GET /team-invoices": (
        lambda u, t, w: (books(t), u.get("/team-invoices",
                                         params={"user_id": _which(t, w)[2].id}))[1],
        {"admin": ((200, "listed"), (200, "listed")),
         "manager": ((200, "listed"), (200, "listed")),
         "member": ((200, "listed"), (200, "empty")),
         "viewer": ((403, "forbidden"), (403, "forbidden")),
         "invoice_viewer": ((403, "forbidden"), (403, "forbidden"))},
    ),
    "GET /team-invoices/{id}": (
        lambda u, t, w: u.get(f"/team-invoices/{books(t).payout[w]}"),
        {"admin": (200, 200), "manager": (200, 200), "member": (200, 404),
         "viewer": (403, 403), "invoice_viewer": (403, 403)},
    ),
    "POST /team-invoices/{id}/finalize": (
        lambda u, t, w: u.post(f"/team-invoices/{_new_payout_draft(t, w)}/finalize"),
        {"admin": (200, 200), "manager": (200, 200), "member": (404, 404),
         "viewer": (403, 403), "invoice_viewer": (403, 403)},
    ),
    "POST /team-invoices/{id}/void": (
        lambda u, t, w: u.post(f"/team-invoices/{_new_payout(t, w)}/void", {"reason": "r"}),
        {"admin": (200, 200), "manager": (403, 403), "member": (403, 404),
         "viewer": (403, 403), "invoice_viewer": (403, 403)},
    ),
}  # fmt: skip
