"""``Tracker-Writer`` on a push and ``GET /changes?skip_writer=``: a device's own writes are not
sent back to it, while everything the server changed on its own, and every other writer's rows,
still are."""

from __future__ import annotations

from srvutil import iv


def _pull(user, cursor=None, writer=None, limit=100):
    items = []
    while True:
        params = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        if writer:
            params["skip_writer"] = writer
        r = user.get("/changes", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return items, cursor


def _push(user, *items, writer):
    r = user.post(
        "/intervals/batch", {"intervals": list(items)}, headers={"Tracker-Writer": writer}
    )
    assert r.status_code == 200, r.text
    return r.json()


def _intervals(items):
    return [(c["id"], c["data"]["revision"]) for c in items if c["type"] == "interval"]


def test_own_writes_are_left_out_and_the_cursor_moves_past_them(api, team):
    _, cursor = _pull(team.member)
    mine = [
        iv(team.task["id"], f"2026-11-20T{h:02d}:00:00Z", f"2026-11-20T{h:02d}:30:00Z")
        for h in range(8, 18)
    ]
    assert len(_push(team.member, *mine, writer="run-1")["accepted"]) == 10
    # The same run's pull leaves all ten out, in pages too, and still moves the cursor past them.
    for limit in (3, 100):
        got, after = _pull(team.member, cursor, writer="run-1", limit=limit)
        assert _intervals(got) == []
        assert after != cursor
        again, _ = _pull(team.member, after)  # without skipping: nothing left after the cursor
        assert again == []
    # Another run (say, after a crash lost the answer) is sent them like any other change.
    got, _ = _pull(team.member, cursor, writer="run-2")
    assert sorted(_intervals(got)) == sorted((m["id"], 1) for m in mine)
    got, _ = _pull(team.member, cursor)
    assert len(_intervals(got)) == 10


def test_a_timer_stopped_by_another_device_still_comes_back(api, team):
    laptop = team.member
    phone = api.login(laptop.email, "phone")
    _, cursor = _pull(laptop)
    running = iv(team.task["id"], "2026-11-25T09:00:00Z", None)
    _push(laptop, running, writer="laptop-run")
    # The phone starts a later timer: the server stops the laptop's timer on its own.
    later = iv(team.task["id"], "2026-11-25T10:00:00Z", None)
    _push(phone, later, writer="phone-run")
    got, _ = _pull(laptop, cursor, writer="laptop-run")
    by_id = {c["id"]: c["data"] for c in got if c["type"] == "interval"}
    assert set(by_id) == {running["id"], later["id"]}
    assert by_id[running["id"]]["ended_at"] == "2026-11-25T10:00:00+00:00"
    assert by_id[later["id"]]["ended_at"] is None


def test_a_row_changed_on_entry_still_comes_back(api, team):
    laptop = team.member
    phone = api.login(laptop.email, "phone")
    _, cursor = _pull(laptop)
    _push(phone, iv(team.task["id"], "2026-11-25T10:00:00Z", None), writer="phone-run")
    # An older timer arriving while a newer one runs: latest start wins, so the server stores
    # it ended (revision + 1), not as sent. Its sibling in the batch is stored as sent.
    older = iv(team.task["id"], "2026-11-25T09:00:00Z", None)
    done = iv(team.task["id"], "2026-11-25T07:00:00Z", "2026-11-25T08:00:00Z")
    answer = _push(laptop, done, older, writer="laptop-run")
    assert sorted(answer["accepted"]) == sorted([done["id"], older["id"]])
    got, _ = _pull(laptop, cursor, writer="laptop-run")
    by_id = {c["id"]: c["data"] for c in got if c["type"] == "interval"}
    assert done["id"] not in by_id
    assert by_id[older["id"]]["ended_at"] == "2026-11-25T10:00:00+00:00"
    assert by_id[older["id"]]["revision"] == 2


def test_tombstones_and_edits_from_the_run_are_left_out_but_others_are_not(api, team):
    a = iv(team.task["id"], "2026-11-21T09:00:00Z", "2026-11-21T10:00:00Z")
    _push(team.member, a, writer="one")
    _, cursor = _pull(team.member)
    _push(team.member, {**a, "deleted": True, "revision": 2, "base_revision": 1}, writer="two")
    assert _intervals(_pull(team.member, cursor, writer="two")[0]) == []
    assert _intervals(_pull(team.member, cursor, writer="one")[0]) == [(a["id"], 2)]
    assert _intervals(_pull(team.member, cursor)[0]) == [(a["id"], 2)]


def test_bad_writer_ids_are_refused_with_problem_json(api, team):
    r = team.member.get("/changes", params={"skip_writer": "no spaces allowed"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    item = iv(team.task["id"], "2026-11-22T09:00:00Z", "2026-11-22T10:00:00Z")
    r = team.member.post("/intervals/batch", {"intervals": [item]},
                         headers={"Tracker-Writer": "x" * 65})  # fmt: skip
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert _intervals(_pull(team.member)[0]) == []  # nothing was stored
