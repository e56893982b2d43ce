"""Project chat, files and share links through the API (contract §4c, server-spec §6.15).

Who may call what is in test_authz_matrix.py; here: what each call does, on both databases.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from server_stub.authz import Actor, Role
from server_stub.db.tables import audit_events, chat_pending, project_files, share_links
from server_stub.services import messages
from server_stub.services import share_links as links
from server_stub.services.files import MAX_FILE_BYTES, clean_name, content_disposition, sniff

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _upload(user, project_id, name, data, declared="application/octet-stream"):
    return user.post(f"/projects/{project_id}/files", files={"file": (name, data, declared)})


def _count(api, table, *where) -> int:
    with api.state.db.read() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _audit(api, action) -> list[tuple[str, str]]:
    with api.state.db.read() as conn:
        rows = conn.execute(
            select(audit_events.c.actor_id, audit_events.c.entity_id)
            .where(audit_events.c.action == action)
            .order_by(audit_events.c.id)
        ).all()
    return [tuple(r) for r in rows]


# -- chat -------------------------------------------------------------------------------------


def test_chat_between_team_and_client(api, team, server_clock):
    pid = team.project["id"]
    r = team.viewer.post(f"/projects/{pid}/messages", {"body": "  Can we move the launch?\r\n"})
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["body"] == "Can we move the launch?"
    assert first["user_id"] == team.viewer.id and first["author"].startswith("Viewer")
    server_clock.now += 60
    r = team.member.post(f"/projects/{pid}/messages", {"body": "Yes — <b>Friday</b> works."})
    assert r.status_code == 201, r.text
    page = team.viewer.get(f"/projects/{pid}/messages").json()
    assert [m["body"] for m in page["items"]] == ["Yes — <b>Friday</b> works.", first["body"]]
    assert page["next_cursor"] is None
    assert page["items"][0]["created_at"] == "2026-11-25T12:01:00Z"


def test_chat_pages_back_in_time(api, team):
    pid = team.project["id"]
    for i in range(5):
        assert team.member.post(f"/projects/{pid}/messages", {"body": f"m{i}"}).status_code == 201
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = team.manager.get(f"/projects/{pid}/messages", params=params).json()
        seen += [m["body"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["m4", "m3", "m2", "m1", "m0"]


def test_bad_messages_are_refused_and_nothing_is_written(api, team):
    pid = team.project["id"]
    for body, code in (
        ({"body": "   \n "}, "empty_message"),
        ({"body": "x" * 10_001}, "validation_error"),
        ({"body": "nul \x00 byte"}, "validation_error"),
        ({}, "validation_error"),
    ):
        r = team.member.post(f"/projects/{pid}/messages", body)
        assert r.status_code == 422 and r.json()["code"] == code, r.text
    assert team.member.post(f"/projects/{pid}/messages", {"body": "x" * 10_000}).status_code == 201
    assert len(team.member.get(f"/projects/{pid}/messages").json()["items"]) == 1


def test_archived_projects_keep_their_chat_readable(api, team):
    pid = team.project["id"]
    team.member.post(f"/projects/{pid}/messages", {"body": "before"})
    assert team.manager.patch(f"/projects/{pid}", {"archived": True}).status_code == 200
    r = team.member.post(f"/projects/{pid}/messages", {"body": "after"})
    assert r.status_code == 409 and r.json()["code"] == "project_archived"
    assert [m["body"] for m in team.viewer.get(f"/projects/{pid}/messages").json()["items"]] == [
        "before"
    ]


# -- files ------------------------------------------------------------------------------------


def test_files_round_trip_with_safe_download(api, team, tmp_path):
    pid = team.project["id"]
    name = "..\\evil\\Ä ü:*?.pdf"
    r = _upload(team.viewer, pid, name, PDF, "text/html")  # the declared type is ignored
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["content_type"] == "application/pdf"
    assert f["size"] == len(PDF) and f["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert f["uploaded_by"] == team.viewer.id and f["name"] == "Ä ü_.pdf"
    assert [x["id"] for x in team.member.get(f"/projects/{pid}/files").json()["items"]] == [f["id"]]
    r = team.member.get(f"/files/{f['id']}")
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["x-content-type-options"] == "nosniff"
    cd = r.headers["content-disposition"]
    assert cd.startswith('attachment; filename="A u_.pdf"; ')
    assert unquote(cd.split("filename*=UTF-8''", 1)[1]) == "Ä ü_.pdf"
    stored = tmp_path / "files" / f["sha256"][:2] / f["sha256"]
    assert stored.read_bytes() == PDF


def test_download_names_are_safe():
    assert clean_name('a\r\nb"c/../d.txt') == "d.txt"
    assert clean_name('re: "Q4"\r\n.pdf') == "re_ _Q4_.pdf"
    assert clean_name("../../etc/passwd") == "passwd" and clean_name("..") == "file"
    cd = content_disposition('x"\r\nSet-Cookie: a=b.txt')
    assert "\r" not in cd and "\n" not in cd and cd.count('"') == 2


def test_content_type_comes_from_the_bytes():
    assert sniff(PDF) == "application/pdf"
    assert sniff(b"\x89PNG\r\n\x1a\n" + b"\0" * 8) == "image/png"
    assert sniff(b"RIFF\x10\0\0\0WEBPVP8 ") == "image/webp"
    assert sniff(b"PK\x03\x04rest") == "application/zip"
    assert sniff("<html><script>alert(1)</script> ünïcode".encode()) == "text/plain"
    assert sniff(b"MZ\x90\x00\x03\x00\x00\x00") == "application/octet-stream"


def test_html_named_pdf_is_served_as_text(api, team):
    r = _upload(team.member, team.project["id"], "invoice.pdf", b"<script>alert(1)</script>")
    assert r.status_code == 201 and r.json()["content_type"] == "text/plain", r.text
    got = team.member.get(f"/files/{r.json()['id']}")
    assert got.headers["content-type"].startswith("text/plain")
    assert got.headers["content-disposition"].startswith("attachment;")


def test_uploads_over_25_mib_are_refused_with_nothing_stored(api, team, tmp_path):
    pid = team.project["id"]
    r = _upload(team.member, pid, "big.bin", b"\0" * (MAX_FILE_BYTES + 1))
    assert r.status_code == 413 and r.json()["code"] == "file_too_large", r.text
    r = _upload(team.member, pid, "huge.bin", b"\0" * (MAX_FILE_BYTES + 128 * 1024))
    assert r.status_code == 413 and r.json()["code"] == "body_too_large", r.text
    assert _count(api, project_files) == 0
    files_dir = tmp_path / "files"
    assert not files_dir.exists() or not [p for p in files_dir.rglob("*") if p.is_file()]
    r = _upload(team.member, pid, "exact.bin", b"\1" * MAX_FILE_BYTES)
    assert r.status_code == 201 and r.json()["size"] == MAX_FILE_BYTES, r.text


def test_same_bytes_stored_once_and_removed_with_the_last_file(api, team, tmp_path):
    pid = team.project["id"]
    a = _upload(team.member, pid, "a.txt", b"same bytes").json()
    b = _upload(team.viewer, pid, "b.txt", b"same bytes").json()
    blob = tmp_path / "files" / a["sha256"][:2] / a["sha256"]
    r = team.viewer.delete(f"/files/{a['id']}")  # not the viewer's file
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert team.member.delete(f"/files/{a['id']}").status_code == 204
    assert blob.is_file()  # b still uses it
    assert team.member.get(f"/files/{a['id']}").status_code == 404
    assert team.viewer.delete(f"/files/{b['id']}").status_code == 204  # the uploader may
    assert not blob.exists()
    assert _audit(api, "file.delete") == [(team.member.id, a["id"]), (team.viewer.id, b["id"])]
    assert team.member.get(f"/projects/{pid}/files").json()["items"] == []


# -- share links ------------------------------------------------------------------------------


def _resolve(api, secret, password=None):
    with api.state.db.small_write() as conn:
        return links.resolve(
            conn, secret, password, passwords=api.state.passwords, now=api.state.now()
        )


def test_share_link_secret_is_shown_once_and_stored_hashed(api, team):
    pid = team.project["id"]
    r = team.manager.post(
        f"/projects/{pid}/share-links", {"grants": {"show_entries": True, "show_members": True}}
    )
    assert r.status_code == 201, r.text
    link = r.json()
    base, secret = link["url"].rsplit("/shared/", 1)
    assert base == "http://testserver" and len(secret) >= 22  # 16 bytes, base64url
    assert link["grants"]["show_entries"] and not link["grants"]["show_amounts"]
    with api.state.db.read() as conn:
        row = conn.execute(select(share_links)).one()
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(tuple(row))
    listed = team.manager.get(f"/projects/{pid}/share-links").json()["items"]
    assert [x["id"] for x in listed] == [link["id"]]
    assert "url" not in listed[0] and secret not in str(listed)
    access = _resolve(api, secret)
    assert access.granted and access.project_id == pid and access.grants["show_entries"]
    _resolve(api, secret)
    listed = team.manager.get(f"/projects/{pid}/share-links").json()["items"]
    assert listed[0]["access_count"] == 2 and listed[0]["last_access_at"]
    assert _resolve(api, secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None


def test_share_link_expiry_and_revocation(api, team, server_clock):
    pid = team.project["id"]
    r = team.manager.post(
        f"/projects/{pid}/share-links", {"expires_at": "2026-11-25T13:00:00+00:00"}
    )
    secret = r.json()["url"].rsplit("/", 1)[1]
    assert _resolve(api, secret).granted
    server_clock.set(datetime(2026, 11, 25, 13, 0, tzinfo=UTC))
    assert _resolve(api, secret) is None  # expired
    r = team.manager.post(f"/projects/{pid}/share-links", {"expires_at": "2026-11-25T12:00:00Z"})
    assert r.status_code == 422 and r.json()["code"] == "expiry_in_past"
    link = team.admin.post(f"/projects/{pid}/share-links", {}).json()
    secret = link["url"].rsplit("/", 1)[1]
    assert team.manager.delete(f"/share-links/{link['id']}").status_code == 204
    assert _resolve(api, secret) is None
    assert team.manager.delete(f"/share-links/{link['id']}").status_code == 204  # again: same
    listed = {x["id"]: x for x in team.manager.get(f"/projects/{pid}/share-links").json()["items"]}
    assert listed[link["id"]]["revoked_at"] and listed[link["id"]]["access_count"] == 0
    assert _audit(api, "share_link.revoke") == [(team.manager.id, link["id"])]
    assert (team.admin.id, link["id"]) in _audit(api, "share_link.create")


def test_share_link_password(api, team):
    pid = team.project["id"]
    r = team.manager.post(f"/projects/{pid}/share-links", {"password": "open sesame 42"})
    assert r.status_code == 201 and r.json()["has_password"], r.text
    secret = r.json()["url"].rsplit("/", 1)[1]
    with api.state.db.read() as conn:
        stored = conn.execute(select(share_links.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "open sesame" not in stored
    first = _resolve(api, secret)
    assert first.needs_password and not first.wrong_password and not first.granted
    wrong = _resolve(api, secret, "open sesame 43")
    assert wrong.needs_password and wrong.wrong_password
    assert _resolve(api, secret, "open sesame 42").granted
    listed = team.manager.get(f"/projects/{pid}/share-links").json()["items"]
    assert listed[0]["access_count"] == 1  # only the granted access counts
    r = team.manager.post(f"/projects/{pid}/share-links", {"password": "short"})
    assert r.status_code == 422


def test_chat_queues_the_other_side_only(api, team):
    """With e-mail on, a message waits for the other side's participants (for the digest)."""
    pid = team.project["id"]

    def post(user, body):
        actor = Actor(user.id, Role(user.role), "t")
        messages.post(api.state.db, actor, pid, body, now=api.state.now(), notify=True)

    post(team.viewer, "from the client")
    post(team.admin, "from an admin")
    with api.state.db.read() as conn:
        waiting = conn.execute(select(chat_pending.c.user_id)).scalars().all()
    # the client's message waits for the member; the admin's for the client (the admin wrote,
    # so they have read the chat); never for the other project's member
    assert sorted(waiting) == sorted([team.member.id, team.viewer.id])
    post(team.member, "read it")  # writing marks the chat read for the writer
    with api.state.db.read() as conn:
        waiting = conn.execute(select(chat_pending.c.user_id)).scalars().all()
    assert sorted(waiting) == sorted([team.viewer.id, team.viewer.id])


