"""The desktop app under pytest-qt, offscreen, with the executor inline (no threads, no sleeps).

The service, store and clock fixtures come from tests/conftest.py: a store on a temp file, a
FixedClock at 2026-11-25 12:00 UTC (13:00 in Berlin), and the service in Europe/Berlin.
"""

from __future__ import annotations

import pytest
from uiutil import BERLIN, local

from tracker.app import TrackerApp, build
from tracker.ui.executor import InlineExecutor
from tracker.ui.ports import NullAutostart


@pytest.fixture
def seeded(svc):
    """Two projects, three tasks, and one finished entry (Homepage 09:00–09:45)."""
    svc.add_project("Globex site")
    svc.add_project("Internal")
    home = svc.add_task("Globex site", "Homepage")
    checkout = svc.add_task("Globex site", "Checkout")
    admin = svc.add_task("Internal", "Admin")
    svc.add(home.id, start=local("09:00"), end=local("09:45"))
    return {"home": home, "checkout": checkout, "admin": admin}


class Harness:
    def __init__(self, svc, qtbot) -> None:
        self.svc = svc
        self.qtbot = qtbot
        self.quits = 0
        self.errors: list[str] = []
        self.opened: list = []  # dialogs the window opened, newest last

    def make(self, tray: bool = True, start: bool = True, sync=None) -> TrackerApp:
        def quit_app() -> None:
            self.quits += 1

        app = build(InlineExecutor(self.svc), self.svc.clock, BERLIN, tray_available=tray,
                    sync=sync, autostart=NullAutostart(), quit_app=quit_app)  # fmt: skip

        def open_dialog(d) -> None:  # never block in exec()
            self.opened.append(d)
            d.show()

        app.window.open_dialog = open_dialog
        app.controller.failed.connect(self.errors.append)
        self.qtbot.addWidget(app.window)
        self.app = app
        if start:
            app.start()
            app.controller.stop_background()  # tests drive beats and polls by hand
        return app


@pytest.fixture
def harness(svc, qtbot):
    h = Harness(svc, qtbot)
    yield h
    app = getattr(h, "app", None)
    if app is not None:
        app.controller.stop_background()
        if app.tray is not None:
            app.tray.hide()
        for d in [*app.dialogs, *h.opened]:
            d.close()
            d.deleteLater()


@pytest.fixture
def ui(harness, seeded) -> TrackerApp:
    return harness.make()
