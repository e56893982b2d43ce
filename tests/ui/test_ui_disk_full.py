"""The app on a disk that fills up, and with a data dir that turns read-only: a clear line in the
window, nothing saved is lost, the timer keeps running, and work resumes once there is room (or
write access) again. Real filesystems: a 2 MiB tmpfs filled to the last byte, and a loop-mounted
ext4 image whose data dir is made immutable (``chattr +i``: read-only even for root). Root
only; in CI a missing mount fails the run."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta

import pytest
from uiutil import local

from tracker.store import open_store

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
                       capture_output=True, text=True)  # fmt: skip
    if r.returncode != 0:
        message = f"cannot mount a small tmpfs (needs root): {r.stderr.strip()}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.fixture
def store(request):
    """The store (and so the app's data) on the small tmpfs, or (``"ext4"``) a loop-mounted
    ext4 image."""
    disk = request.getfixturevalue("ext4_disk" if getattr(request, "param", "") == "ext4"
                                   else "small_disk")  # fmt: skip
    s = open_store(disk / "data")
    yield s
    s.close()


def _fill(disk) -> list:
    """Files filling the disk to the last byte."""
    files, n = [], 0
    while True:
        path = disk / f"filler-{n}"
        try:
            with open(path, "wb") as fh:
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
        except OSError:
            files.append(path)
            if path.stat().st_size == 0:
                return files
            n += 1


def test_a_full_disk_says_so_loses_nothing_and_work_resumes(harness, svc, seeded, small_disk):
    app = harness.make()
    home = seeded["home"]
    app.controller.start(home.id)
    running = svc.running()
    assert running is not None
    saved = {e.id for e in svc.log()}
    fillers = _fill(small_disk)
    added, failures = [], []
    note = "x" * 1000
    for i in range(400):  # until the database needs a page the disk cannot give
        start = local("00:00", day="2026-11-24") + timedelta(minutes=i)
        app.controller.add_entry(home.id, start, start + timedelta(seconds=30), note,
                                 on_error=failures.append, on_done=added.append)  # fmt: skip
        if failures:
            break
    assert failures, "the disk never filled up"
    # the app's own path: the error goes to the window's status line
    start = local("12:00", day="2026-11-24")
    app.controller.add_entry(home.id, start, start + timedelta(seconds=30), note)
    assert harness.errors, "the failure did not reach the window"
    line = harness.errors[-1]
    assert line.startswith("The disk holding ") and "is full: free some space" in line
    assert "nothing saved is lost" in line
    assert app.window.statusBar().currentMessage() == line
    # nothing saved is lost, nothing half-written, the timer still runs
    in_db = {e.id for e in svc.log()}
    assert saved | {e.id for e in added} <= in_db
    assert len(in_db) == len(saved) + len(added)  # the failed adds left no row
    assert svc.running().id == running.id

    for f in fillers:
        f.unlink()
    start = local("18:00", day="2026-11-24")
    app.controller.add_entry(home.id, start, start + timedelta(minutes=5), "after",
                             on_error=failures.append, on_done=added.append)  # fmt: skip
    assert added[-1].note == "after"
    app.controller.heartbeat()
    assert svc.running().id == running.id
    assert len(failures) == 1 and harness.errors == [line]


@pytest.fixture
def ext4_disk(tmp_path):
    """A real ext4 filesystem (an 8 MiB image, loop-mounted), where ``chattr +i`` makes files
    and folders read-only even for root."""
    image, mnt = tmp_path / "disk.img", tmp_path / "ext4"
    mnt.mkdir()
    subprocess.run(["truncate", "-s", "8M", str(image)], check=True)
    made = subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], capture_output=True, text=True)
    r = subprocess.run(["mount", "-o", "loop", str(image), str(mnt)], capture_output=True,
                       text=True) if made.returncode == 0 else made  # fmt: skip
    if r.returncode != 0:
        message = f"cannot loop-mount an ext4 image (needs root): {r.stderr.strip()}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    yield mnt
    subprocess.run(["chattr", "-R", "-i", str(mnt)], check=False, capture_output=True)
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def _immutable(on: bool, data) -> None:
    paths = [data, *data.iterdir()]
    subprocess.run(["chattr", "+i" if on else "-i", *map(str, paths)], check=True)


@pytest.mark.parametrize("store", ["ext4"], indirect=True)
def test_a_read_only_data_dir_says_so_and_work_resumes(harness, svc, seeded, store):
    data = store.path.parent
    app = harness.make()
    home = seeded["home"]
    app.controller.start(home.id)
    running = svc.running()
    saved = {e.id for e in svc.log()}
    _immutable(True, data)
    try:
        start = local("08:00", day="2026-11-24")
        app.controller.add_entry(home.id, start, start + timedelta(minutes=5), "blocked")
        app.controller.heartbeat()
    finally:
        _immutable(False, data)
    assert harness.errors, "the read-only data dir went unnoticed"
    line = harness.errors[0]
    assert line.startswith("The database ") and "is read-only" in line, line
    assert "nothing saved is lost" in line
    assert app.window.statusBar().currentMessage() == harness.errors[-1]
    assert {e.id for e in svc.log()} == saved  # nothing lost, nothing half-written
    assert svc.running().id == running.id
    added = []
    app.controller.add_entry(home.id, start, start + timedelta(minutes=5), "after",
                             on_done=added.append)  # fmt: skip
    assert [e.note for e in added] == ["after"] and svc.running().id == running.id
