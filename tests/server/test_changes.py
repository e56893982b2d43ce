"""``GET /changes``: the seq-ordered pull feed with tombstones."""

from __future__ import annotations

from srvutil import iv


def _pull(user, cursor=None, limit=100):
    items, pages = [], 0
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        r = user.get("/changes", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        cursor = body["next_cursor"]
        pages += 1
        if not body["has_more"]:
            return items, cursor, pages


def test_feed_orders_by_seq_and_resumes(api, team):
    items, cursor, _ = _pull(team.member)
    kinds = [(c["type"], c["id"]) for c in items]
    assert ("project", team.project["id"]) in kinds
    assert ("task", team.task["id"]) in kinds
    assert ("project", team.other_project["id"]) not in kinds  # not a member there
    assert ("task", team.other_task["id"]) not in kinds
    seqs = [c["seq"] for c in items]
    assert seqs == sorted(seqs)
    a = iv(team.task["id"], "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z")
    team.member.push(a)
    team.member.push({**a, "deleted": True, "revision": 2, "base_revision": 1})
    new, cursor2, _ = _pull(team.member, cursor)
    assert [(c["type"], c["id"], c["deleted"]) for c in new] == [("interval", a["id"], True)]
    again, _, _ = _pull(team.member, cursor2)
    assert again == []


def test_other_users_intervals_are_not_in_the_feed(api, team):
    team.member.push(iv(team.task["id"], "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z"))
    items, _, _ = _pull(team.manager)
    assert not [c for c in items if c["type"] == "interval"]


def test_access_granted_later_still_arrives(api, team):
    _, cursor, _ = _pull(team.other_member)
    # team.project and its task are older than the cursor; a membership makes them visible
    api.member(team.manager, team.project["id"], team.other_member)
    new, _, _ = _pull(team.other_member, cursor)
    got = {(c["type"], c["id"]) for c in new}
    assert ("project", team.project["id"]) in got
    assert ("task", team.task["id"]) in got
    assert ("membership", f"{team.project['id']}:{team.other_member.id}") in got


def test_small_pages_never_split_one_seq(api, team):
    for n in range(5):
        api.task(team.manager, team.project["id"], f"extra {n}")
    full, _, _ = _pull(team.other_member)
    api.member(team.manager, team.project["id"], team.other_member)  # 7 rows share one seq
    everything, _, _ = _pull(team.other_member)
    paged, _, pages = _pull(team.other_member, limit=2)
    key = lambda c: (c["type"], c["id"])  # noqa: E731
    assert sorted(map(key, paged)) == sorted(map(key, everything))
    assert len(paged) == len(everything) and pages > 1
    assert len(everything) > len(full)


def test_server_side_stop_reaches_the_other_device(api, team):
    laptop = team.member
    phone = api.login(laptop.email, "phone")
    a = iv(team.task["id"], "2026-11-25T09:00:00Z", None)
    laptop.push(a)
    _, cursor, _ = _pull(laptop)
    phone.push(iv(team.task["id"], "2026-11-25T10:00:00Z", None))
    new, _, _ = _pull(laptop, cursor)
    stopped = [c for c in new if c["id"] == a["id"]]
    assert stopped[0]["data"]["ended_at"] == "2026-11-25T10:00:00+00:00"
    assert stopped[0]["data"]["revision"] == 2
