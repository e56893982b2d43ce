"""The pages in a real browser (Chromium via Playwright): keyboard-only sign-in and every
role's landing, axe-core on every page (no serious or critical findings), a viewer's pages,
a cross-origin form refused, the charts without JavaScript, and the screenshots for docs/."""

from __future__ import annotations

import http.server
import re
import threading
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from webpage import shot, sign_in

LANDING = {"admin": "/dashboard", "manager": "/dashboard", "dev": "/me", "client": "/portal"}


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


def _serious(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def test_keyboard_sign_in_lands_every_role_and_signs_out(site, context):
    page = context.new_page()
    for who, landing in LANDING.items():
        sign_in(page, site, who)
        assert page.url == site.url + landing, who
        assert page.get_by_role("heading", level=1).count() == 1
        [cookie] = [c for c in context.cookies() if c["name"] == "tracker_session"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
        assert not cookie["secure"]  # plain http on loopback (Secure behind https: tests/server)
        assert page.evaluate("document.cookie").find("tracker_session") == -1  # no script sees it
        # Sign out by keyboard: tab to the button, Enter.
        button = page.get_by_role("button", name="Sign out")
        for _ in range(12):
            page.keyboard.press("Tab")
            if button.evaluate("b => b === document.activeElement"):
                break
        else:
            pytest.fail("Sign out is not reachable by Tab")
        page.keyboard.press("Enter")
        page.wait_for_url(site.url + "/login")
    sign_in(page, site, "manager")
    page.goto(site.url + "/login")  # already signed in: straight to the dashboard
    assert page.url == site.url + "/dashboard"


def test_every_page_passes_axe_and_is_photographed(site, context):
    page = context.new_page()
    response = page.goto(site.url + "/login")
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert not _serious(page), "login"
    shot(page, "login")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pages = {
        "manager": {
            "dashboard": "/dashboard",
            "member": f"/dashboard/members/{site.people['dev'].id}",
            "client": f"/dashboard/clients/{site.projects['web']['client_id']}",
            "not-found": "/dashboard/members/not-a-member",
        },
        "dev": {"me": "/me"},
        "client": {
            "portal": "/portal",
            "portal-project": f"/portal/projects/{site.projects['web']['id']}",
            "portal-project-ungranted": f"/portal/projects/{site.projects['app']['id']}",
        },
    }
    web = site.projects["web"]["id"]
    for who, body in (("client", "Could the launch move to Friday?"),
                      ("manager", "Yes: Friday it is, we will send the new plan.")):  # fmt: skip
        with site.api(who) as u:
            assert u.post(f"/projects/{web}/messages", json={"body": body}).status_code == 201
    found = {}
    for who, named in pages.items():
        sign_in(page, site, who)
        for name, path in named.items():
            errors_before = len(errors)
            response = page.goto(site.url + path)
            found[name] = _serious(page)
            shot(page, name)
            if name == "client":  # the contact's history ends with the project's chat
                assert "Could the launch move to Friday?" in page.inner_text("main")
            if response.status == 404:  # the page's own 404 is logged as a failed load
                assert name in ("not-found", "portal-project-ungranted")
                del errors[errors_before:]
    # Share links: the shared page, and a password-protected link's form (no account).
    page.context.clear_cookies()
    with site.api("manager") as m:
        for name, body in (
            ("shared", {"grants": {"show_members": True, "show_entries": True}}),
            ("shared-password", {"grants": {}, "password": "open sesame"}),
        ):
            r = m.post(f"/projects/{site.projects['web']['id']}/share-links", json=body)
            assert r.status_code == 201, r.text
            page.goto(site.url + "/shared/" + r.json()["url"].split("/shared/", 1)[1])
            found[name] = _serious(page)
            shot(page, name)
    assert "Northwind website" not in page.content()  # the password form shows nothing yet
    assert not any(found.values()), found
    assert not errors, errors  # no CSP violation, no failed script


def test_dashboard_reads_without_javascript(site, browser):
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    sign_in(page, site, "manager")
    assert page.url.endswith("/dashboard")
    text = page.inner_text("main")
    assert "Tracking now" in text and "Dana Developer" in text and "Checkout" in text
    assert page.locator("svg.chart").count() == 3
    assert "26:40" in text  # 26 h of the week plus the 40 min running timer
    page.get_by_label("From").fill("2026-11-24")
    page.get_by_label("To").fill("2026-11-24")
    page.get_by_role("button", name="Show").click()
    assert "from=2026-11-24" in page.url and "11:00 tracked" in page.inner_text("main")
    ctx.close()


def test_a_viewer_sees_only_what_is_granted(site, context):
    page = context.new_page()
    sign_in(page, site, "client")
    text = page.inner_text("body")
    assert "Northwind website" in text and "Mobile app" in text
    assert "Internal tooling" not in page.content() and "41.50" not in page.content()
    page.get_by_role("link", name="Northwind website").click()
    text = page.inner_text("main")
    assert "1 open · 1 in progress · 1 done" in text
    assert "Dana Developer" in text and "Sam Designer" in text  # show_members
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download the entries as CSV").click()
    csv = Path(dl.value.path()).read_text(encoding="utf-8")
    assert csv.startswith("date,start,end,duration,member,task,note")
    assert "Build scripts" not in csv and "Login screen" not in csv and "41.50" not in csv
    page.goto(site.url + f"/portal/projects/{site.projects['app']['id']}")
    text = page.inner_text("main")
    assert "Download the entries" not in text and "Dana Developer" not in text
    page.goto(site.url + f"/portal/projects/{site.projects['secret']['id']}")
    assert "There is no such project" in page.inner_text("main")
    assert "Internal tooling" not in page.content()
    page.goto(site.url + "/dashboard")
    assert "This page is not for your account" in page.inner_text("main")


class _Evil(http.server.BaseHTTPRequestHandler):
    target = ""

    def do_GET(self):
        body = (
            f'<!doctype html><title>evil</title><form method="post" action="{self.target}">'
            '<input name="csrf_token" value="forged"><button>Win a prize</button></form>'
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def test_a_form_on_another_site_cannot_sign_anyone_out(site, context):
    _Evil.target = site.url + "/logout"
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        page = context.new_page()
        sign_in(page, site, "manager")
        page.goto(f"http://localhost:{evil.server_address[1]}/")
        page.get_by_role("button", name="Win a prize").click()
        page.wait_for_load_state()
        assert "Form refused" in page.inner_text("main")
        page.goto(site.url + "/dashboard")
        assert page.url.endswith("/dashboard")  # still signed in: nothing changed
    finally:
        evil.shutdown()
        evil.server_close()


def _press_on(page, locator, key: str | None = "Enter", tabs: int = 60) -> None:
    """Tab until ``locator`` has the focus, then press ``key`` (None: just focus it): keyboard
    only, no clicks."""
    for _ in range(tabs):
        page.keyboard.press("Tab")
        if locator.evaluate("e => e === document.activeElement"):
            if key:
                page.keyboard.press(key)
            return
    pytest.fail(f"{locator} is not reachable by Tab")


def test_invoice_actions_by_keyboard_and_the_client_sees_the_issued_invoice(site, context):
    page = context.new_page()
    sign_in(page, site, "manager")
    assert "Uninvoiced time" in page.inner_text("main")
    with page.expect_navigation():
        _press_on(page, page.get_by_role("button", name="Create draft for Northwind Ltd"))
    assert "Draft invoice" in page.inner_text("h1")
    assert "The draft was created" in page.inner_text("main")
    with page.expect_navigation():
        _press_on(page, page.get_by_role("button", name="Finalize"))
    number = page.inner_text("h1").split()[-1]
    assert number.startswith("INV-")
    page.get_by_label("Amount (EUR)").fill("")
    page.get_by_label("Amount (EUR)").focus()
    page.keyboard.type("500.00")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits the payment form from its field
    assert "The payment was recorded" in page.inner_text("main")
    assert "partially paid" in page.inner_text(".lead")
    assert not _serious(page), "invoice"
    shot(page, "invoice")
    href = page.get_by_role("link", name="Download the PDF").get_attribute("href")
    pdf = page.request.get(site.url + href)  # with the page's session cookie
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
    sign_in(page, site, "client")
    page.goto(site.url + f"/portal/projects/{site.projects['web']['id']}")
    text = page.inner_text("main")
    assert number in text and "Financial summary" in text and "Draft" not in text
    assert not _serious(page), "portal with invoices"
    shot(page, "portal-project")


def test_voiding_by_keyboard_issues_a_credit_note_the_client_sees(site, context):
    """An admin voids the issued invoice without a mouse (the confirm question answered) and
    reaches its credit note by the link; the client's portal then lists both, and no draft."""
    page = context.new_page()
    sign_in(page, site, "admin")
    link = page.get_by_role("link", name=re.compile(r"^INV-\d{4}-\d{4}$")).first
    number = link.inner_text()
    with page.expect_navigation():
        _press_on(page, link)
    assert page.inner_text("h1") == f"Invoice {number}"
    pdf = page.get_by_role("link", name="Download the PDF")
    _press_on(page, pdf, key=None)  # reachable by Tab (the download itself is tested above)
    questions: list[str] = []
    page.once("dialog", lambda d: (questions.append(d.message), d.accept()))
    _press_on(page, page.get_by_label("Reason"), key=None)
    page.keyboard.type("billed to the wrong month")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert questions == ["Void this invoice? A credit note is issued."]
    main = page.inner_text("main")
    assert "The invoice is void" in main and page.inner_text(".lead").startswith("Void")
    with page.expect_navigation():
        _press_on(page, page.get_by_role("link", name="open its credit note"))
    credit = page.inner_text("h1")
    assert re.fullmatch(r"Credit note CN-\d{4}-\d{4}", credit), credit
    assert not _serious(page), "credit note"
    sign_in(page, site, "client")
    page.goto(site.url + f"/portal/projects/{site.projects['web']['id']}")
    text = page.inner_text("main")
    assert number in text and credit.split()[-1] in text and "Draft" not in text


def test_a_share_link_by_keyboard_password_then_revoked(site, context):
    """Someone without an account opens a password-protected link: a wrong password keeps the
    form, the right one (typed, Enter) shows the project with the link's grants and nothing
    else; once revoked the link is a plain 404 page, for the open page too."""
    page = context.new_page()
    page.context.clear_cookies()
    with site.api("manager") as m:
        r = m.post(
            f"/projects/{site.projects['web']['id']}/share-links",
            json={"grants": {"show_members": True}, "password": "open sesame"},
        )
        assert r.status_code == 201, r.text
        link, link_id = r.json()["url"], r.json()["id"]
    url = site.url + "/shared/" + link.split("/shared/", 1)[1]
    page.goto(url)
    for typed, expected in (("not it", "not right"), ("open sesame", "Northwind website")):
        page.keyboard.type(typed)  # the password field has the focus on arrival
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert expected in page.inner_text("main"), typed
    content = page.content()
    assert "Dana Developer" in content  # show_members
    for secret in ("Internal tooling", "Build scripts", "41.50", "Sign out", "Draft"):
        assert secret not in content, secret
    assert not _serious(page), "shared page after its password"
    with site.api("manager") as m:
        assert m.delete(f"/share-links/{link_id}").status_code == 204
    response = page.goto(url)
    assert response.status == 404 and "Northwind website" not in page.content()
    assert "There is no such shared page" in page.inner_text("main")


def test_a_one_time_link_from_the_desktop_signs_in_with_one_press(site, context):
    """The tray's "Open the web dashboard": the link's page is one button, a press (Enter: it
    has the focus) signs in and lands on the dashboard; the link never works twice."""
    with site.api("manager") as m:
        r = m.post("/auth/web-link", json={"next": "/dashboard"})
        assert r.status_code == 201, r.text
        url = r.json()["url"]
    assert url.startswith(site.url + "/login/link/")
    page = context.new_page()
    page.goto(url)
    assert all(c["name"] != "tracker_session" for c in context.cookies())  # not signed in yet
    button = page.get_by_role("button", name="Continue to Tracker")
    assert button.evaluate("b => b === document.activeElement")
    assert not _serious(page)
    shot(page, "login-link")
    page.keyboard.press("Enter")
    page.wait_for_url(site.url + "/dashboard")
    assert page.get_by_role("button", name="Sign out").is_visible()
    [cookie] = [c for c in context.cookies() if c["name"] == "tracker_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    response = page.goto(url)
    assert response.status == 410
    assert "This sign-in link has expired or was used" in page.inner_text("main")
    page.get_by_role("link", name="sign in").click()
    page.wait_for_url(site.url + "/dashboard")  # still signed in: straight on
