"""Invoices through the API on SQLite and PostgreSQL: uninvoiced time, drafts, finalize,
void and credit notes, payments (server-spec §6.4-§6.6, acceptance checks §6.12)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from invutil import billing, check_invariants, draft, finalize, track
from srvutil import iv

from server_stub.authz import Actor, Role
from server_stub.services import invoices
from server_stub.services.snapshot import canonical_json


def _source(api, user, invoice_id, kind="invoice"):
    with api.state.db.read() as conn:
        return invoices.document_source(conn, Actor(user.id, Role(user.role), "t"), kind,
                                        invoice_id)  # fmt: skip


def test_draft_lines_finalize_and_lock(api, team):
    """§6.4/§6.5: lines per task and member on the 36-second grid, I1-I3; finalize numbers
    and locks (check 8: an edit of a locked interval is a ``locked`` conflict)."""
    b = billing(api, team)
    a = track(team.member, b.task["id"], "2026-11-02", "09:00", "10:30")
    track(team.member, b.other_task["id"], "2026-11-03", "09:00", "09:20")
    period = {"client_id": b.client["id"], "from": "2026-11-01", "to": "2026-11-30"}
    u = team.manager.get("/uninvoiced", params=period).json()
    assert sum(r["seconds"] for r in u["rows"]) == 5400 + 1200
    assert u["totals"] == [{"amount": "183.33", "currency": "EUR"}]
    assert u["on_drafts"] == [] and u["unpriced"] == []
    inv = draft(team.manager, b.client["id"], tax_rate="19")
    assert inv["status"] == "draft" and inv["number"] is None
    assert [(x["quantity"], x["seconds"]) for x in inv["lines"]] in (
        [("1.50", 5400), ("0.33", 1200)], [("0.33", 1200), ("1.50", 5400)]
    )  # fmt: skip
    assert inv["subtotal"]["amount"] == "183.00" and inv["tax"]["amount"] == "34.77"
    check_invariants(inv)
    assert team.manager.get("/uninvoiced", params=period).json()["on_drafts"]
    r = team.manager.post(f"/invoices/{inv['id']}/lines", {
        "description": "Loyalty discount", "quantity": "1",
        "unit_price": {"amount": "-20.005", "currency": "EUR"}})  # fmt: skip
    assert r.status_code == 422 and r.json()["code"] == "too_many_decimals"
    r = team.manager.post(f"/invoices/{inv['id']}/lines", {
        "description": "Loyalty discount", "quantity": "2.5",
        "unit_price": {"amount": "-8.33", "currency": "EUR"}})  # fmt: skip
    assert r.status_code == 201, r.text
    inv = r.json()
    assert inv["lines"][-1]["amount"] == {"amount": "-20.83", "currency": "EUR"}
    check_invariants(inv)
    out = finalize(team.manager, inv["id"])
    assert out["number"] == "INV-2026-0001" and out["snapshot_sha256"]
    assert out["total"] == inv["total"]
    check_invariants(out)
    assert team.manager.get("/uninvoiced", params=period).json()["rows"] == []
    for r in (
        team.manager.patch(f"/invoices/{inv['id']}", {"notes": "x"}),
        team.manager.post(
            f"/invoices/{inv['id']}/lines",
            {"description": "x", "unit_price": {"amount": "1", "currency": "EUR"}},
        ),
    ):
        assert r.status_code == 409 and r.json()["code"] == "not_draft"  # fmt: skip
    edit = iv(b.task["id"], "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", id=a, revision=2,
              base=1)  # fmt: skip
    assert team.member.push(edit)["conflicts"][0]["reason"] == "locked"
    # invoiced amounts are the allocations: they sum to the time lines
    from sqlalchemy import func, select

    from server_stub.db.tables import intervals

    with api.state.db.read() as conn:
        total = conn.execute(select(func.sum(intervals.c.invoiced_amount_minor))).scalar()
    assert total == 18300
    r = team.manager.post("/invoices", period)
    assert r.status_code == 422 and r.json()["code"] == "nothing_to_invoice"


def test_unpriced_time_is_listed_never_billed(api, team):
    b = billing(api, team)
    track(team.member, b.task["id"], "2026-11-02", "09:00", "10:00")
    bare = api.project(team.manager, "Unpriced", client_id=b.client["id"])
    api.member(team.manager, bare["id"], team.member)
    task = api.task(team.manager, bare["id"], "Loose")
    loose = track(team.member, task["id"], "2026-11-02", "11:00", "12:00")
    u = team.manager.get("/uninvoiced", params={"client_id": b.client["id"], "from": "2026-11-01",
                                                 "to": "2026-11-30"}).json()  # fmt: skip
    assert [x["interval_id"] for x in u["unpriced"]] == [loose]
    inv = draft(team.manager, b.client["id"])
    assert inv["total"]["amount"] == "100.00"
    assert inv["warnings"] == [{"code": "unpriced", "interval_ids": [loose],
                                "detail": inv["warnings"][0]["detail"]}]  # fmt: skip


def test_stale_drafts_and_idempotent_finalize(api, team):
    """Finalize refuses a draft whose time changed (``changed``, ``deleted``) with the ids;
    the same Idempotency-Key twice numbers once."""
    b = billing(api, team)
    a = track(team.member, b.task["id"], "2026-11-02", "09:00", "10:00")
    c = track(team.member, b.task["id"], "2026-11-03", "09:00", "10:00")
    inv = draft(team.manager, b.client["id"])
    team.member.push(iv(b.task["id"], "2026-11-02T09:00:00Z", "2026-11-02T09:30:00Z", id=a,
                        revision=2, base=1),
                     iv(b.task["id"], "2026-11-03T09:00:00Z", "2026-11-03T10:00:00Z", id=c,
                        revision=2, base=1, deleted=True))  # fmt: skip
    r = team.manager.post(f"/invoices/{inv['id']}/finalize")
    assert r.status_code == 409 and r.json()["code"] == "draft_stale"
    assert sorted((x["id"], x["reason"]) for x in r.json()["intervals"]) == sorted(
        [(a, "changed"), (c, "deleted")]
    )
    fresh = draft(team.manager, b.client["id"])
    assert fresh["total"]["amount"] == "50.00"
    key = {"Idempotency-Key": "finalize-1"}
    one = team.manager.post(f"/invoices/{fresh['id']}/finalize", headers=key)
    two = team.manager.post(f"/invoices/{fresh['id']}/finalize", headers=key)
    assert one.status_code == two.status_code == 200 and one.json() == two.json()
    assert one.json()["number"] == "INV-2026-0001"
    r = team.manager.post(f"/invoices/{fresh['id']}/finalize")
    assert r.status_code == 409 and r.json()["code"] == "not_draft"


def test_void_credit_note_and_consecutive_numbers(api, team):
    """Check 2: void a final invoice (credit note in its own series), draft and finalize the
    same time again: numbers consecutive; the void one still renders with its number."""
    b = billing(api, team)
    track(team.member, b.task["id"], "2026-11-02", "09:00", "11:00")
    inv = draft(team.manager, b.client["id"])
    snap, status, void_info = _source(api, team.manager, inv["id"])
    assert status == "draft" and snap["number"] is None and void_info is None
    assert snap["total_minor"] == 20000 and snap["lines"][0]["quantity"] == "2.00"
    out = finalize(team.manager, inv["id"])
    snap, status, _ = _source(api, team.manager, inv["id"])
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
    assert cn["credits_invoice_id"] == inv["id"]
    assert cn["total"] == {"amount": "-200.00", "currency": "EUR"}
    check_invariants(cn)
    snap, status, void_info = _source(api, team.manager, inv["id"])
    assert status == "void" and snap["number"] == "INV-2026-0001"
    assert snap["total_minor"] == 20000
    assert void_info == {"date": "2026-11-25", "reason": "wrong month",
                         "credit_note_number": "CN-2026-0001"}  # fmt: skip
    cn_snap, _, _ = _source(api, team.manager, cn["id"])
    assert cn_snap["preceding_invoice"] == {"number": "INV-2026-0001", "issue_date": "2026-11-25"}
    assert cn_snap["kind"] == "credit_note" and cn_snap["total_minor"] == -20000
    again = finalize(team.manager, draft(team.manager, b.client["id"])["id"])
    assert again["number"] == "INV-2026-0002" and again["total"] == inv["total"]
    r = team.admin.post(f"/invoices/{inv['id']}/void", {"reason": "again"})
    assert r.status_code == 409 and r.json()["code"] == "already_void"
    r = team.admin.post(f"/invoices/{cn['id']}/void", {"reason": "no"})
    assert r.status_code == 409 and r.json()["code"] == "not_voidable"
    from sqlalchemy import select

    from server_stub.db.tables import audit_events

    with api.state.db.read() as conn:
        actions = conn.execute(select(audit_events.c.action).where(
            audit_events.c.entity.in_(("invoice", "credit_note")))).scalars().all()  # fmt: skip
    assert actions.count("invoice.finalize") == 2 and "invoice.void" in actions


def test_numbers_stay_gap_free_when_a_finalize_fails_midway(api, team, monkeypatch):
    """Check 3: discarded drafts use no number; a finalize that fails after taking its number
    rolls the counter back, so N finalizes give N consecutive numbers."""
    from server_stub.services import finalize as fin

    b = billing(api, team)
    days = [f"2026-11-{d:02d}" for d in (2, 3, 4, 5)]
    for day in days:
        track(team.member, b.task["id"], day, "09:00", "10:00")
    discarded = draft(team.manager, b.client["id"], days[0], days[0])
    r = team.manager.post(f"/invoices/{discarded['id']}/void", {"reason": "not yet"})
    assert r.status_code == 200 and r.json()["status"] == "void" and r.json()["number"] is None
    assert team.manager.get(f"/invoices/{discarded['id']}").status_code == 404
    ids = [draft(team.manager, b.client["id"], d, d)["id"] for d in days]
    real_lock = fin._lock
    calls = {"n": 0}

    def failing_lock(conn, inv_id, ledger):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real_lock(conn, inv_id, ledger)

    monkeypatch.setattr(fin, "_lock", failing_lock)
    numbers = []
    for i, inv_id in enumerate(ids):
        if i == 1:
            with pytest.raises(RuntimeError):
                team.manager.post(f"/invoices/{inv_id}/finalize")
            assert team.manager.get(f"/invoices/{inv_id}").json()["status"] == "draft"
        numbers.append(finalize(team.manager, inv_id)["number"])
    assert numbers == [f"INV-2026-{n:04d}" for n in (1, 2, 3, 4)]


def test_issued_invoice_reads_the_same_forever(api, team):
    """Checks 11 and 13: an invoice in another currency records the rate and its set_at;
    changing the client, the workspace, tax, rates and exchange rates afterwards changes
    neither its numbers nor its snapshot_sha256. A missing rate names the pair."""
    b = billing(api, team, currency="USD")
    r = team.manager.patch(f"/projects/{team.project['id']}", {
        "bill_rate": {"amount": "100", "currency": "EUR"}, "currency": "EUR",
        "effective_from": "1971-01-01"})  # fmt: skip
    assert r.status_code == 200, r.text
    r = team.admin.patch("/workspace", {  # the legal details an e-invoice needs
        "legal_name": "Studio Nord GmbH", "address": "Hafenstraße 12", "postcode": "20457",
        "city": "Hamburg", "country": "DE", "tax_id": "DE123456789"})  # fmt: skip
    assert r.status_code == 200, r.text
    r = team.manager.patch(f"/clients/{b.client['id']}", {"country": "US", "city": "Boston"})
    assert r.status_code == 200, r.text
    track(team.member, b.task["id"], "2026-11-02", "09:00", "10:00")
    r = team.manager.post("/invoices", {"client_id": b.client["id"], "from": "2026-11-01",
                                        "to": "2026-11-30"})  # fmt: skip
    assert r.status_code == 422 and r.json()["code"] == "exchange_rate_missing"
    assert (r.json()["from"], r.json()["to"]) == ("EUR", "USD")
    r = team.admin.put("/exchange-rates/EUR/USD", {"rate": "1.0842"})
    assert r.status_code == 200, r.text
    inv = draft(team.manager, b.client["id"], tax_rate="7")
    assert inv["currency"] == "USD" and inv["lines"][0]["unit_price"]["amount"] == "108.42"
    assert inv["lines"][0]["source_unit_price"] == {"amount": "100.00", "currency": "EUR"}
    assert [(f["from"], f["to"], f["rate"]) for f in inv["fx"]] == [("EUR", "USD", "1.0842")]
    assert inv["fx"][0]["set_at"].startswith("2026-11-25T12:00:00")
    out = finalize(team.manager, inv["id"])
    before = _source(api, team.manager, inv["id"])[0]
    documents = {suffix: team.manager.get(f"/invoices/{inv['id']}{suffix}") for suffix in
                 (".html", ".xml")}  # fmt: skip
    assert all(r.status_code == 200 for r in documents.values()), documents[".xml"].text
    api.app.state.tracker.clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    for call in (
        lambda: team.admin.put("/exchange-rates/EUR/USD", {"rate": "1.2"}),
        lambda: team.manager.patch(f"/clients/{b.client['id']}",
                                   {"address": "New Street 1", "name": "Acme 2"}),
        lambda: team.admin.patch("/workspace", {"name": "Renamed studio",
                                                "default_tax_rate": "19"}),
        lambda: team.manager.patch(f"/projects/{team.project['id']}",
                                   {"bill_rate": {"amount": "150", "currency": "EUR"}}),
    ):  # fmt: skip
        r = call()
        assert r.status_code == 200, r.text
    after = team.manager.get(f"/invoices/{inv['id']}").json()
    assert after["snapshot_sha256"] == out["snapshot_sha256"]
    assert after["lines"] == out["lines"] and after["total"] == out["total"]
    assert after["fx"] == out["fx"]
    assert _source(api, team.manager, inv["id"])[0] == before
    for suffix, then in documents.items():  # re-rendered to the same bytes (the e-invoice too)
        assert team.manager.get(f"/invoices/{inv['id']}{suffix}").content == then.content, suffix
    assert b"Acme 2" not in documents[".html"].content and b"Boston" in documents[".xml"].content


def test_midnight_interval_belongs_to_its_first_day(api, team):
    """Check 14: 23:30-00:30 is invoiced whole in the period of the day it starts."""
    b = billing(api, team)
    team.member.push(iv(b.task["id"], "2026-11-30T23:30:00Z", "2026-12-01T00:30:00Z"))
    r = team.manager.post("/invoices", {"client_id": b.client["id"], "from": "2026-12-01",
                                        "to": "2026-12-31"})  # fmt: skip
    assert r.status_code == 422 and r.json()["code"] == "nothing_to_invoice"
    inv = draft(team.manager, b.client["id"])
    assert inv["lines"][0]["seconds"] == 3600 and inv["lines"][0]["quantity"] == "1.00"


def test_payments(api, team):
    b = billing(api, team)
    track(team.member, b.task["id"], "2026-11-02", "09:00", "10:00")
    inv = draft(team.manager, b.client["id"])
    pay = {"amount": {"amount": "40.00", "currency": "EUR"}, "date": "2026-11-26"}
    r = team.manager.post(f"/invoices/{inv['id']}/payments", pay)
    assert r.status_code == 409 and r.json()["code"] == "not_payable"
    finalize(team.manager, inv["id"])
    key = {"Idempotency-Key": "pay-1"}
    one = team.manager.post(f"/invoices/{inv['id']}/payments", pay, headers=key)
    two = team.manager.post(f"/invoices/{inv['id']}/payments", pay, headers=key)
    assert one.status_code == two.status_code == 201 and one.json() == two.json()
    assert one.json()["payment_state"] == "partially_paid"
    assert one.json()["balance"] == {"amount": "60.00", "currency": "EUR"}
    over = {**pay, "amount": {"amount": "60.01", "currency": "EUR"}}
    r = team.manager.post(f"/invoices/{inv['id']}/payments", over)
    assert r.status_code == 422 and r.json()["code"] == "overpayment"
    api.app.state.tracker.clock.set(datetime(2026, 12, 31, 12, 0, tzinfo=UTC))
    got = team.manager.get(f"/invoices/{inv['id']}").json()
    assert got["overdue"] is True and got["paid"]["amount"] == "40.00"
    rest = {**pay, "amount": {"amount": "60.00", "currency": "EUR"}, "method": "transfer"}
    r = team.manager.post(f"/invoices/{inv['id']}/payments", rest)
    assert r.status_code == 201 and r.json()["payment_state"] == "paid"
    listed = team.manager.get(f"/invoices/{inv['id']}/payments").json()["items"]
    assert [p["amount"]["amount"] for p in listed] == ["40.00", "60.00"]
    got = team.manager.get(f"/invoices/{inv['id']}").json()
    assert got["overdue"] is False and got["balance"]["amount"] == "0.00"


def test_viewers_see_issued_invoices_of_every_granted_project(api, team):
    b = billing(api, team)
    second = api.project(team.manager, "Second", client_id=b.client["id"],
                         bill_rate={"amount": "50", "currency": "EUR"})  # fmt: skip
    api.member(team.manager, second["id"], team.member)
    task2 = api.task(team.manager, second["id"], "T2")
    grants = {"show_invoices": True}
    api.member(team.manager, team.project["id"], team.viewer, kind="viewer", grants=grants)
    track(team.member, b.task["id"], "2026-11-02", "09:00", "10:00")
    one = draft(team.manager, b.client["id"], project_ids=[team.project["id"]])
    assert team.viewer.get(f"/invoices/{one['id']}").status_code == 404  # a draft
    finalize(team.manager, one["id"])
    assert team.viewer.get(f"/invoices/{one['id']}").status_code == 200
    track(team.member, task2["id"], "2026-11-03", "09:00", "10:00")
    track(team.member, b.task["id"], "2026-11-04", "09:00", "10:00")
    both = finalize(team.manager, draft(team.manager, b.client["id"])["id"])
    assert {x["project_id"] for x in both["lines"]} == {team.project["id"], second["id"]}
    assert team.viewer.get(f"/invoices/{both['id']}").status_code == 404
    listed = [i["id"] for i in team.viewer.get("/invoices").json()["items"]]
    assert listed == [one["id"]]
    api.member(team.manager, second["id"], team.viewer, kind="viewer", grants=grants)
    listed = [i["id"] for i in team.viewer.get("/invoices").json()["items"]]
    assert listed == [both["id"], one["id"]]


def test_team_invoices_pay_once_bill_once(api, team):
    """§6.7: a payout from pay rates across projects, its own series; the same time can be
    billed to the client and paid to the member, but never paid twice."""
    b = billing(api, team)
    api.member(team.manager, team.other_project["id"], team.member)
    for pid, rate in ((team.project["id"], "30"), (team.other_project["id"], "45")):
        r = team.admin.put(f"/projects/{pid}/members/{team.member.id}",
                           {"pay_rate": {"amount": rate, "currency": "EUR"}})  # fmt: skip
        assert r.status_code == 200, r.text
    track(team.member, b.task["id"], "2026-11-02", "09:00", "11:00")
    track(team.member, team.other_task["id"], "2026-11-03", "09:00", "10:00")
    finalize(team.manager, draft(team.manager, b.client["id"])["id"])
    period = {"user_id": team.member.id, "from": "2026-11-01", "to": "2026-11-30"}
    r = team.manager.post("/team-invoices", period)
    assert r.status_code == 201, r.text
    pay = r.json()
    assert pay["kind"] == "team_invoice" and pay["user_id"] == team.member.id
    assert pay["total"] == {"amount": "105.00", "currency": "EUR"} and len(pay["lines"]) == 2
    assert team.member.get(f"/team-invoices/{pay['id']}").status_code == 404  # a draft
    out = finalize(team.manager, pay["id"], team=True)
    assert out["number"] == "PAY-2026-0001"
    assert team.member.get(f"/team-invoices/{pay['id']}").json()["total"] == out["total"]
    assert team.manager.get(f"/invoices/{pay['id']}").status_code == 404
    r = team.manager.post("/team-invoices", period)
    assert r.status_code == 422 and r.json()["code"] == "nothing_to_invoice"
    snap = _source(api, team.member, pay["id"], "team_invoice")[0]
    assert snap["seller"]["name"] == "Member 3" and snap["number"] == "PAY-2026-0001"
    with api.state.db.read() as conn:
        assert invoices.billing_recipients(conn, pay["id"]) == [team.member.email]


def test_billing_recipients(api, team):
    b = billing(api, team)
    track(team.member, b.task["id"], "2026-11-02", "09:00", "10:00")
    inv = draft(team.manager, b.client["id"])
    with api.state.db.read() as conn:
        assert invoices.billing_recipients(conn, inv["id"]) == ["ap@acme.example"]
    for name, email, billing_ in (("Bea", "bea@acme.example", True),
                                  ("Al", "al@acme.example", True),
                                  ("Cy", "cy@acme.example", False)):  # fmt: skip
        r = team.manager.post(
            f"/clients/{b.client['id']}/contacts",
            {"name": name, "email": email, "billing": billing_},
        )
        assert r.status_code == 201, r.text
    with api.state.db.read() as conn:
        assert invoices.billing_recipients(conn, inv["id"]) == [
            "al@acme.example",
            "bea@acme.example",
        ]
    snap = _source(api, team.manager, inv["id"])[0]
    assert [c["email"] for c in snap["contacts"]] == ["al@acme.example", "bea@acme.example"]
