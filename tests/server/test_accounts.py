"""Accounts, tokens, clients, projects, members, tasks: the basics on both databases."""

from __future__ import annotations

import uuid

from srvutil import API, PASSWORD


def test_sign_in_me_and_revoke(api):
    admin = api.user("admin", email="Boss@Example.com")
    assert admin.role == "admin"
    me = admin.get("/me")
    assert me.status_code == 200
    assert me.json()["email"] == "boss@example.com"
    assert admin.delete("/auth/token").status_code == 204
    r = admin.get("/me")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "not_authenticated"
    assert r.headers["www-authenticate"] == "Bearer"


def test_wrong_password_and_unknown_user_are_401(api):
    api.user("member", email="m@example.com")
    for email, pw in (("m@example.com", "wrong password"), ("nobody@example.com", PASSWORD)):
        r = api.client.post(API + "/auth/token", json={"email": email, "password": pw})
        assert r.status_code == 401
        assert r.json()["code"] == "not_authenticated"


def test_one_token_per_device(api):
    first = api.user("member", email="d@example.com", device="laptop")
    second = api.login("d@example.com", "laptop")
    phone = api.login("d@example.com", "phone")
    assert first.get("/me").status_code == 401  # replaced by the new token of that device
    assert second.get("/me").status_code == 200
    assert phone.get("/me").status_code == 200


def test_tokens_are_stored_hashed(api):
    from sqlalchemy import select

    from server_stub.db.tables import api_tokens

    u = api.user("member")
    with api.state.db.read() as conn:
        stored = conn.execute(select(api_tokens.c.secret_hash, api_tokens.c.prefix)).all()
    assert all(u.token not in (h, p) for h, p in stored)
    assert any(u.token.startswith(p) for _, p in stored)


def test_passwords_are_argon2(api):
    from sqlalchemy import select

    from server_stub.db.tables import users

    api.user("member")
    with api.state.db.read() as conn:
        hashes = conn.execute(select(users.c.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes)


def test_admin_creates_and_lists_users(api):
    admin = api.user("admin")
    r = admin.post(
        "/users",
        {"email": "new@example.com", "name": "New", "role": "viewer", "password": "long enough"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "viewer"
    again = admin.post(
        "/users",
        {"email": "NEW@example.com", "name": "N", "role": "member", "password": "long enough"},
    )
    assert again.status_code == 409
    assert again.json()["code"] == "email_taken"
    page = admin.get("/users", params={"limit": 1})
    assert page.status_code == 200
    seen = [u["email"] for u in page.json()["items"]]
    cursor = page.json()["next_cursor"]
    while cursor:
        page = admin.get("/users", params={"limit": 1, "cursor": cursor})
        seen += [u["email"] for u in page.json()["items"]]
        cursor = page.json()["next_cursor"]
    assert sorted(seen) == sorted([admin.email, "new@example.com"])


def test_clients_with_money(api):
    manager = api.user("manager")
    r = manager.post(
        "/clients",
        {"name": "ACME", "currency": "JPY", "bill_rate": {"amount": "12000", "currency": "JPY"}},
    )
    assert r.status_code == 201, r.text
    assert r.json()["bill_rate"] == {"amount": "12000", "currency": "JPY"}
    bad = manager.post(
        "/clients",
        {"name": "X", "currency": "EUR", "bill_rate": {"amount": "1.005", "currency": "EUR"}},
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "too_many_decimals"
    assert manager.get("/clients").json()["items"][0]["name"] == "ACME"


def test_projects_create_idempotent_and_patch(api):
    manager = api.user("manager")
    client = manager.post("/clients", {"name": "C", "currency": "USD"}).json()
    pid = str(uuid.uuid4())
    body = {"id": pid, "name": "Site", "client_id": client["id"]}
    r = manager.post("/projects", body)
    assert r.status_code == 201
    assert r.json()["currency"] == "USD"  # from the client
    again = manager.post("/projects", body)
    assert again.status_code == 200
    assert again.json()["id"] == pid
    p = manager.patch(
        f"/projects/{pid}", {"archived": True, "bill_rate": {"amount": "95.50", "currency": "USD"}}
    )
    assert p.status_code == 200, p.text
    assert p.json()["archived"] is True
    assert p.json()["revision"] == 2
    assert p.json()["bill_rate"] == {"amount": "95.50", "currency": "USD"}
    missing = manager.patch(f"/projects/{uuid.uuid4()}", {"name": "x"})
    assert missing.status_code == 404


def test_members_rates_and_pay_visibility(api):
    admin, manager, member = api.user("admin"), api.user("manager"), api.user("member")
    p = api.project(manager)
    refused = manager.put(
        f"/projects/{p['id']}/members/{member.id}",
        {"pay_rate": {"amount": "40", "currency": "EUR"}},
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "pay_rate_admin_only")
    api.member(admin, p["id"], member, pay_rate={"amount": "40", "currency": "EUR"})
    m = api.member(manager, p["id"], member, bill_rate={"amount": "100", "currency": "EUR"})
    assert m["bill_rate"] == {"amount": "100.00", "currency": "EUR"}
    assert m["pay_rate"] is None  # managers never see pay rates (and leave them as they are)
    listed = admin.get(f"/projects/{p['id']}/members").json()["items"]
    assert listed[0]["pay_rate"] == {"amount": "40.00", "currency": "EUR"}
    # the member sees their own pay rate in the change feed
    feed = member.get("/changes").json()["items"]
    mine = [c for c in feed if c["type"] == "membership"]
    assert mine[0]["data"]["pay_rate"] == {"amount": "40.00", "currency": "EUR"}
    viewer = api.user("viewer")
    bad = manager.put(f"/projects/{p['id']}/members/{viewer.id}", {"kind": "member"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "role_mismatch"
    nobody = manager.put(f"/projects/{p['id']}/members/{uuid.uuid4()}", {})
    assert nobody.status_code == 404


def test_tasks_client_ids_idempotent(api):
    manager, member = api.user("manager"), api.user("member")
    p = api.project(manager)
    api.member(manager, p["id"], member)
    tid = str(uuid.uuid4())
    r = member.post(f"/projects/{p['id']}/tasks", {"id": tid, "title": "Offline task"})
    assert r.status_code == 201
    again = member.post(f"/projects/{p['id']}/tasks", {"id": tid, "title": "Offline task"})
    assert again.status_code == 200
    assert again.json()["id"] == tid
    q = api.project(manager, "Q")
    elsewhere = manager.post(f"/projects/{q['id']}/tasks", {"id": tid, "title": "clash"})
    assert elsewhere.status_code == 409
    assert elsewhere.json()["code"] == "id_taken"
    patched = member.patch(f"/tasks/{tid}", {"status": "done"})
    assert patched.status_code == 200
    assert patched.json()["status"] == "done"
    assert patched.json()["revision"] == 2
    listed = member.get(f"/projects/{p['id']}/tasks").json()["items"]
    assert [t["id"] for t in listed] == [tid]
