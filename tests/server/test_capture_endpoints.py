"""Activity slots and screenshots on the server (server-spec §6.8, §6.10), on both databases."""

from __future__ import annotations

import hashlib
import io
import uuid

import pytest
from srvutil import slot, tracked

START = "2026-11-25T09:00:00+00:00"
END = "2026-11-25T10:00:00+00:00"


def _interval(user, task_id: str, start: str = START, end: str = END) -> str:
    return tracked(user, task_id, start, end)


def _png(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 16), colour).save(buf, format="PNG")
    return buf.getvalue()


def _upload(user, interval_id: str, data: bytes, *, sid: str | None = None, sha: str | None = None):
    fields = {
        "id": sid or str(uuid.uuid4()),
        "interval_id": interval_id,
        "taken_at": "2026-11-25T09:15:00Z",
        "sha256": sha or hashlib.sha256(data).hexdigest(),
        "blurred": "false",
    }
    return user.post("/screenshots", data=fields, files={"image": ("shot.png", data, "image/png")})


@pytest.fixture
def shots_on(team):
    r = team.manager.patch(f"/projects/{team.project['id']}", {"screenshots": True})
    assert r.status_code == 200, r.text
    return team


# -- activity --------------------------------------------------------------------------------


def test_activity_batch_is_idempotent_and_upserts(api, team):
    iid = _interval(team.member, team.task["id"])
    slots = [slot(iid), slot(iid, slot_start="2026-11-25T09:20:00Z", active_seconds=0)]
    for _ in range(2):
        r = team.member.post("/activity/batch", {"slots": slots})
        assert r.status_code == 200, r.text
        assert r.json() == {"accepted": [s["id"] for s in slots], "rejected": []}
    items = team.member.get("/activity").json()["items"]
    assert [i["id"] for i in items] == [s["id"] for s in slots]
    assert items[0]["activity_percent"] == 70 and items[0]["project_id"] == team.project["id"]
    assert items[0]["slot_start"] == "2026-11-25T09:10:00+00:00"
    # A later push of the same id replaces the slot (the desktop flushed more).
    r = team.member.post("/activity/batch", {"slots": [{**slots[0], "active_seconds": 600}]})
    assert r.json()["accepted"] == [slots[0]["id"]]
    items = team.member.get("/activity").json()["items"]
    assert len(items) == 2 and items[0]["active_seconds"] == 600


