"""Invoices through the API on SQLite and PostgreSQL: uninvoiced time, drafts, finalize,
void and credit notes, payments (server-spec §6.4-§6.6, §6.12)."""

from __future__ import annotations

from invutil import billing, check_invariants, draft, finalize, track


def test_draft_finalize_and_lock(api, team):
    b = billing(api, team)
    a = track(team.member, b.task["id"], "2026-11-02", "09:00", "10:30")
    c = track(team.member, b.other_task["id"], "2026-11-03", "09:00", "09:20")
    u = team.manager.get("/uninvoiced", params={"client_id": b.client["id"], "from": "2026-11-01",
                                                 "to": "2026-11-30"}).json()  # fmt: skip
    assert sum(r["seconds"] for r in u["rows"]) == 5400 + 1200
    assert u["totals"] == [{"amount": "183.33", "currency": "EUR"}]
    inv = draft(team.manager, b.client["id"], tax_rate="19")
    assert inv["status"] == "draft" and inv["number"] is None
    assert [x["quantity"] for x in inv["lines"]] == ["1.50", "0.33"]
    check_invariants(inv)
    out = finalize(team.manager, inv["id"])
    assert out["number"] == "INV-2026-0001" and out["snapshot_sha256"]
    check_invariants(out)
    r = team.member.push({**__import__("srvutil").iv(b.task["id"], "2026-11-02T09:00:00Z",
                                                     "2026-11-02T10:00:00Z"), "id": a,
                          "revision": 2, "base_revision": 1})  # fmt: skip
    assert r["conflicts"][0]["reason"] == "locked"
    assert c


def _source(api, user, kind, invoice_id):
    from server_stub.services import invoices

    with api.state.db.read() as conn:
        actor = _actor(conn, user)
        return invoices.document_source(conn, actor, kind, invoice_id)


def _actor(conn, user):
    from server_stub.authz import Actor, Role

    return Actor(user.id, Role(user.role), "test-token")


def test_document_source_and_void_with_credit_note(api, team):
    import hashlib

    from server_stub.services.snapshot import canonical_json

    b = billing(api, team)
    track(team.member, b.task["id"], "2026-11-02", "09:00", "11:00")
    inv = draft(team.manager, b.client["id"])
    snap, status, void_info = _source(api, team.manager, "invoice", inv["id"])
    assert status == "draft" and snap["number"] is None and void_info is None
    assert snap["total_minor"] == 20000 and snap["lines"][0]["quantity"] == "2.00"
    out = finalize(team.manager, inv["id"])
    snap, status, _ = _source(api, team.manager, "invoice", inv["id"])
    assert snap["number"] == out["number"] == "INV-2026-0001"
    assert hashlib.sha256(canonical_json(snap).encode()).hexdigest() == out["snapshot_sha256"]
    r = team.manager.post(f"/invoices/{inv['id']}/void", {"reason": "wrong month"})
    assert r.status_code == 403
    r = team.admin.post(f"/invoices/{inv['id']}/void", {"reason": "wrong month"})
    assert r.status_code == 200, r.text
    voided = r.json()
    assert voided["status"] == "void" and voided["number"] == "INV-2026-0001"
    cn = team.admin.get(f"/invoices/{voided['credit_note_id']}").json()
    assert cn["kind"] == "credit_note" and cn["number"] == "CN-2026-0001"
    assert cn["total"] == {"amount": "-200.00", "currency": "EUR"}
    check_invariants(cn)
    snap, status, void_info = _source(api, team.manager, "invoice", inv["id"])
    assert status == "void" and snap["number"] == "INV-2026-0001"
    assert void_info == {"date": "2026-11-25", "reason": "wrong month",
                         "credit_note_number": "CN-2026-0001"}  # fmt: skip
    cn_snap, _, _ = _source(api, team.manager, "invoice", cn["id"])
    assert cn_snap["preceding_invoice"] == {"number": "INV-2026-0001", "issue_date": "2026-11-25"}
    # the time is billable again: a new draft over it finalizes with the next number
    again = finalize(team.manager, draft(team.manager, b.client["id"])["id"])
    assert again["number"] == "INV-2026-0002" and again["total"] == inv["total"]
