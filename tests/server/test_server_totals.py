"""``GET /totals`` and ``GET /projects/{id}/totals``: the desktop's day rule, to the second."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from srvutil import iv

from tracker import totals as desktop
from tracker.model import Interval, Source


def _rows(user, **params):
    r = user.get("/totals", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert sum(row["seconds"] for row in body["rows"]) == body["total_seconds"]
    return body


def test_midnight_split_counts_both_days(api, team):
    t = team.task["id"]
    team.member.push(
        iv(t, "2026-11-24T23:30:00+01:00", "2026-11-25T00:30:00+01:00", tz="Europe/Berlin")
    )
    body = _rows(team.member, group_by="day", tz="Europe/Berlin")
    assert body["rows"] == [
        {"day": "2026-11-24", "seconds": 1800},
        {"day": "2026-11-25", "seconds": 1800},
    ]
    utc = _rows(team.member, group_by="day", tz="UTC")
    assert utc["rows"] == [{"day": "2026-11-24", "seconds": 3600}]


def test_dst_days_are_23_and_25_hours(api, team):
    t = team.task["id"]
    # Europe/Berlin: 2026-03-29 has 23 hours, 2026-10-25 has 25.
    team.member.push(
        iv(t, "2026-03-28T12:00:00+01:00", "2026-03-30T00:00:00+02:00"),
        iv(t, "2026-10-24T12:00:00+02:00", "2026-10-26T00:00:00+01:00"),
    )
    body = _rows(team.member, group_by="day", tz="Europe/Berlin")
    by_day = {r["day"]: r["seconds"] for r in body["rows"]}
    assert by_day["2026-03-29"] == 23 * 3600
    assert by_day["2026-10-25"] == 25 * 3600
    assert by_day["2026-03-28"] == 12 * 3600 and by_day["2026-10-24"] == 12 * 3600


def test_range_clips_and_weeks_are_iso(api, team):
    t = team.task["id"]
    team.member.push(iv(t, "2026-12-31T22:00:00Z", "2027-01-01T02:00:00Z"))
    body = _rows(
        team.member, group_by="week,day", tz="UTC", **{"from": "2027-01-01", "to": "2027-01-31"}
    )
    assert body["rows"] == [{"day": "2027-01-01", "week": "2026-W53", "seconds": 7200}]
    weeks = _rows(team.member, group_by="week", tz="UTC")
    assert weeks["rows"] == [{"week": "2026-W53", "seconds": 4 * 3600}]


def test_group_by_everything_and_running_interval(api, team, server_clock):
    t, u = team.task["id"], team.other_task["id"]
    team.member.push(
        iv(t, "2026-11-25T08:00:00Z", "2026-11-25T09:00:00Z"), iv(t, "2026-11-25T11:00:00Z", None)
    )
    team.other_member.push(iv(u, "2026-11-25T08:00:00Z", "2026-11-25T08:20:00Z"))
    # the clock says 12:00: the running one counts an hour
    body = _rows(team.manager, group_by="project,task,user,day,week", tz="UTC")
    assert body["total_seconds"] == 2 * 3600 + 1200
    assert {(r["project_id"], r["user_id"], r["seconds"]) for r in body["rows"]} == {
        (team.project["id"], team.member.id, 7200),
        (team.other_project["id"], team.other_member.id, 1200),
    }
    mine = _rows(team.member, group_by="project")
    assert mine["rows"] == [{"project_id": team.project["id"], "seconds": 7200}]
    roll = team.member.get(f"/projects/{team.project['id']}/totals", params={"tz": "UTC"})
    assert roll.status_code == 200
    assert roll.json() | {"project_id": None} == {
        "project_id": None,
        "tz": "UTC",
        "today": 7200,
        "this_week": 7200,
        "this_month": 7200,
        "all_time": 7200,
        "uninvoiced": [],  # nothing priced
        "budget": None,
    }


def test_totals_scoping_and_errors(api, team):
    team.member.push(iv(team.task["id"], "2026-11-25T08:00:00Z", "2026-11-25T09:00:00Z"))
    team.other_member.push(
        iv(team.other_task["id"], "2026-11-25T08:00:00Z", "2026-11-25T08:30:00Z")
    )
    assert _rows(team.viewer)["total_seconds"] == 3600  # only the viewed project
    assert team.viewer.get("/totals", params={"group_by": "user"}).status_code == 403
    assert _rows(team.other_member)["total_seconds"] == 1800
    assert _rows(team.admin, project_id=team.project["id"])["total_seconds"] == 3600
    hidden = team.other_member.get("/totals", params={"project_id": team.project["id"]})
    assert hidden.status_code == 404
    for params, code in (
        ({"group_by": "month"}, "invalid_group_by"),
        ({"tz": "Nowhere/Land"}, "invalid_tz"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "invalid_range"),
        ({"from": "0001-01-01"}, "invalid_date"),
        ({"from": "1971-01-01", "to": "2200-12-31", "group_by": "day"}, "range_too_long"),
    ):
        r = team.admin.get("/totals", params=params)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["code"] == code


# -- the desktop's totals and the server's agree to the second ----------------------------------

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Havana", "UTC"]
BASE = int(datetime(2026, 3, 20, tzinfo=UTC).timestamp())


@st.composite
def _timeline(draw):
    """Non-overlapping intervals around DST changes (March and late October/November)."""
    n = draw(st.integers(1, 12))
    cursor = BASE + draw(st.sampled_from([0, 220 * 86400]))
    out = []
    for _ in range(n):
        cursor += draw(st.integers(0, 30 * 3600))
        length = draw(st.integers(1, 60 * 3600))
        out.append((cursor, cursor + length, draw(st.integers(0, 1))))
        cursor += length
    return out


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    spans=_timeline(),
    zone=st.sampled_from(ZONES),
    by=st.sampled_from(["day", "week"]),
    clip=st.booleans(),
)
def test_server_totals_equal_desktop_totals(api, spans, zone, by, clip):
    from srvutil import reset_database

    reset_database(api.state.db.engine)
    member, manager = api.user("member"), api.user("manager")
    p = api.project(manager, "P")
    tasks = [str(uuid.uuid4()), str(uuid.uuid4())]
    for tid in tasks:
        api.task(manager, p["id"], f"T{tid[:4]}", id=tid)
    api.member(manager, p["id"], member)
    tz = ZoneInfo(zone)
    items = [
        iv(
            tasks[k],
            datetime.fromtimestamp(s, UTC).isoformat(),
            datetime.fromtimestamp(e, UTC).isoformat(),
            tz=zone,
        )
        for s, e, k in spans
    ]
    out = member.push(*items)
    assert len(out["accepted"]) == len(items), out
    entries = [
        Interval(
            id=i["id"],
            task_id=i["task_id"],
            started_at=datetime.fromtimestamp(s, UTC),
            ended_at=datetime.fromtimestamp(e, UTC),
            source=Source.TIMER,
        )
        for i, (s, e, _) in zip(items, spans, strict=True)
    ]
    first = last = None
    params = {"group_by": by, "tz": zone}
    if clip:
        first = desktop.local_date(spans[0][0], tz) + timedelta(days=1)
        last = first + timedelta(days=9)
        params |= {"from": first.isoformat(), "to": last.isoformat()}
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    want = desktop.totals(entries, by, tz, now, first, last)
    got = _rows(member, **params)
    assert [(r[by], r["seconds"]) for r in got["rows"]] == [(w.key, w.seconds) for w in want]
    assert got["total_seconds"] == desktop.total_seconds(entries, tz, now, first, last)
    by_task = _rows(member, **{**params, "group_by": "task"})
    assert by_task["total_seconds"] == got["total_seconds"]