def test_activity_validation_codes(api, team):
    iid = _interval(team.member, team.task["id"])
    other_iid = _interval(team.other_member, team.other_task["id"])
    good = slot(iid)
    bad = {
        "slot_not_aligned": slot(iid, slot_start="2026-11-25T09:15:00Z"),
        "active_exceeds_slot": slot(iid, slot_seconds=300, active_seconds=301),
        "interval_not_found": slot(str(uuid.uuid4())),
    }
    foreign = slot(other_iid)
    r = team.member.post("/activity/batch", {"slots": [*bad.values(), good, foreign]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == [good["id"]]  # one bad slot never blocks the others
    codes = {x["id"]: x["code"] for x in body["rejected"]}
    assert codes == {
        **{s["id"]: code for code, s in bad.items()},
        foreign["id"]: "interval_not_found",  # someone else's interval
    }
    for fields in ({"slot_seconds": 601}, {"active_seconds": -1}, {"slot_seconds": 0}):
        r = team.member.post("/activity/batch", {"slots": [slot(iid, **fields)]})
        assert r.status_code == 422 and r.json()["code"] == "validation_error"
    # Viewers do not track.
    r = team.viewer.post("/activity/batch", {"slots": [slot(iid)]})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_activity_visibility_per_role(api, team):
    iid = _interval(team.member, team.task["id"])
    oid = _interval(team.other_member, team.other_task["id"])
    mine, theirs = slot(iid), slot(oid)
    assert team.member.post("/activity/batch", {"slots": [mine]}).json()["accepted"]
    assert team.other_member.post("/activity/batch", {"slots": [theirs]}).json()["accepted"]

    def ids(user, query: str = "") -> set[str]:
        r = user.get("/activity" + query)
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    assert ids(team.manager) == ids(team.admin) == {mine["id"], theirs["id"]}
    assert ids(team.member) == {mine["id"]}
    assert ids(team.manager, f"?user_id={team.member.id}") == {mine["id"]}
    assert ids(team.manager, f"?project_id={team.other_project['id']}") == {theirs["id"]}
    assert ids(team.manager, "?from=2026-11-26") == set()
    r = team.member.get(f"/activity?user_id={team.other_member.id}")
    assert r.status_code == 403
    # The viewer has show_entries but not show_activity: nothing.
    assert ids(team.viewer) == set()
    assert ids(team.viewer, f"?project_id={team.project['id']}") == set()
    api.member(
        team.manager, team.project["id"], team.viewer, kind="viewer", grants={"show_activity": True}
    )
    assert ids(team.viewer) == {mine["id"]}


# -- screenshots -----------------------------------------------------------------------------


def test_screenshot_upload_is_idempotent_and_content_addressed(api, shots_on):
    team = shots_on
    iid = _interval(team.member, team.task["id"])
    data = _png()
    sid = str(uuid.uuid4())
    r = _upload(team.member, iid, data, sid=sid)
    assert r.status_code == 201, r.text
    shot = r.json()
    sha = hashlib.sha256(data).hexdigest()
    assert shot["sha256"] == sha and (shot["width"], shot["height"]) == (32, 16)
    assert shot["media_type"] == "image/png" and shot["project_id"] == team.project["id"]
    blob = api.state.settings.data_dir / "screenshots" / sha[:2] / sha
    assert blob.read_bytes() == data
    # Same id, same bytes: 200 with the stored record.
    r = _upload(team.member, iid, data, sid=sid)
    assert r.status_code == 200 and r.json() == shot
    # Same id, other bytes: 409.
    r = _upload(team.member, iid, _png((0, 0, 0)), sid=sid)
    assert r.status_code == 409 and r.json()["code"] == "screenshot_conflict"
    # The hash must match the bytes.
    r = _upload(team.member, iid, data, sha="0" * 64)
    assert r.status_code == 422 and r.json()["code"] == "sha256_mismatch"
    r = _upload(team.member, iid, b"not an image")
    assert r.status_code == 422 and r.json()["code"] == "not_an_image"
    r = _upload(team.member, str(uuid.uuid4()), data)
    assert r.status_code == 404 and r.json()["code"] == "interval_not_found"
    listed = team.member.get("/screenshots").json()["items"]
    assert listed == [shot]
    r = team.member.get(f"/screenshots/{sid}/image")
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-type"] == "image/png"


def test_screenshot_too_large_is_413(api, shots_on):
    iid = _interval(shots_on.member, shots_on.task["id"])
    data = _png() + b"\0" * (5 * 1024 * 1024)
    r = _upload(shots_on.member, iid, data)
    assert r.status_code == 413 and r.json()["code"] == "image_too_large"


def test_screenshots_disabled_is_403(api, team):
    iid = _interval(team.member, team.task["id"])
    r = _upload(team.member, iid, _png())
    assert r.status_code == 403 and r.json()["code"] == "screenshots_disabled"
    assert team.manager.get("/screenshots").json()["items"] == []


def test_viewer_sees_screenshots_only_with_grant(api, shots_on):
    team = shots_on
    iid = _interval(team.member, team.task["id"])
    sid = _upload(team.member, iid, _png()).json()["id"]
    # show_entries only: nothing listed, 403 on the image (the project is known to them).
    assert team.viewer.get("/screenshots").json()["items"] == []
    r = team.viewer.get(f"/screenshots/{sid}/image")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    # Another member of the workspace, not on the project: it does not exist for them.
    assert team.other_member.get(f"/screenshots/{sid}/image").status_code == 404
    assert team.other_member.get("/screenshots").json()["items"] == []
    assert team.manager.get(f"/screenshots/{sid}/image").status_code == 200
    api.member(
        team.manager,
        team.project["id"],
        team.viewer,
        kind="viewer",
        grants={"show_screenshots": True},
    )
    assert [s["id"] for s in team.viewer.get("/screenshots").json()["items"]] == [sid]
    assert team.viewer.get(f"/screenshots/{sid}/image").status_code == 200
    # The grant is not enough once the project stops taking screenshots.
    team.manager.patch(f"/projects/{team.project['id']}", {"screenshots": False})
    assert team.viewer.get("/screenshots").json()["items"] == []
    assert team.viewer.get(f"/screenshots/{sid}/image").status_code == 403
    # The viewer may look but never delete.
    team.manager.patch(f"/projects/{team.project['id']}", {"screenshots": True})
    r = team.viewer.delete(f"/screenshots/{sid}")
    assert r.status_code == 403


def test_delete_screenshot(api, shots_on):
    team = shots_on
    iid = _interval(team.member, team.task["id"])
    data = _png()
    sid = _upload(team.member, iid, data).json()["id"]
    twin = _upload(team.member, iid, data).json()["id"]  # same bytes, one blob
    sha = hashlib.sha256(data).hexdigest()
    blob = api.state.settings.data_dir / "screenshots" / sha[:2] / sha
    assert team.other_member.delete(f"/screenshots/{sid}").status_code == 404
    assert team.member.delete(f"/screenshots/{sid}").status_code == 204
    assert blob.exists()  # the twin still needs it
    assert team.member.delete(f"/screenshots/{sid}").status_code == 404
    assert team.member.get(f"/screenshots/{sid}/image").status_code == 404
    assert [s["id"] for s in team.member.get("/screenshots").json()["items"]] == [twin]
    r = _upload(team.member, iid, data, sid=sid)  # a retry after delete does not resurrect it
    assert r.status_code == 409 and r.json()["code"] == "screenshot_deleted"
    assert team.manager.delete(f"/screenshots/{twin}").status_code == 204
    assert not blob.exists()
    assert team.member.get("/screenshots").json()["items"] == []
