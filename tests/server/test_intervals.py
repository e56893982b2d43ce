"""``POST /intervals/batch`` per server-spec §6.8, and ``GET /intervals``."""

from __future__ import annotations

import gzip
import json
import uuid

from sqlalchemy import func, select
from srvutil import iv

from server_stub.db.tables import intervals


def _snapshot(api) -> list[tuple]:
    with api.state.db.read() as conn:
        return [tuple(r) for r in conn.execute(select(intervals).order_by(intervals.c.id)).all()]


def test_create_then_same_batch_twice_changes_nothing(api, team):
    t = team.task["id"]
    batch = [
        iv(t, "2026-11-20T09:00:00+01:00", "2026-11-20T10:00:00+01:00"),
        iv(t, "2026-11-20T10:00:00+01:00", "2026-11-20T12:30:00+01:00", note="more"),
    ]
    first = team.member.push(*batch)
    assert first == {"accepted": [b["id"] for b in batch], "conflicts": [], "rejected": []}
    before = _snapshot(api)
    second = team.member.push(*batch)
    assert second == first
    assert _snapshot(api) == before


def test_update_with_base_revision_and_stale_conflict(api, team):
    t = team.task["id"]
    a = iv(t, "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z")
    team.member.push(a)
    edit = {**a, "ended_at": "2026-11-20T10:30:00Z", "revision": 2, "base_revision": 1}
    assert team.member.push(edit)["accepted"] == [a["id"]]
    stale = {**a, "note": "from the other laptop", "revision": 2, "base_revision": 1}
    out = team.member.push(stale)
    assert out["accepted"] == []
    (conflict,) = out["conflicts"]
    assert conflict["reason"] == "revision"
    assert conflict["server"]["revision"] == 2
    assert conflict["server"]["ended_at"] == "2026-11-20T10:30:00+00:00"
    assert conflict["server"]["duration_seconds"] == 5400


def test_tombstones(api, team):
    t = team.task["id"]
    a = iv(t, "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z")
    team.member.push(a)
    gone = {**a, "deleted": True, "revision": 2, "base_revision": 1}
    assert team.member.push(gone)["accepted"] == [a["id"]]
    assert team.member.push(gone)["accepted"] == [a["id"]]  # replay
    never_seen = iv(t, "2026-11-21T09:00:00Z", "2026-11-21T10:00:00Z", deleted=True)
    assert team.member.push(never_seen)["accepted"] == [never_seen["id"]]
    listed = team.member.get("/intervals").json()["items"]
    assert [(i["id"], i["deleted"]) for i in listed] == [(a["id"], True)]
    totals = team.member.get("/totals").json()
    assert totals["total_seconds"] == 0
    # the freed time can be tracked again
    b = iv(t, "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z")
    assert team.member.push(b)["accepted"] == [b["id"]]


def test_rejections_have_codes_and_never_block_others(api, team):
    t = team.task["id"]
    good = iv(t, "2026-11-20T08:00:00Z", "2026-11-20T09:00:00Z")
    items = [
        iv(t, "2026-11-20T10:00:00Z", "2026-11-20T09:00:00Z"),
        iv(t, "2026-11-01T00:00:00Z", "2026-12-15T00:00:00Z"),
        iv(str(uuid.uuid4()), "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"),
        iv(team.other_task["id"], "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"),
        iv(t, "2026-11-20T08:30:00Z", "2026-11-20T09:30:00Z"),
        iv(t, "1900-01-01T00:00:00Z", "1900-01-01T01:00:00Z"),
        iv(t, "2026-11-20T12:00:00Z", "2026-11-20T13:00:00Z", tz="Mars/Olympus"),
        iv(t, "2026-11-20T12:00:00Z", "2026-11-20T13:00:00Z", revision=1, base=1),
    ]
    out = team.member.push(good, *items)
    assert out["accepted"] == [good["id"]]
    codes = [(r["id"], r["code"]) for r in out["rejected"]]
    assert codes == list(
        zip(
            [i["id"] for i in items],
            [
                "end_before_start",
                "too_long",
                "task_not_found",
                "task_not_found",
                "overlap",
                "invalid_time",
                "invalid_tz",
                "bad_revision",
            ],
            strict=True,
        )
    )
    overlap = out["rejected"][4]
    assert good["id"] in overlap["detail"]


