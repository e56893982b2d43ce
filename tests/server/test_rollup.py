"""The daily roll-up (``day_totals``/``day_amounts``, server_stub/db/rollup.py) on both databases:
``/totals`` answered from it equals the computation from the raw intervals, to the second and to
the minor unit, on random timelines edited, moved and deleted through the real batch API, across
a DST change in a zone with a half-hour offset; the triggers' state equals a rebuild from
scratch; a change of the workspace zone rebuilds it; invoices and re-pricing keep it honest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from srvutil import iv, tracked

from server_stub.db import rollup
from server_stub.services import amounts as money
from server_stub.services import totals as svc
from server_stub.timefmt import load_tz

ZONE = "Australia/Adelaide"  # +09:30, DST ends 2026-04-05 03:00 local (a 25-hour day)
BASE = int(datetime(2026, 4, 3, 6, 0, tzinfo=UTC).timestamp())
GROUPINGS = (["project", "user"], ["task", "day"], ["week"], ["user", "day", "week"], [])
BASES = ("best", "estimated", "invoiced")


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _both(conn, scope, groups, zone, now, first, last, basis="best"):
    """(roll-up answer, raw answer) of the seconds and the money, after checking the roll-up
    really answers for this range."""
    assert svc.rollup_days(conn, scope, zone, now, first, last) is not None
    out = []
    for use in (True, False):
        rows, total, f, t = svc.totals(conn, scope, groups, zone, now, first, last, use_rollup=use)
        sums = money.by_row(conn, scope, groups, zone, f, t, basis, now=now, use_rollup=use)
        out.append((rows, total, f, t, sums))
    return out


TABLES = ("day_totals", "day_amounts", "month_totals", "month_amounts")


def _table(conn, name: str) -> list[tuple]:
    level = "month" if name.startswith("month") else "day"
    keys = f"{level}, user_id, task_id" + (", currency" if name.endswith("amounts") else "")
    return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {name} ORDER BY {keys}")).all()]


def _nonzero(rows: list[tuple]) -> list[tuple]:
    return [r for r in rows if any(v for v in r[3:] if isinstance(v, int))]


@pytest.fixture
def priced(api, team):
    """The workspace in ZONE; two tasks on a EUR project, one on a JPY project."""
    r = team.admin.patch("/workspace", {"timezone": ZONE})
    assert r.status_code == 200, r.text
    p, q = team.project["id"], team.other_project["id"]
    team.manager.patch(f"/projects/{p}", {"bill_rate": {"amount": "100", "currency": "EUR"}})
    team.manager.patch(f"/projects/{q}", {"bill_rate": {"amount": "7000", "currency": "JPY"}})
    extra = api.task(team.manager, p, "Review")
    return [team.task["id"], extra["id"], team.other_task["id"]]


spans = st.lists(
    st.tuples(
        st.integers(0, 20 * 3600),  # gap before
        st.integers(1, 30 * 3600),  # length
        st.integers(0, 2),  # task
        st.sampled_from(["keep", "keep", "shrink", "move", "delete"]),
        st.integers(0, 10**6),  # how to shrink
    ),
    min_size=1,
    max_size=7,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spans=spans, running=st.booleans(), reprice=st.booleans())
def test_rollup_equals_the_raw_totals(api, team, priced, spans, running, reprice):
    tasks = priced
    user = api.user("member")
    for pid in (team.project["id"], team.other_project["id"]):
        api.member(team.manager, pid, user)
    # 1. a random timeline, pushed in one batch
    t = BASE
    items, bounds = [], []
    for gap, length, task, _, _ in spans:
        start, end = t + gap, t + gap + length
        items.append(iv(tasks[task], _iso(start), _iso(end), tz=ZONE))
        bounds.append((start, end))
        t = end
    if running:
        items.append(iv(tasks[0], "2026-11-24T20:00:00Z", None, tz=ZONE))
    assert len(user.push(*items)["accepted"]) == len(items)
    # 2. edits, moves and deletes of it, as a desktop pushes them
    edits = []
    for item, (start, end), (_, _, task, op, k) in zip(items, bounds, spans, strict=False):
        if op == "keep":
            continue
        new = {**item, "revision": 2, "base_revision": 1}
        if op == "shrink":
            s2 = start + k % (end - start)
            new["started_at"], new["ended_at"] = _iso(s2), _iso(s2 + 1 + k % (end - s2))
        elif op == "move":
            new["task_id"] = tasks[(task + 1 + k % 2) % 3]
        else:
            new["deleted"] = True
        edits.append(new)
    if edits:
        assert len(user.push(*edits)["accepted"]) == len(edits)
    if reprice:  # a back-dated rate change re-prices stored intervals (UPDATE ... WHERE id IN)
        r = team.manager.patch(
            f"/projects/{team.project['id']}",
            {"bill_rate": {"amount": "80.5", "currency": "EUR"}, "effective_from": "2026-04-04"},
        )
        assert r.status_code == 200, r.text
    # 3. the roll-up's answers equal the raw ones, for this user and for everyone
    zone = load_tz(ZONE)
    now = api.state.now()
    ranges = [(date(2026, 4, 1), date(2026, 11, 30)), (date(2026, 4, 4), date(2026, 4, 5)),
              (None, None), (date(2026, 3, 15), date(2026, 5, 10))]  # fmt: skip
    with api.state.db.read() as conn:
        for scope in (svc.actor_scope_all(user_id=user.id), svc.actor_scope_all()):
            for groups, (first, last), basis in zip(GROUPINGS, ranges * 2, BASES * 2, strict=False):
                if first is None and {"day", "week"} & set(groups):
                    groups = ["project"]
                roll, raw = _both(conn, scope, groups, zone, now, first, last, basis)
                assert roll[:4] == raw[:4], (groups, first, last)
                assert roll[4] == raw[4], (groups, basis, roll[4], raw[4])
    # 4. and the API answers from it (the rows of the year report with amounts)
    r = team.manager.get(
        "/totals",
        params={"from": "2026-04-01", "to": "2026-11-30", "group_by": "project,user",
                "include": "amounts", "user_id": user.id},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["tz"] == ZONE
    seconds = {(row["project_id"], row["user_id"]): row["seconds"] for row in r.json()["rows"]}
    with api.state.db.read() as conn:
        rows, total, _, _ = svc.totals(
            conn, svc.actor_scope_all(user_id=user.id), ["project", "user"], zone, now,
            date(2026, 4, 1), date(2026, 11, 30), use_rollup=False,
        )  # fmt: skip
    assert seconds == {(row["project_id"], row["user_id"]): row["seconds"] for row in rows}
    assert r.json()["total_seconds"] == total


def test_triggers_equal_a_rebuild_and_a_zone_change_rebuilds(api, team, priced):
    t = priced[0]
    # across the DST end in Adelaide (the 25-hour 2026-04-05) and across midnight
    a = tracked(team.member, t, "2026-04-04T13:00:00Z", "2026-04-05T16:00:00Z")
    tracked(team.other_member, priced[2], "2026-04-06T10:00:00Z", "2026-04-06T11:00:00Z")
    team.member.push(iv(t, "2026-04-04T13:00:00Z", "2026-04-05T17:00:00Z", id=a, revision=2,
                        base=1))  # fmt: skip
    with api.state.db.engine.begin() as conn:
        before = [_table(conn, name) for name in TABLES]
        rollup.rebuild(conn, ZONE)
        after = [_table(conn, name) for name in TABLES]
    assert [_nonzero(rows) for rows in before] == after
    # 28 h from 23:30 (+10:30) on the 4th: 0:30 there, 25 h on the 5th, 2:30 (+09:30) on the
    # 6th, and the other member's hour
    body = team.manager.get("/totals", params={"group_by": "day"}).json()
    assert body["tz"] == ZONE
    assert {r["day"]: r["seconds"] for r in body["rows"]} == {
        "2026-04-04": 1800, "2026-04-05": 25 * 3600, "2026-04-06": 9000 + 3600,
    }  # fmt: skip
    # the workspace moves to another zone: the roll-up follows, and answers for it
    assert team.admin.patch("/workspace", {"timezone": "Asia/Kathmandu"}).status_code == 200
    with api.state.db.read() as conn:
        state = conn.execute(text("SELECT zone FROM rollup_state")).scalar()
        kathmandu = load_tz("Asia/Kathmandu")
        now = api.state.now()
        scope = svc.actor_scope_all()
        first, last = date(2026, 4, 1), date(2026, 4, 30)
        roll, raw = _both(conn, scope, ["task", "day"], kathmandu, now, first, last)
        # another zone than the roll-up's is answered from the raw intervals
        assert svc.rollup_days(conn, scope, load_tz(ZONE), now, first, last) is None
    assert state == "Asia/Kathmandu"
    assert roll == raw and roll[1] == 29 * 3600


def test_the_batch_push_adds_its_rows_itself_and_other_writers_keep_the_triggers(api, team, priced):
    """The push pauses the insert trigger and upserts its rows' sums (rollup.add_new): the four
    tables equal a rebuild after priced pushes in two currencies across DST and midnight, the
    pause never outlives the push (not after a refused batch either), and a row written by
    another writer (a plain INSERT) still reaches the roll-up through the trigger."""
    t, u, jpy = priced
    member = api.user("member")
    for pid in (team.project["id"], team.other_project["id"]):
        api.member(team.manager, pid, member)
    # 60 intervals of 50 min every 4 h from 2026-04-03: across the 25-hour day and midnights
    items = [
        iv((t, u, jpy)[k % 3], _iso(BASE + k * 14400), _iso(BASE + k * 14400 + 3000))
        for k in range(60)
    ]
    assert len(member.push(*items)["accepted"]) == 60
    # an overlapping item is refused: nothing half-added
    r = member.push(iv(t, _iso(BASE + 100), _iso(BASE + 200)))
    assert r["accepted"] == [] and r["rejected"][0]["code"] == "overlap"
    with api.state.db.engine.begin() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM rollup_pause")).scalar() == 0
        # another writer: a row inserted straight into the table, the trigger adds it
        conn.execute(
            text(
                "INSERT INTO intervals (id, user_id, task_id, started_at, ended_at, tz, note, "
                "source, revision, deleted, seq, created_at, updated_at, billable, "
                "bill_rate_origin, estimated_amount_minor, bill_currency) VALUES ('x-direct', "
                ":u, :t, :s, :e, 'UTC', '', 'manual', 1, false, 0, 0, 0, true, 'project', 777, "
                "'EUR')"
            ),
            {"u": team.other_member.id, "t": t, "s": BASE - 86400, "e": BASE - 86400 + 7200},
        )
        before = [_table(conn, name) for name in TABLES]
        rollup.rebuild(conn, ZONE)
        after = [_table(conn, name) for name in TABLES]
    assert [_nonzero(rows) for rows in before] == after
    seconds = {r[1]: 0 for r in after[0]}
    for row in after[0]:
        seconds[row[1]] += row[3]
    assert seconds == {member.id: 60 * 3000, team.other_member.id: 7200}
    money: dict[tuple, tuple[int, int]] = {}  # month_amounts per user and currency: est, est_n
    for r in after[3]:
        e, n = money.get((r[1], r[3]), (0, 0))
        money[(r[1], r[3])] = (e + r[4], n + r[5])
    assert money[(team.other_member.id, "EUR")] == (777, 1)
    assert money[(member.id, "JPY")][1] == 20 and money[(member.id, "EUR")][1] == 40


def test_the_push_cuts_days_on_the_stored_calendar_as_the_trigger_does(api, team, priced):
    """A calendar that differs from what today's zone data would make (as after a tzdata
    update since the rebuild): the push and a plain INSERT still split time alike, on the
    stored calendar."""
    t = priced[0]
    member = api.user("member")
    api.member(team.manager, team.project["id"], member)
    start, end = BASE + 86400 * 5, BASE + 86400 * 6 + 3600  # across a midnight or two
    with api.state.db.engine.begin() as conn:
        # every local midnight of that stretch moved an hour later
        conn.execute(
            text("UPDATE rollup_calendar SET hi = hi + 3600 WHERE lo >= :a AND lo < :b"),
            {"a": start - 3 * 86400, "b": end + 3 * 86400},
        )
        conn.execute(
            text("UPDATE rollup_calendar SET lo = lo + 3600 WHERE lo > :a AND lo < :b"),
            {"a": start - 3 * 86400, "b": end + 3 * 86400},
        )
    assert len(member.push(iv(t, _iso(start), _iso(end)))["accepted"]) == 1
    with api.state.db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO intervals (id, user_id, task_id, started_at, ended_at, tz, note, "
                "source, revision, deleted, seq, created_at, updated_at) VALUES ('x-cal', :u, "
                ":t, :s, :e, 'UTC', '', 'manual', 1, false, 0, 0, 0)"
            ),
            {"u": team.other_member.id, "t": t, "s": start, "e": end},
        )
        days = {}
        for uid in (member.id, team.other_member.id):
            days[uid] = conn.execute(
                text("SELECT day, seconds FROM day_totals WHERE user_id = :u ORDER BY day"),
                {"u": uid},
            ).all()
    assert days[member.id] == days[team.other_member.id]
    assert sum(s for _, s in days[member.id]) == end - start and len(days[member.id]) >= 2


def test_invoices_lock_and_release_the_rollup_money(api, team, priced):
    t = priced[0]
    for day in (6, 7):
        tracked(team.member, t, f"2026-04-0{day}T00:00:00Z", f"2026-04-0{day}T01:30:00Z")
    r = team.manager.post(
        "/invoices", {"client_id": _client(api, team), "from": "2026-04-01", "to": "2026-04-30"}
    )
    assert r.status_code == 201, r.text
    inv = r.json()["id"]
    zone, now = load_tz(ZONE), api.state.now()
    scope = svc.actor_scope_all()
    span = (date(2026, 4, 1), date(2026, 4, 30))

    def check() -> dict:
        with api.state.db.read() as conn:
            for basis in BASES:
                roll, raw = _both(conn, scope, ["project", "day"], zone, now, *span, basis)
                assert roll == raw, basis
            return roll[4]

    check()
    assert team.manager.post(f"/invoices/{inv}/finalize").status_code == 200
    final = check()
    assert sum(v for sums in final.values() for v in sums.values()) == 30000  # 3 h at 100 EUR
    assert team.admin.post(f"/invoices/{inv}/void", {"reason": "test"}).status_code == 200
    check()


def _client(api, team) -> str:
    """A EUR client owning the EUR project (invoices are per client)."""
    r = team.manager.post("/clients", {"name": "Acme", "currency": "EUR", "country": "DE"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = team.manager.patch(f"/projects/{team.project['id']}", {"client_id": cid})
    assert r.status_code == 200, r.text
    return cid


def test_whole_months_come_from_the_month_tables():
    n = rollup.day_number
    sql, params = svc.rollup_source(
        "totals", "seconds", (n(date(2026, 3, 15)), n(date(2026, 5, 31)))
    )
    assert "month_totals" in sql
    assert (params["m1"], params["m2"]) == (2026 * 12 + 3, 2026 * 12 + 4)  # April and May
    assert (params["d1"], params["e1"]) == (n(date(2026, 3, 15)), n(date(2026, 4, 1)))
    assert (params["e2"], params["d2"]) == (n(date(2026, 6, 1)), n(date(2026, 5, 31)))
    sql, params = svc.rollup_source(
        "totals", "seconds", (n(date(2026, 3, 2)), n(date(2026, 3, 30)))
    )
    assert "month_totals" not in sql and (params["d1"], params["d2"]) == (
        n(date(2026, 3, 2)), n(date(2026, 3, 30)))  # fmt: skip


def test_days_are_numbered_from_1970():
    assert rollup.day_number(date(1970, 1, 1)) == 0
    assert rollup.day_date(rollup.day_number(date(2026, 4, 5))) == date(2026, 4, 5)
    # the week of a day number is the ISO week (Monday-based), as /totals groups it
    d = date(2026, 4, 5)  # a Sunday
    n = rollup.day_number(d)
    assert rollup.day_date((n + 3) // 7 * 7 - 3) == d - timedelta(days=6)
