"""Concurrent writers: BEGIN IMMEDIATE on SQLite, the counter-row lock on PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from srvutil import iv, race

from server_stub.db.tables import counters, intervals

ROUNDS = 4


def _count(api, where=None) -> int:
    q = select(func.count()).select_from(intervals)
    if where is not None:
        q = q.where(where)
    with api.state.db.read() as conn:
        return conn.execute(q).scalar()


def test_same_batch_from_two_threads(api, team):
    for n in range(ROUNDS):
        day = f"2026-11-{n + 1:02d}"
        batch = {
            "intervals": [
                iv(team.task["id"], f"{day}T{h:02d}:00:00Z", f"{day}T{h:02d}:30:00Z")
                for h in range(8, 18)
            ]
        }
        a, b = race(*[lambda b=batch: team.member.post("/intervals/batch", b)] * 2)
        assert a.status_code == b.status_code == 200
        ids = [i["id"] for i in batch["intervals"]]
        assert a.json()["accepted"] == ids and b.json()["accepted"] == ids
    assert _count(api) == ROUNDS * 10
    with api.state.db.read() as conn:
        seqs = conn.execute(select(intervals.c.seq)).scalars().all()
        top = conn.execute(select(counters.c.value).where(counters.c.name == "seq")).scalar()
    assert len(set(seqs)) == len(seqs) and max(seqs) <= top


def test_same_batch_with_idempotency_key_from_two_threads(api, team):
    for n in range(ROUNDS):
        batch = {
            "intervals": [
                iv(
                    team.task["id"],
                    f"2026-10-{n + 1:02d}T09:00:00Z",
                    f"2026-10-{n + 1:02d}T10:00:00Z",
                )
            ]
        }
        key = {"Idempotency-Key": f"key-{n}"}
        a, b = race(
            *[lambda k=key, b=batch: team.member.post("/intervals/batch", b, headers=k)] * 2
        )
        statuses = sorted([a.status_code, b.status_code])
        assert statuses in ([200, 200], [200, 409]), (a.text, b.text)
        for r in (a, b):
            if r.status_code == 409:
                assert r.json()["code"] == "idempotency_in_flight"
    assert _count(api) == ROUNDS


def test_two_users_race_for_one_interval_id(api, team):
    api.member(team.manager, team.project["id"], team.other_member)
    for n in range(ROUNDS):
        shared = str(uuid.uuid4())
        day = f"2026-09-{n + 1:02d}"
        a_item = iv(team.task["id"], f"{day}T09:00:00Z", f"{day}T10:00:00Z", id=shared)
        b_item = iv(team.task["id"], f"{day}T11:00:00Z", f"{day}T12:00:00Z", id=shared)
        ra, rb = race(
            lambda a=a_item: team.member.push(a), lambda b=b_item: team.other_member.push(b)
        )
        winners = [r for r in (ra, rb) if r["accepted"] == [shared]]
        losers = [r for r in (ra, rb) if r["rejected"]]
        assert len(winners) == 1 and len(losers) == 1
        assert losers[0]["rejected"][0]["code"] == "no_access"
        assert _count(api, intervals.c.id == shared) == 1


def test_two_running_intervals_from_two_devices(api, team):
    laptop = team.member
    phone = api.login(laptop.email, "phone")
    for n in range(ROUNDS):
        day = f"2026-08-{n + 1:02d}"
        a = iv(team.task["id"], f"{day}T09:00:00Z", None)
        b = iv(team.task["id"], f"{day}T09:10:00Z", None)
        ra, rb = race(lambda a=a: laptop.push(a), lambda b=b: phone.push(b))
        assert ra["accepted"] == [a["id"]] and rb["accepted"] == [b["id"]]
        running = _count(
            api,
            (intervals.c.user_id == laptop.id)
            & intervals.c.ended_at.is_(None)
            & ~intervals.c.deleted,
        )
        assert running == 1
        listed = {
            i["id"]: i
            for i in laptop.get("/intervals", params={"from": day, "to": day}).json()["items"]
        }
        assert listed[a["id"]]["ended_at"] == f"{day}T09:10:00+00:00"
        assert listed[b["id"]]["ended_at"] is None
        # stop it so the next round starts clean
        laptop.push({**b, "ended_at": f"{day}T09:20:00Z", "revision": 2, "base_revision": 1})
