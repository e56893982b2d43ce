"""A sync run does not pull back what it has just pushed: the push carries a per-run
``Tracker-Writer`` id and the pull asks ``/changes?skip_writer=`` for the same id. What other
devices changed, and what the server changed on its own, still arrives."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from syncutil import Device, Team, fill_entries, local_entries, server_live, sign_in

from tracker.clock import FixedClock
from tracker.service import Tracker
from tracker.sync.engine import SyncEngine
from tracker.sync.transport import HttpTransport

BERLIN = ZoneInfo("Europe/Berlin")
T0 = int(datetime(2026, 3, 2, 8, 0, tzinfo=UTC).timestamp())


class Recording(HttpTransport):
    def __init__(self, *a, **kw) -> None:
        super().__init__(*a, **kw)
        self.calls: list[tuple[str, str, dict, dict, object]] = []

    def request(self, method, path, *, params=None, headers=None, **kw):
        resp = super().request(method, path, params=params, headers=headers, **kw)
        self.calls.append((method, path, dict(params or {}), dict(headers or {}), resp.data))
        return resp


def _sync(d: Device) -> tuple:
    store = d.store()
    t = Recording(d.server_url, d.token)
    try:
        report = SyncEngine(store, t, device_name=d.name, tz=BERLIN, batch_size=250,
                            page_size=200).sync()  # fmt: skip
        return report, t.calls
    finally:
        t.close()
        store.close()


def _fill(d: Device, task_id: str, n: int, first: int = 0) -> list[str]:
    return fill_entries(d, [task_id], n, T0 + first * 3600)


def _pulled_intervals(calls) -> list[str]:
    return [
        it["id"]
        for m, path, _, _, data in calls
        if path == "/changes"
        for it in (data or {}).get("items", [])
        if it["type"] == "interval"
    ]


def test_a_run_pulls_none_of_its_own_pushes_but_everything_else(device, team: Team, server):
    a, b = device("laptop"), device("desktop")
    a.ok("sync")
    ids = _fill(a, team.tasks[0]["id"], 1000)

    report, calls = _sync(a)
    assert report.accepted == 1000 and report.pending == 0
    writers = {h.get("Tracker-Writer") for m, p, _, h, _ in calls if p == "/intervals/batch"}
    assert len(writers) == 1 and None not in writers  # 4 batches, one run id
    skips = {q.get("skip_writer") for m, p, q, _, _ in calls if p == "/changes"}
    assert skips == writers
    assert _pulled_intervals(calls) == []  # none of the 1,000 came back

    # The second device gets all of them (it wrote none), in pages.
    _, calls_b = _sync(b)
    assert sorted(_pulled_intervals(calls_b)) == sorted(ids)
    assert local_entries(b.store()) == local_entries(a.store())

    # b edits one and starts a timer; a's next run pulls exactly those, plus nothing of its own.
    s = b.store()
    try:
        svc = Tracker(s, FixedClock(datetime(2026, 11, 25, 12, tzinfo=UTC)), BERLIN)
        svc.edit(ids[3], note="from the desktop")
        running = svc.start(team.tasks[1]["id"]).new
    finally:
        s.close()
    _sync(b)
    mine = _fill(a, team.tasks[0]["id"], 1, first=1000)[0]  # one more of a's own in the same run
    report, calls = _sync(a)
    assert sorted(_pulled_intervals(calls)) == sorted([ids[3], running.id])
    assert report.accepted == 1
    live = server_live(sign_in(server.url, team.email))
    assert local_entries(a.store()) == live == local_entries(b.store()) | {mine: live[mine]}
    assert live[ids[3]][3] == "from the desktop"

    # And a no-op run asks for nothing that comes back.
    report, calls = _sync(a)
    assert report.accepted == 0 and _pulled_intervals(calls) == []