def test_viewer_membership_gives_no_access_to_track(api, team):
    # A member-role user who only views a project may not track on it.
    api.member(team.manager, team.other_project["id"], team.member, kind="viewer")
    item = iv(team.other_task["id"], "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z")
    (rej,) = team.member.push(item)["rejected"]
    assert rej["code"] == "no_access"
    assert team.viewer.post("/intervals/batch", {"intervals": [item]}).status_code == 403


def test_items_apply_in_order_stop_a_start_b(api, team):
    t = team.task["id"]
    a = iv(t, "2026-11-25T09:00:00Z", None)
    team.member.push(a)
    stop_a = {**a, "ended_at": "2026-11-25T10:00:00Z", "revision": 2, "base_revision": 1}
    b = iv(t, "2026-11-25T10:00:00Z", None)
    out = team.member.push(stop_a, b)
    assert out["accepted"] == [a["id"], b["id"]]
    assert out["rejected"] == [] and out["conflicts"] == []


def test_latest_start_wins_across_devices(api, team):
    t = team.task["id"]
    laptop = team.member
    phone = api.login(laptop.email, "phone")
    a = iv(t, "2026-11-25T09:00:00Z", None)
    laptop.push(a)
    b = iv(t, "2026-11-25T10:15:00Z", None)
    assert phone.push(b)["accepted"] == [b["id"]]
    listed = {i["id"]: i for i in laptop.get("/intervals").json()["items"]}
    assert listed[a["id"]]["ended_at"] == "2026-11-25T10:15:00+00:00"
    assert listed[a["id"]]["revision"] == 2  # bumped: the laptop learns it from /changes
    assert listed[b["id"]]["ended_at"] is None
    # an older running interval arriving late is ended where the newer one began
    c = iv(t, "2026-11-25T08:00:00Z", None)
    out = laptop.push({**c, "started_at": "2026-11-25T07:00:00Z"})
    assert out["rejected"][0]["code"] == "overlap"  # ended at 10:15 it would overlap a
    d = iv(t, "2026-11-25T10:30:00Z", None)
    assert laptop.push(d)["accepted"] == [d["id"]]
    running = [i for i in laptop.get("/intervals").json()["items"] if i["ended_at"] is None]
    assert [i["id"] for i in running] == [d["id"]]


def test_older_running_interval_is_ended_at_newer_start(api, team):
    t = team.task["id"]
    newer = iv(t, "2026-11-25T11:00:00Z", None)
    team.member.push(newer)
    older = iv(t, "2026-11-25T10:00:00Z", None)
    assert team.member.push(older)["accepted"] == [older["id"]]
    listed = {i["id"]: i for i in team.member.get("/intervals").json()["items"]}
    assert listed[older["id"]]["ended_at"] == "2026-11-25T11:00:00+00:00"
    assert listed[older["id"]]["revision"] == 2
    assert listed[newer["id"]]["ended_at"] is None


def test_finished_interval_overlapping_running_is_rejected(api, team):
    t = team.task["id"]
    run = iv(t, "2026-11-25T09:00:00Z", None)
    team.member.push(run)
    late = iv(t, "2026-11-25T10:00:00Z", "2026-11-25T11:00:00Z")
    (rej,) = team.member.push(late)["rejected"]
    assert rej["code"] == "overlap" and run["id"] in rej["detail"]
    before = iv(t, "2026-11-25T08:00:00Z", "2026-11-25T09:00:00Z")
    assert team.member.push(before)["accepted"] == [before["id"]]


def test_other_users_interval_id_is_no_access(api, team):
    a = iv(team.task["id"], "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z")
    team.member.push(a)
    api.member(team.manager, team.project["id"], team.other_member)
    out = team.other_member.push({**a, "revision": 2, "base_revision": 1})
    assert out["rejected"][0]["code"] == "no_access"
    assert "server" not in out["rejected"][0]


def test_locked_intervals_conflict(api, team):
    from sqlalchemy import update

    a = iv(team.task["id"], "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z")
    team.member.push(a)
    with api.state.db.write() as tx:
        tx.conn.execute(
            update(intervals).where(intervals.c.id == a["id"]).values(locked_by_invoice_id="x")
        )
    out = team.member.push({**a, "note": "edit", "revision": 2, "base_revision": 1})
    assert out["conflicts"][0]["reason"] == "locked"
    # and a lock date rejects new time before it
    from server_stub.db.tables import workspace

    with api.state.db.write() as tx:
        tx.conn.execute(update(workspace).values(lock_before=1_790_000_000))
    old = iv(team.task["id"], "2026-01-01T09:00:00Z", "2026-01-01T10:00:00Z")
    assert team.member.push(old)["rejected"][0]["code"] == "before_lock_date"


