"""The desktop app's background sync loop: ``trigger`` returns at once, a sync happens on the
loop's thread, and a failing sync (of any kind) never kills the loop."""

from __future__ import annotations

import threading
import time
from zoneinfo import ZoneInfo

from tracker.sync.engine import SyncReport
from tracker.sync.errors import AuthRequired, Unreachable
from tracker.sync.loop import LoopResult, SyncLoop


def _wait(cond, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_trigger_returns_at_once_and_a_sync_happens():
    release = threading.Event()
    callers: list[str] = []
    results: list[LoopResult] = []

    def run_once() -> SyncReport:
        callers.append(threading.current_thread().name)
        release.wait(5)  # a slow network: the caller must not wait for it
        return SyncReport(sent=3)

    loop = SyncLoop(run_once, interval_seconds=3600, on_result=results.append)
    loop.start()
    try:
        t = time.perf_counter()
        loop.trigger()
        # A trigger that waited for the sync would block for the 5 s of the slow network above;
        # a second leaves room for a loaded machine's scheduling.
        assert time.perf_counter() - t < 1.0
        _wait(lambda: callers)
        assert callers == ["tracker-sync"]  # on the loop's own thread
        assert not results
        release.set()
        _wait(lambda: results)
        assert results[0].ok and results[0].report.sent == 3
        assert loop.runs == 1
    finally:
        loop.stop()
    assert not loop.running


def test_errors_do_not_kill_the_loop():
    outcomes = iter([Unreachable("cannot reach the server"), RuntimeError("boom"),
                     AuthRequired("sign in again"), None])  # fmt: skip
    results: list[LoopResult] = []

    def run_once() -> SyncReport:
        exc = next(outcomes)
        if exc is not None:
            raise exc
        return SyncReport(accepted=1)

    def on_result(r: LoopResult) -> None:
        results.append(r)
        if len(results) == 2:
            raise ValueError("a broken callback is survived too")

    loop = SyncLoop(run_once, interval_seconds=3600, on_result=on_result)
    loop.start()
    try:
        for n in range(1, 5):
            loop.trigger()
            _wait(lambda n=n: len(results) >= n)
            assert loop.running
    finally:
        loop.stop()
    assert [r.ok for r in results] == [False, False, False, True]
    assert "cannot reach" in results[0].error
    assert results[1].error == "RuntimeError: boom"
    assert results[2].needs_sign_in and not results[0].needs_sign_in
    assert results[3].report.accepted == 1


def test_ticks_without_trigger_and_stop_is_prompt():
    runs: list[float] = []
    loop = SyncLoop(lambda: runs.append(time.monotonic()) or SyncReport(), interval_seconds=0)
    loop.start()  # the interval is at least one second
    try:
        _wait(lambda: len(runs) >= 1, timeout=10)
    finally:
        t = time.perf_counter()
        loop.stop()
        assert time.perf_counter() - t < 1.0
    assert not loop.running


def test_start_and_stop_from_two_threads_never_race(monkeypatch):
    """The app starts the loop on its database worker and stops it on the GUI thread; a stop
    landing while the start is under way once raised "cannot join thread before it is
    started" at quit. Thread start is slowed down here, so the stop lands right in it."""
    real_start = threading.Thread.start

    def slow_start(self):
        if self.name == "tracker-sync":
            time.sleep(0.005)
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", slow_start)
    errors: list[BaseException] = []
    for _ in range(20):
        loop = SyncLoop(lambda: SyncReport(), interval_seconds=3600)
        go = threading.Barrier(2)

        def side(fn, go=go):
            go.wait()
            if fn.__name__ != "start":
                time.sleep(0.002)  # the stop comes while the start is under way
            try:
                fn()
            except BaseException as exc:
                errors.append(exc)

        a = threading.Thread(target=side, args=(loop.start,))
        b = threading.Thread(target=side, args=(lambda loop=loop: loop.stop(timeout=5),))
        a.start()
        b.start()
        a.join()
        b.join()
        loop.stop(timeout=5)
        assert not loop.running  # stopped for good, whichever side came first
    assert errors == []


def test_a_closed_app_sync_never_starts_a_loop(tmp_path, qapp):
    from tracker.ui.executor import Bridge
    from tracker.ui.sync import EngineSync

    runs: list[int] = []
    sync = EngineSync(tmp_path, ZoneInfo("UTC"), Bridge(), 3600,
                      run_once=lambda: runs.append(1) or SyncReport())  # fmt: skip
    sync.close()  # quit came first
    sync.start(lambda _message: None)  # the start still queued on the worker
    time.sleep(0.2)
    assert sync._loop is None and runs == []
