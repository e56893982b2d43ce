"""The `tracker` command. It imports nothing heavy: no Qt, requests, mss or pynput.

One module per command group, each adding its commands to the parser beside the functions that
run them: projects (`project`, `task`), settings (`config`), timer (`start`, `stop`, `status`),
entries (`add`, `log`, `edit`, `split`, `delete`, `restore`, `totals`), day, sync (`login`,
`logout`, `sync`, `copy-conflict`), export, importer (`import`), capture (`activity`,
`screenshots`).

Exit codes: 0 success; 1 a refused request (one line on stderr saying what to do); 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import TrackerError
from . import capture, day, entries, export, importer, projects, settings, sync, timer
from .base import Commands, Out, Parser, common_options

GROUPS = (
    projects,
    settings,
    timer,
    entries,
    day,
    sync,
    export,
    importer,
    capture,
)  # in `--help` order


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = Parser(prog="tracker", description="Offline-first time tracking.",
                    parents=[common])  # fmt: skip
    parser.add_argument("--version", action="version", version=f"tracker {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands = Commands(sub, common)
    for group in GROUPS:
        group.register(commands)
    return parser


def run(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    as_json = getattr(args, "json", False)
    if args.command is None:
        if _no_display():
            raise TrackerError(
                "no display: the tray app needs a graphical session (DISPLAY or "
                "WAYLAND_DISPLAY is unset); the `tracker` commands work in any terminal"
            )
        from ..app import main as app_main  # the GUI is imported only here (lazily)

        return app_main(getattr(args, "data_dir", None))

    from ..clock import SystemClock
    from ..paths import data_dir, user_zone
    from ..service import Tracker
    from ..store import open_store

    tz = user_zone()
    store = open_store(data_dir(getattr(args, "data_dir", None)))
    try:
        svc = Tracker(store, SystemClock(), tz)
        return args.run(svc, args, Out(as_json, tz)) or 0
    finally:
        store.close()


def _no_display() -> bool:
    """True on Linux/BSD when Qt would find no screen (it would abort the process)."""
    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except TrackerError as exc:
        sys.stderr.write(f"tracker: {exc.message}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("tracker: interrupted; nothing half-written was kept\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: one line, details in the log
        where = _log_crash(exc)
        sys.stderr.write(
            f"tracker: unexpected error ({type(exc).__name__}: {exc}); nothing half-written "
            f"was kept; details in {where}\n"
        )
        return 1


def _log_crash(exc: BaseException) -> str:
    import logging

    try:
        from ..logs import setup

        path = setup()
        logging.getLogger("tracker.cli").error("unexpected error", exc_info=exc)
        return str(path)
    except Exception:
        return "(no log file could be written)"