# -- task assignment --------------------------------------------------------------------------


def test_assigning_tasks(api, team):
    tid = team.task["id"]
    r = team.manager.patch(f"/tasks/{tid}", {"assignee_id": team.member.id})
    assert r.status_code == 200 and r.json()["assignee_id"] == team.member.id, r.text
    assert r.json()["revision"] == 2
    r = team.member.patch(f"/tasks/{tid}", {"assignee_id": team.member.id})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = team.member.patch(f"/tasks/{tid}", {"status": "done"})  # members still edit the rest
    assert r.status_code == 200 and r.json()["assignee_id"] == team.member.id
    for who in (team.other_member, team.viewer):  # not members of the task's project
        r = team.admin.patch(f"/tasks/{tid}", {"assignee_id": who.id})
        assert r.status_code == 422 and r.json()["code"] == "assignee_not_member", r.text
    r = team.other_member.patch(f"/tasks/{tid}", {"assignee_id": team.other_member.id})
    assert r.status_code == 404
    r = team.manager.patch(f"/tasks/{tid}", {"assignee_id": None})
    assert r.status_code == 200 and r.json()["assignee_id"] is None
    changes = team.member.get("/changes").json()["items"]
    assert [c["data"]["assignee_id"] for c in changes if c["id"] == tid] == [None]


def test_assign_service_for_the_pages(api, team):
    """``assignment.assign``: what a page calls, under the same rules as the API."""
    from server_stub.errors import ApiError
    from server_stub.services import assignment

    def assign(user, who):
        actor = Actor(user.id, Role(user.role), "t")
        return assignment.assign(api.state.db, actor, team.task["id"], who, now=api.state.now(),
                                 base="https://t.example", notify=True)  # fmt: skip

    row, told = assign(team.manager, team.member.id)
    assert row.assignee_id == team.member.id and row.revision == 2 and told
    row, told = assign(team.manager, team.member.id)  # the same again: nothing changes
    assert row.revision == 2 and not told
    for user, who, status in ((team.member, None, 403), (team.admin, team.viewer.id, 422),
                              (team.other_member, None, 404)):  # fmt: skip
        with pytest.raises(ApiError) as exc:
            assign(user, who)
        assert exc.value.status == status
