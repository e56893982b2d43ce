"""A slot or screenshot follows its entry when the desktop splits, edits or deletes it: the same
slot id moves to another interval, ``deleted: true`` removes a slot, and ``PATCH
/screenshots/{id}`` re-links an uploaded shot (both databases)."""

from __future__ import annotations

import uuid

import pytest
from srvutil import slot as make_slot
from test_capture_endpoints import _interval, _png, _upload


def _activity(user) -> dict[str, dict]:
    return {i["id"]: i for i in user.get("/activity").json()["items"]}


def test_a_slot_moves_to_another_interval_and_is_deleted_by_id(api, team):
    first = _interval(team.member, team.task["id"], end="2026-11-25T09:15:00+00:00")
    second = _interval(team.member, team.task["id"], "2026-11-25T09:15:00+00:00",
                       "2026-11-25T10:00:00+00:00")  # fmt: skip
    slot = make_slot(first)
    assert team.member.post("/activity/batch", {"slots": [slot]}).json()["accepted"]
    # The desktop split the entry at 09:15: the slot shrinks on the first, a new one on the second.
    head = {**slot, "slot_seconds": 300, "active_seconds": 210}
    tail = {**make_slot(second), "slot_seconds": 300, "active_seconds": 210}
    r = team.member.post("/activity/batch", {"slots": [head, tail]})
    assert r.json() == {"accepted": [slot["id"], tail["id"]], "rejected": []}
    acts = _activity(team.member)
    assert acts[slot["id"]]["interval_id"] == first and acts[slot["id"]]["slot_seconds"] == 300
    assert acts[tail["id"]]["interval_id"] == second
    # Moving it whole to the other interval is the same upsert.
    moved = {**head, "interval_id": second, "slot_start": "2026-11-25T09:20:00Z"}
    assert team.member.post("/activity/batch", {"slots": [moved]}).json()["accepted"]
    assert _activity(team.member)[slot["id"]]["interval_id"] == second
    # A delete removes it; again (a replay) or for an id never seen is accepted.
    gone = {**moved, "deleted": True}
    never = {**make_slot(first), "deleted": True}
    for _ in range(2):
        r = team.member.post("/activity/batch", {"slots": [gone, never]})
        assert r.json() == {"accepted": [gone["id"], never["id"]], "rejected": []}
    assert set(_activity(team.member)) == {tail["id"]}
    # Someone else's slot cannot be deleted through its id.
    r = team.other_member.post("/activity/batch", {"slots": [{**tail, "deleted": True}]})
    assert r.json()["rejected"][0]["code"] == "id_conflict"
    assert set(_activity(team.member)) == {tail["id"]}


def test_a_slot_of_a_deleted_interval_can_still_be_deleted(api, team):
    iid = _interval(team.member, team.task["id"])
    slot = make_slot(iid)
    assert team.member.post("/activity/batch", {"slots": [slot]}).json()["accepted"]
    team.member.push({"id": iid, "task_id": team.task["id"], "started_at": "2026-11-25T09:00:00Z",
                      "ended_at": "2026-11-25T10:00:00Z", "revision": 2, "base_revision": 1,
                      "deleted": True})  # fmt: skip
    r = team.member.post("/activity/batch", {"slots": [{**slot, "deleted": True}]})
    assert r.json() == {"accepted": [slot["id"]], "rejected": []}
    r = team.member.post("/activity/batch", {"slots": [slot]})  # live again: its entry is gone
    assert r.json()["rejected"][0]["code"] == "interval_not_found"


@pytest.fixture
def shots_on(team):
    for p in (team.project, team.other_project):
        r = team.manager.patch(f"/projects/{p['id']}", {"screenshots": True})
        assert r.status_code == 200, r.text
    return team


def test_patch_moves_an_uploaded_screenshot(api, shots_on):
    team = shots_on
    first = _interval(team.member, team.task["id"], end="2026-11-25T09:10:00+00:00")
    second = _interval(team.member, team.task["id"], "2026-11-25T09:10:00+00:00",
                       "2026-11-25T10:00:00+00:00")  # fmt: skip
    sid = str(uuid.uuid4())
    assert _upload(team.member, first, _png(), sid=sid).status_code == 201
    for _ in range(2):  # idempotent
        r = team.member.patch(f"/screenshots/{sid}", {"interval_id": second})
        assert r.status_code == 200, r.text
        assert r.json()["interval_id"] == second
    listed = team.member.get("/screenshots", params={"interval_id": second}).json()["items"]
    assert [s["id"] for s in listed] == [sid]
    # Not to someone else's interval, not to an unknown one, not someone else's shot.
    theirs = _interval(team.other_member, team.other_task["id"])
    for target in (theirs, str(uuid.uuid4())):
        r = team.member.patch(f"/screenshots/{sid}", {"interval_id": target})
        assert r.status_code == 404 and r.json()["code"] == "interval_not_found"
    r = team.other_member.patch(f"/screenshots/{sid}", {"interval_id": theirs})
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    # Not into a project without screenshots.
    team.manager.patch(f"/projects/{team.project['id']}", {"screenshots": False})
    r = team.member.patch(f"/screenshots/{sid}", {"interval_id": first})
    assert r.status_code == 403 and r.json()["code"] == "screenshots_disabled"
    # A deleted shot stays deleted.
    assert team.member.delete(f"/screenshots/{sid}").status_code in (204, 404)
    team.manager.patch(f"/projects/{team.project['id']}", {"screenshots": True})
    assert team.member.delete(f"/screenshots/{sid}").status_code in (204, 404)
    r = team.member.patch(f"/screenshots/{sid}", {"interval_id": first})
    assert r.status_code == 409 and r.json()["code"] == "screenshot_deleted"