def test_limits_items_and_bytes(api, team):
    t = team.task["id"]
    many = [iv(t, "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z") for _ in range(1001)]
    r = team.member.post("/intervals/batch", {"intervals": many})
    assert r.status_code == 422
    assert r.json()["code"] == "too_many_items"
    huge = {"intervals": [iv(t, "2026-11-20T09:00:00Z", None, note="x" * 9000)] * 240}
    r = team.member.post("/intervals/batch", huge)
    assert r.status_code == 413
    assert r.json()["code"] == "body_too_large"
    bomb = gzip.compress(json.dumps(huge).encode())
    assert len(bomb) < 100_000
    r = team.member.post(
        "/intervals/batch",
        content=bomb,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert r.status_code == 413


def test_gzip_bodies_accepted(api, team):
    item = iv(team.task["id"], "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z")
    body = gzip.compress(json.dumps({"intervals": [item]}).encode())
    r = team.member.post(
        "/intervals/batch",
        content=body,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == [item["id"]]
    r = team.member.post(
        "/intervals/batch",
        content=b"not gzip",
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["code"] == "bad_encoding"


def test_idempotency_key(api, team):
    t = team.task["id"]
    a = iv(t, "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z")
    first = team.member.post(
        "/intervals/batch", {"intervals": [a]}, headers={"Idempotency-Key": "k1"}
    )
    # The server changes the interval meanwhile: a replay still returns the stored answer.
    team.member.push({**a, "note": "x", "revision": 2, "base_revision": 1})
    replay = team.member.post(
        "/intervals/batch", {"intervals": [a]}, headers={"Idempotency-Key": "k1"}
    )
    assert replay.status_code == 200
    assert replay.content == first.content
    other = team.member.post(
        "/intervals/batch", {"intervals": []}, headers={"Idempotency-Key": "k1"}
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


def test_idempotency_in_flight_is_409(api, team):
    from server_stub.services import idempotency

    body = {"intervals": []}
    digest = idempotency.request_hash({"intervals": []})
    assert idempotency.begin(api.state.db, "someone", "k", digest, api.state.now()) is None
    # A request with the same key and token still running:
    token_id = _token_id(api, team.member)
    idempotency.begin(api.state.db, token_id, "busy", digest, api.state.now())
    r = team.member.post("/intervals/batch", body, headers={"Idempotency-Key": "busy"})
    assert r.status_code == 409
    assert r.json()["code"] == "idempotency_in_flight"
    assert r.headers["retry-after"] == "1"


def _token_id(api, user) -> str:
    from server_stub.db.tables import api_tokens
    from server_stub.security import token_hash

    with api.state.db.read() as conn:
        return conn.execute(
            select(api_tokens.c.id).where(api_tokens.c.secret_hash == token_hash(user.token))
        ).scalar_one()


def test_list_intervals_pages_and_scopes(api, team):
    t = team.task["id"]
    items = [iv(t, f"2026-11-{d:02d}T09:00:00Z", f"2026-11-{d:02d}T10:00:00Z") for d in range(1, 8)]
    team.member.push(*items)
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = team.member.get("/intervals", params=params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [i["id"] for i in items]
    ranged = team.member.get("/intervals", params={"from": "2026-11-03", "to": "2026-11-04"})
    assert [i["id"] for i in ranged.json()["items"]] == [items[2]["id"], items[3]["id"]]
    # others: the other member sees none of them; the manager all; the viewer with show_entries
    assert team.other_member.get("/intervals").json()["items"] == []
    assert len(team.manager.get("/intervals").json()["items"]) == 7
    assert len(team.viewer.get("/intervals").json()["items"]) == 7
    assert team.other_member.get(f"/intervals?user_id={team.member.id}").status_code == 403
    bad = team.member.get("/intervals", params={"cursor": "garbage!"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"


def test_running_interval_unique_in_database(api, team):
    t = team.task["id"]
    team.member.push(iv(t, "2026-11-25T09:00:00Z", None), iv(t, "2026-11-25T10:00:00Z", None))
    with api.state.db.read() as conn:
        n = conn.execute(
            select(func.count())
            .select_from(intervals)
            .where(intervals.c.ended_at.is_(None), intervals.c.user_id == team.member.id)
        ).scalar()
    assert n == 1
