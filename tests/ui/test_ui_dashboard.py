"""The tray's "Open the web dashboard": admins and managers only, opening the server's pages
signed in through a one-time link the sync port asks the server for (on the executor), else the
sign-in page. Against a real server: tests/sync/test_dashboard_link.py."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QDesktopServices

from tracker.sync.errors import AuthRequired, Refused, Unreachable
from tracker.ui.ports import NullSync

LINK = "https://tracker.example.com/login/link/s3cr3t"
LOGIN = "https://tracker.example.com/login?next=/dashboard"


class LinkSync(NullSync):
    """A sync port whose server hands out sign-in links, or fails with ``error``."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.asked: list[tuple[object, str]] = []

    def web_link(self, t, next_path: str) -> str:
        self.asked.append((t, next_path))
        if self.error is not None:
            raise self.error
        return LINK


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
    assert opened == [LOGIN]  # no sync engine: the sign-in page, as before


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_the_dashboard_opens_signed_in_through_a_one_time_link(harness, seeded, svc, opened,
                                                               role):  # fmt: skip
    _signed_in(svc, role)
    sync = LinkSync()
    app = harness.make(sync=sync)
    _menu(app).action(DASHBOARD).trigger()
    assert opened == [LINK]
    assert sync.asked == [(app.controller.executor.tracker, "/dashboard")]  # on the executor
    assert app.controller.executor.jobs >= 1 and harness.errors == []


@pytest.mark.parametrize(
    "error",
    [
        Unreachable("cannot reach the server"),
        Refused("the server refused the request (404 not_found)", 404, "not_found", ""),
        AuthRequired("sign in again"),
    ],
    ids=["unreachable", "too_old", "signed_out"],
)
def test_without_a_link_the_sign_in_page_opens(harness, seeded, svc, opened, error):
    _signed_in(svc, "manager")
    sync = LinkSync(error)
    _menu(harness.make(sync=sync)).action(DASHBOARD).trigger()
    assert len(sync.asked) == 1
    assert opened == [LOGIN] and harness.errors == []  # no error dialog: the browser opens


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
