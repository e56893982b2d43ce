"""The tray's "Open the web dashboard": admins and managers only, opening the server's pages."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QDesktopServices

DASHBOARD = "Open the web dashboard"


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    urls: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: urls.append(url.toString()))
    return urls


def _signed_in(svc, role: str | None) -> None:
    """As ``tracker login`` leaves the store (the role from the sign-in's answer)."""
    with svc.store.transaction():
        svc.store.set_setting("server.url", "https://tracker.example.com")
        if role:
            svc.store.set_setting("server.role", role)


def _menu(app):
    app.controller.refresh()
    app.tray.menu.aboutToShow.emit()
    return app.tray


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_managers_open_the_dashboard_in_the_browser(harness, seeded, svc, opened, role):
    _signed_in(svc, role)
    tray = _menu(harness.make())
    action = tray.action(DASHBOARD)
    assert action is not None and action.objectName() == "dashboard"
    action.trigger()
    assert opened == ["https://tracker.example.com/login?next=/dashboard"]


@pytest.mark.parametrize("role", ["member", "viewer", None])
def test_others_do_not_get_the_item(harness, seeded, svc, opened, role):
    _signed_in(svc, role)
    tray = _menu(harness.make())
    assert tray.action(DASHBOARD) is None
    assert tray.action("Open Tracker") is not None and opened == []


def test_signed_out_managers_do_not_get_it(harness, seeded, svc, opened):
    with svc.store.transaction():
        svc.store.set_setting("server.role", "manager")  # left over; no server
    assert _menu(harness.make()).action(DASHBOARD) is None
