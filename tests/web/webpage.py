"""Helpers of the browser tests (a uniquely named module: other conftest.py files exist)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from srvutil import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
DOCS = ROOT / "docs" / "web"
# The pictures docs/web.md shows (the others stay in test-artifacts/web/).
DOCS_SHOTS = {
    "login",
    "login-link",
    "dashboard",
    "member",
    "client",
    "me",
    "portal",
    "portal-project",
    "invoice",
    "shared",
    "shared-password",
}


def sign_in(page, site, who: str) -> None:
    """Sign in by keyboard, as a person would: type, tab, type, Enter (a fresh session)."""
    page.context.clear_cookies()
    page.goto(site.url + "/login")
    page.get_by_label("E-mail").fill(site.people[who].email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def shot(page, name: str) -> Path:
    """A full-page screenshot into test-artifacts/web/ (and docs/web/ with TRACKER_DOCS_SHOTS=1)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5000
    if os.environ.get("TRACKER_DOCS_SHOTS") == "1" and name in DOCS_SHOTS:
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / path.name)
    return path
