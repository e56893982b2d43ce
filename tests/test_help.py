"""`--help` of every command, as a user types it: its own process, no display, exit 0, text on
stdout, no traceback. The commands are found by walking the parsers, so a new one is covered."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest

from server_stub.cli import build_parser as server_parser
from tracker.cli import build_parser as tracker_parser


def _paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _paths(sub, (*prefix, name))


def _commands() -> list[tuple[str, ...]]:
    tracker = [("tracker", *p) for p in _paths(tracker_parser())]
    server = [("tracker-server", *p) for p in _paths(server_parser())]
    return tracker + server


COMMANDS = _commands()


def test_the_walk_finds_nested_commands():
    assert ("tracker", "project", "add") in COMMANDS
    assert ("tracker", "screenshots", "delete") in COMMANDS
    assert ("tracker-server", "serve") in COMMANDS
    assert len(COMMANDS) > 30


def test_help_of_every_command(tmp_path):
    # What the console scripts run (pyproject's [project.scripts]): `python -m tracker` is the
    # same as `tracker`; `tracker-server` is server_stub.cli:main imported as a module.
    launch = {
        "tracker": [sys.executable, "-m", "tracker"],
        "tracker-server": [sys.executable, "-c",
                           "import sys; from server_stub.cli import main; sys.exit(main())"],
    }  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["TRACKER_DATA_DIR"] = str(tmp_path / "data")
    env["TRACKER_SERVER_DATA_DIR"] = str(tmp_path / "server")
    env["TRACKER_LOG_DIR"] = str(tmp_path / "logs")
    env.pop("QT_QPA_PLATFORM", None)
    # A few at a time: the processes overlap, the machine is not flooded.
    pending = list(COMMANDS)
    failures: list[str] = []
    while pending:
        batch, pending = pending[:6], pending[6:]
        procs = [
            (cmd, subprocess.Popen(
                [*launch[cmd[0]], *cmd[1:], "--help"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            ))
            for cmd in batch
        ]  # fmt: skip
        for cmd, p in procs:
            out, err = p.communicate(timeout=60)
            words = " ".join(cmd)
            if p.returncode != 0 or "Traceback" in err or "error" in err:
                failures.append(f"{words} --help -> {p.returncode}: {err.strip()}")
            elif not out.startswith("usage: ") or cmd[-1] not in out:
                failures.append(f"{words} --help printed no usage: {out[:200]!r}")
            elif len(out.splitlines()) < 3:
                failures.append(f"{words} --help printed too little: {out!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("argv", [["--help"], ["activity", "--help"]])
def test_help_in_process_prints_percent_signs(argv, capsys):
    from tracker.cli import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "active seconds, %, event counts" in out
    assert "%%" not in out
