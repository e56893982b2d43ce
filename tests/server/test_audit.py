"""The audit trail (contract §4b'): who did what, in the action's transaction, admins only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from srvutil import API, PASSWORD, tracked, upload_shot

from server_stub.cli import main as server_main
from server_stub.db.tables import api_tokens, audit_events, users
from server_stub.services import audit


def _events(api, action: str | None = None) -> list[dict]:
    with api.state.db.read() as conn:
        items, _ = audit.page(conn, before_id=None, limit=1000)
    return [e for e in items if action is None or e["action"] == action]


def _stored_text(api) -> str:
    with api.state.db.read() as conn:
        rows = conn.execute(select(audit_events)).all()
    return "\n".join(repr(tuple(r)) for r in rows)


def test_sign_ins_users_and_tokens_are_audited(api):
    admin = api.user("admin")
    r = admin.post(
        "/users", {"email": "new@example.com", "name": "New", "role": "manager",
                   "password": PASSWORD},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    new_id = r.json()["id"]
    bad = api.client.post(
        API + "/auth/token", json={"email": "new@example.com", "password": "wrong password"}
    )
    assert bad.status_code == 401
    api.client.post(API + "/auth/token", json={"email": "ghost@example.com", "password": "x" * 9})
    manager = api.login("new@example.com", "phone")
    assert manager.delete("/auth/token").status_code == 204

    created = _events(api, "user.create")
    by_admin = [e for e in created if e["entity_id"] == new_id]
    assert by_admin and by_admin[0]["actor_id"] == admin.id
    assert by_admin[0]["after"] == {"email": "new@example.com", "name": "New", "role": "manager"}
    failed = _events(api, "auth.sign_in_failed")
    assert {(e["actor_id"], e["after"]["email"]) for e in failed} == {
        (new_id, "new@example.com"),
        (None, "ghost@example.com"),
    }
    signed = [e for e in _events(api, "auth.sign_in") if e["actor_id"] == new_id]
    assert (
        signed and signed[0]["entity"] == "token" and signed[0]["after"]["device_name"] == "phone"
    )
    revoked = _events(api, "token.revoke")
    assert [(e["actor_id"], e["entity_id"]) for e in revoked] == [(new_id, signed[0]["entity_id"])]
    # never a secret: no password, no token, no hash of either
    text = _stored_text(api)
    with api.state.db.read() as conn:
        hashes = conn.execute(select(users.c.password_hash)).scalars().all()
        secrets = conn.execute(select(api_tokens.c.secret_hash)).scalars().all()
    for secret in (PASSWORD, "wrong password", manager.token, admin.token, *hashes, *secrets):
        assert secret not in text


def test_only_admins_read_the_trail_newest_first_in_pages(api, team):
    for who in (team.manager, team.member, team.viewer):
        r = who.get("/audit")
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
    total = len(_events(api))
    assert total >= 6  # the team's users and their sign-ins
    seen, cursor = [], None
    while True:
        r = team.admin.get("/audit", params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 2
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == total and len({e["id"] for e in seen}) == total
    assert [int(e["id"]) for e in seen] == sorted((int(e["id"]) for e in seen), reverse=True)
    assert seen[0]["at"].endswith("Z") or seen[0]["at"].endswith("+00:00")
    r = team.admin.get("/audit", params={"cursor": "bm9wZQ"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"


def test_screenshot_deletion_is_audited(api, team):
    assert team.manager.patch(f"/projects/{team.project['id']}", {"screenshots": True}).is_success
    entry = tracked(team.member, team.task["id"], "2026-11-25T09:00:00Z", "2026-11-25T10:00:00Z")
    r = upload_shot(team.member, entry)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert team.manager.delete(f"/screenshots/{sid}").status_code == 204
    (event,) = _events(api, "screenshot.delete")
    assert (event["actor_id"], event["entity_id"]) == (team.manager.id, sid)
    assert event["before"]["user_id"] == team.member.id
    assert event["before"]["interval_id"] == entry


def test_cli_password_reset_and_token_are_audited(api, capsys):
    user = api.user("member", email="reset@example.com")
    cfg = api.state.settings
    common = ["--database-url", cfg.database_url, "--data-dir", str(cfg.data_dir)]
    assert server_main([*common, "set-password", "--email", "reset@example.com",
                        "--password", "a new long password"]) == 0  # fmt: skip
    assert server_main([*common, "create-token", "--email", "reset@example.com",
                        "--device", "ci"]) == 0  # fmt: skip
    token = capsys.readouterr().out.strip().splitlines()[-1]
    (reset,) = _events(api, "user.password_reset")
    assert (reset["actor_id"], reset["entity_id"], reset["after"]) == (None, user.id, None)
    (made,) = _events(api, "token.create")
    assert made["actor_id"] is None and made["after"]["device_name"] == "ci"
    text = _stored_text(api)
    assert "a new long password" not in text and token not in text


def test_an_action_rolled_back_leaves_no_event(api):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), api.state.db.small_write() as conn:
        audit.record(conn, actor_id=None, action="test.rollback", entity="test", entity_id="1")
        raise Boom
    with api.state.db.read() as conn:
        n = conn.execute(
            select(func.count()).where(audit_events.c.action == "test.rollback")
        ).scalar_one()
    assert n == 0


def test_secrets_are_scrubbed_and_large_states_digested(api):
    with api.state.db.small_write() as conn:
        audit.record(
            conn, actor_id=None, action="test.scrub", entity="test", entity_id="1",
            before={"name": "a", "password": "p4ss", "nested": [{"api_key": "k", "ok": 1}],
                    "token_id": "t1", "Secret_Hash": "h", "share_url": "https://x/s3cr3t"},
            after={"blob": "x" * (audit.MAX_STATE_BYTES + 1)},
        )  # fmt: skip
    (event,) = _events(api, "test.scrub")
    assert event["before"] == {"name": "a", "nested": [{"ok": 1}], "token_id": "t1"}
    assert list(event["after"]) == ["sha256"] and len(event["after"]["sha256"]) == 64
    with pytest.raises(audit.BadAuditRecord), api.state.db.small_write() as conn:
        audit.record(conn, actor_id=None, action="", entity="test", entity_id=None)


def test_project_roles_and_contact_deletions_are_audited(api, team):
    pid = team.project["id"]
    joined = [e for e in _events(api, "membership.set") if e["after"]["user_id"] == team.viewer.id]
    assert [(e["actor_id"], e["before"], e["after"]["kind"]) for e in joined] == [
        (team.manager.id, None, "viewer")
    ]
    # a rate alone is not a role change (rates have their own events); wider grants are
    api.member(team.manager, pid, team.member, bill_rate={"amount": "80.00", "currency": "EUR"})
    grants = {"show_entries": True, "show_screenshots": True}
    api.member(team.manager, pid, team.viewer, kind="viewer", grants=grants)
    events = [e for e in _events(api, "membership.set") if e["entity_id"] == pid]
    latest = events[0]
    assert latest["after"]["user_id"] == team.viewer.id
    assert latest["before"]["grants"]["show_screenshots"] is False
    assert latest["after"]["grants"]["show_screenshots"] is True
    assert [e["after"]["user_id"] for e in events].count(team.member.id) == 1

    r = team.manager.post("/clients", {"name": "Acme", "currency": "EUR"})
    assert r.status_code == 201, r.text
    client = r.json()["id"]
    r = team.manager.post(f"/clients/{client}/contacts", {"name": "Ann", "email": "a@ex.com"})
    assert r.status_code == 201, r.text
    contact = r.json()["id"]
    assert team.manager.delete(f"/contacts/{contact}").status_code == 204
    (event,) = _events(api, "contact.delete")
    assert (event["actor_id"], event["entity_id"]) == (team.manager.id, contact)
    assert event["before"] == {"client_id": client, "name": "Ann"}
