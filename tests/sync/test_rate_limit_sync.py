"""The desktop's sync against a real rate-limited `tracker-server serve`: it meets 429, waits the
server's ``Retry-After`` and finishes with every entry pushed (contract §4b')."""

from __future__ import annotations

from datetime import UTC, datetime

from syncutil import Device, ServerProc, fill_entries, make_team, server_live, sign_in

from tracker.sync.transport import Backoff

N = 60
T0 = int(datetime(2026, 3, 2, 8, 0, tzinfo=UTC).timestamp())


def test_sync_honours_retry_after_of_the_rate_limit(tmp_path):
    srv = ServerProc(tmp_path / "server")
    srv.setup()
    srv.start()
    try:
        team = make_team(srv)
        d = Device(tmp_path, "laptop", srv.url, sign_in(srv.url, team.email, "laptop").token)
        d.engine_sync()  # the project and its tasks
        ids = fill_entries(d, [t["id"] for t in team.tasks], N, T0)
        srv.stop()
        srv.env["TRACKER_RATE_LIMIT"] = "3/s"  # the same server, now limited
        srv.start()
        pauses: list[float] = []

        def sleep(seconds: float) -> None:
            import time

            pauses.append(seconds)
            time.sleep(seconds)

        # No jitter to hide behind: without Retry-After the backoff would wait ~0.01 s.
        result = d.engine_sync(
            sleep=sleep, backoff=Backoff(base=0.01, cap=2.0, attempts=8, budget=60.0),
            engine_kw={"batch_size": 10, "page_size": 50},
        )  # fmt: skip
        assert result.pending == 0
        assert pauses and all(p == 1.0 for p in pauses), pauses  # the server's Retry-After
        live = server_live(sign_in(srv.url, team.email))  # a new token: a full bucket
        assert set(ids) <= set(live) and len(live) == N
    finally:
        srv.stop()
