"""The web pages through a browser-like client (contract §5, server-spec §6.15): landing per
role, the session cookie, expiry and revocation, CSRF and cross-origin refusals, security
headers, shared sign-in throttling, and what a viewer's pages never show. The browser itself
(keyboard, axe, screenshots) is in tests/web/."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import timedelta

from sqlalchemy import func, select
from srvutil import API, PASSWORD, iv, tracked
from starlette.testclient import TestClient
from webutil import ORIGIN, csrf_token, web_login, web_post

from server_stub.app import create_app
from server_stub.db.tables import web_sessions
from server_stub.services.accounts import set_password

LANDING = {"admin": "/dashboard", "manager": "/dashboard", "member": "/me", "viewer": "/portal"}


def _browser(api) -> TestClient:
    return TestClient(api.app, follow_redirects=False)


def _sessions(api) -> list:
    with api.state.db.read() as conn:
        return conn.execute(select(web_sessions)).all()


def test_every_role_lands_on_its_page_with_a_hashed_httponly_cookie(api, team):
    for user in (team.admin, team.manager, team.member, team.viewer):
        b = _browser(api)
        r = web_login(b, user.email)
        assert r.status_code == 303 and r.headers["location"] == LANDING[user.role]
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain http, no https public URL
        value = b.cookies["tracker_session"]
        assert len(value) >= 40
        assert b.get("/").headers["location"] == LANDING[user.role]
        assert b.get(LANDING[user.role]).status_code == 200
        stored = {s.secret_hash for s in _sessions(api)}
        assert hashlib.sha256(value.encode()).hexdigest() in stored
        assert all(value not in (s.secret_hash, s.csrf_secret) for s in _sessions(api))
    # Signed out, every page goes to the form and comes back after it.
    b = _browser(api)
    r = b.get("/dashboard?from=2026-11-01")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Fdashboard")
    r = web_login(b, team.manager.email, next_="/dashboard?from=2026-11-01")
    assert r.headers["location"] == "/dashboard?from=2026-11-01"
    r = web_login(_browser(api), team.manager.email, next_="//evil.example/")
    assert r.headers["location"] == "/dashboard"  # never off-site after signing in


def test_cookies_are_secure_behind_an_https_public_url(api, team, settings, server_clock):
    app = create_app(dataclasses.replace(settings, mail=dataclasses.replace(settings.mail, public_url="https://tracker.example")),
                     clock=server_clock)  # fmt: skip
    with TestClient(app, base_url="https://tracker.example", follow_redirects=False) as b:
        form = b.get("/login")
        assert "Secure" in form.headers["set-cookie"]  # the login form's CSRF cookie too
        r = b.post("/login", data={"csrf_token": csrf_token(form.text), "email":
                   team.manager.email, "password": PASSWORD},
                   headers={"Origin": "https://tracker.example"})  # fmt: skip
        assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]
    app.state.tracker.db.dispose()


def test_security_headers_on_every_answer_and_no_inline_script(api, team):
    b = _browser(api)
    pages = [b.get("/login"), b.get("/static/tracker.css"), b.get("/no-such-page")]
    web_login(b, team.manager.email)
    pages += [b.get("/dashboard"), b.get(f"/dashboard/members/{team.member.id}"), b.get("/me")]
    pages.append(b.get(API + "/projects"))
    for r in pages:
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, r.url
        assert "unsafe-inline" not in csp and "script-src 'self'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
    for r in pages[:1] + pages[3:6]:
        assert r.headers["content-type"].startswith("text/html")
        assert not re.search(r"<script(?![^>]*\bsrc=)", r.text), "inline script"
        assert " style=" not in r.text and "http://" not in r.text.replace(
            "http://www.w3.org/2000/svg", ""
        )  # no third party, no inline styles the CSP would block
    assert pages[2].status_code == 404 and "There is no such page" in pages[2].text


def test_unsafe_requests_without_our_token_or_from_elsewhere_are_refused(api, team):
    b = _browser(api)
    web_login(b, team.manager.email)
    before = len(_sessions(api))
    page = b.get("/dashboard").text
    token = csrf_token(page)
    other = _browser(api)
    web_login(other, team.admin.email)
    foreign = csrf_token(other.get("/dashboard").text)
    attempts = [
        ({}, {}),  # no token at all
        ({"csrf_token": "garbage"}, {"Origin": ORIGIN}),
        ({"csrf_token": foreign}, {"Origin": ORIGIN}),  # another session's token
        ({"csrf_token": token}, {"Origin": "http://evil.example"}),
        ({"csrf_token": token}, {"Origin": "null"}),
        ({"csrf_token": token}, {"Referer": "http://evil.example/page"}),
    ]
    for data, headers in attempts:
        r = b.post("/logout", data=data, headers=headers)
        assert r.status_code == 403, (data, headers)
        assert "Form refused" in r.text and "Nothing was changed" in r.text
    assert b.get("/dashboard").status_code == 200  # still signed in: nothing changed
    assert len(_sessions(api)) == before + 1
    # Signing in needs the form's token too (login CSRF), and makes no session without it.
    r = _browser(api).post("/login", data={"email": team.member.email, "password": PASSWORD},
                           headers={"Origin": ORIGIN})  # fmt: skip
    assert r.status_code == 403 and len(_sessions(api)) == before + 1
    # Masked: the token differs on every render and still works; then sign-out revokes.
    assert csrf_token(b.get("/dashboard").text) != token
    r = b.post("/logout", data={"csrf_token": token}, headers={"Origin": ORIGIN})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert b.get("/dashboard").status_code == 303
    assert len(_sessions(api)) == before  # the other browser's session is left alone
    # The API never takes a session for an unsafe method (no CSRF surface there).
    assert other.post(API + "/projects", json={"name": "X"}).status_code == 401
    assert other.get(API + "/projects").status_code == 200  # reads do (images, downloads)


def test_sessions_expire_idle_and_absolute_and_end_with_the_password(api, team, server_clock):
    b = _browser(api)
    web_login(b, team.member.email)
    server_clock.now += 12 * 3600 - 60
    assert b.get("/me").status_code == 200
    server_clock.now += 12 * 3600  # twelve hours idle
    assert b.get("/me").status_code == 303
    web_login(b, team.member.email)
    for _ in range(65):  # in use every 11 hours: alive until 30 days after sign-in
        server_clock.now += 11 * 3600
        assert b.get("/me").status_code == 200
    server_clock.now += int(timedelta(days=30).total_seconds()) - 65 * 11 * 3600
    assert b.get("/me").status_code == 303
    web_login(b, team.member.email)
    assert b.get("/me").status_code == 200
    set_password(
        api.state.db,
        api.state.passwords,
        email=team.member.email,
        password="new one!",
        now=api.state.now(),
    )
    assert b.get("/me").status_code == 303
    assert web_login(b, team.member.email).status_code == 401
    assert web_login(b, team.member.email, password="new one!").status_code == 303


def test_sign_in_throttle_is_shared_with_the_api(api, team):
    b = _browser(api)
    for _ in range(api.state.settings.sign_in_max_failures):
        r = web_login(b, team.member.email, password="wrong")
        assert r.status_code in (401, 429)
        assert "Wrong e-mail or password" in r.text or "Too many" in r.text
    r = web_login(b, team.member.email)  # the right password, still blocked
    assert r.status_code == 429 and "Too many failed sign-ins" in r.text
    assert int(r.headers["retry-after"]) > 0
    body = {"email": team.member.email, "password": PASSWORD, "device_name": "d"}
    assert api.client.post(API + "/auth/token", json=body).status_code == 429


def test_bad_input_reads_as_a_plain_message(api, team):
    b = _browser(api)
    web_login(b, team.manager.email)
    for query in ("from=2026-13-45", "from=2026-11-30&to=2026-11-01", "from=1900-01-01",
                  "from=2020-01-01&to=2026-01-01", "to=%00"):  # fmt: skip
        r = b.get(f"/dashboard?{query}")
        assert r.status_code == 200 and 'class="notice"' in r.text, query
    for path in ("/dashboard/members/not-a-uuid", "/dashboard/clients/1",
                 f"/dashboard/members/{'0' * 8}-0000-0000-0000-{'0' * 12}"):  # fmt: skip
        r = b.get(path)
        assert r.status_code == 404 and "There is no such" in r.text and "Traceback" not in r.text
    r = web_post(b, "/login", "/dashboard", {"email": "x" * 400, "password": "p"})
    assert r.status_code == 422 and "could not be used" in r.text
    r = web_login(_browser(api), "", password="")
    assert r.status_code == 422 and "Enter your e-mail and password" in r.text


def test_dashboard_shows_time_running_timers_and_charts(api, team):
    tracked(team.member, team.task["id"], "2026-11-24T09:00:00Z", "2026-11-24T11:15:00Z")
    tracked(team.other_member, team.other_task["id"], "2026-11-25T08:00:00Z",
            "2026-11-25T09:00:00Z")  # fmt: skip
    team.member.push(iv(team.task["id"], "2026-11-25T11:00:00Z", None))
    b = _browser(api)
    web_login(b, team.manager.email)
    page = b.get("/dashboard").text
    assert "4:15" in page  # 2:15 + 1:00 + the running hour
    assert "Tracking now" in page and "Design" in page
    assert page.count('<svg class="chart" role="img"') == 3
    assert "<title>Time by project" in page
    member = b.get(f"/dashboard/members/{team.member.id}").text
    assert "3:15" in member and "Member 3" in member and "Other" not in member
    assert "2:15" not in b.get("/dashboard?from=2026-11-25&to=2026-11-25").text


def test_entry_lists_reach_back_to_the_longest_entry_and_the_oldest_timer(api, team):
    """The lists bound their index range by the longest entry and the oldest running timer
    (not 999 h): an entry of 50 hours and a timer running for two weeks still show."""
    from datetime import UTC, datetime

    from server_stub.authz import Actor, Role
    from server_stub.services import reports

    long_id = tracked(team.member, team.task["id"], "2026-11-20T08:00:00Z", "2026-11-22T10:00:00Z")
    tracked(team.member, team.task["id"], "2026-11-19T08:00:00Z", "2026-11-19T09:00:00Z")
    short_id = tracked(team.member, team.task["id"], "2026-11-23T09:00:00Z",
                       "2026-11-23T10:00:00Z")  # fmt: skip
    running = iv(team.other_task["id"], "2026-11-10T08:00:00Z", None)
    assert team.other_member.push(running)["accepted"] == [running["id"]]
    lo = int(datetime(2026, 11, 22, tzinfo=UTC).timestamp())
    with api.state.db.read() as conn:
        assert reports.earliest_start(conn, lo) == datetime(2026, 11, 10, 8, tzinfo=UTC).timestamp()
        listed = reports.entries(conn, Actor(team.admin.id, Role.ADMIN, ""), lo, lo + 2 * 86400)
    assert [e.id for e in listed] == [running["id"], long_id, short_id]


def test_a_viewers_pages_never_show_what_they_are_not_granted(api, team):
    hidden = api.project(team.manager, "Hidden Harbour")
    api.member(team.manager, hidden["id"], team.member)
    hidden_task = api.task(team.manager, hidden["id"], "Secret work")
    api.member(team.admin, team.project["id"], team.member,
               pay_rate={"amount": "77.70", "currency": "EUR"},
               bill_rate={"amount": "123.40", "currency": "EUR"})  # fmt: skip
    tracked(team.member, team.task["id"], "2026-11-24T09:00:00Z", "2026-11-24T10:30:00Z")
    tracked(team.member, hidden_task["id"], "2026-11-24T11:00:00Z", "2026-11-24T12:00:00Z")
    b = _browser(api)
    assert web_login(b, team.viewer.email).headers["location"] == "/portal"
    pages = {
        "portal": b.get("/portal"),
        "project": b.get(f"/portal/projects/{team.project['id']}?from=2026-11-01&to=2026-11-30"),
        "csv": b.get(f"/portal/projects/{team.project['id']}/entries.csv?from=2026-11-24"),
    }
    for name, r in pages.items():
        assert r.status_code == 200, name
        for secret in ("Hidden Harbour", "Secret work", "77.70", "77,70", "123.40",
                       "Member 3", team.member.email):  # fmt: skip
            assert secret not in r.text, (name, secret)
    assert "Own" in pages["portal"].text and "1:30" in pages["project"].text
    assert pages["csv"].text.splitlines()[0] == "date,start,end,duration,task"
    assert "2026-11-24,09:00,10:30,1:30,Design" in pages["csv"].text
    assert pages["csv"].headers["content-disposition"].startswith("attachment;")
    for path in ("", "/entries.csv"):
        r = b.get(f"/portal/projects/{hidden['id']}{path}")
        assert r.status_code == 404 and "Hidden Harbour" not in r.text
    # Without show_entries: no entries, no CSV.
    api.member(team.manager, team.project["id"], team.viewer, kind="viewer", grants={})
    page = b.get(f"/portal/projects/{team.project['id']}").text
    assert "Download the entries" not in page and "Design" not in page
    assert b.get(f"/portal/projects/{team.project['id']}/entries.csv").status_code == 403
    with api.state.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(web_sessions)).scalar() == 1


def _share(team, **body) -> str:
    r = team.manager.post(f"/projects/{team.project['id']}/share-links", body)
    assert r.status_code == 201, r.text
    return r.json()["url"].split("/shared/", 1)[1], r.json()["id"]


def test_share_links_expire_revoke_and_ask_for_their_password(api, team, server_clock):
    api.member(team.admin, team.project["id"], team.member,
               pay_rate={"amount": "77.70", "currency": "EUR"})  # fmt: skip
    tracked(team.member, team.task["id"], "2026-11-24T09:00:00Z", "2026-11-24T10:30:00Z")
    tracked(team.other_member, team.other_task["id"], "2026-11-24T09:00:00Z",
            "2026-11-24T10:00:00Z")  # fmt: skip
    b = _browser(api)
    open_secret, _ = _share(team, grants={"show_entries": True},
                                  expires_at="2026-11-26T12:00:00Z")  # fmt: skip
    page = b.get(f"/shared/{open_secret}")
    assert page.status_code == 200 and "Own" in page.text and "1:30" in page.text
    for secret in ("Other", "Build", "77.70", "Member 3", "Sign out"):
        assert secret not in page.text, secret
    csv = b.get(f"/shared/{open_secret}/entries.csv")
    assert csv.status_code == 200 and "2026-11-24,09:00,10:30,1:30,Design" in csv.text
    assert "member" not in csv.text.splitlines()[0]  # no show_members on the link
    # Expired: 404, like an unknown secret.
    server_clock.now += 2 * 86400
    assert b.get(f"/shared/{open_secret}").status_code == 404
    assert b.get("/shared/" + "x" * 30).status_code == 404
    # Password: a form first (a wrong one stays there), then a short-lived session.
    locked, locked_id = _share(team, grants={}, password="open sesame")
    form = b.get(f"/shared/{locked}")
    assert form.status_code == 200 and 'type="password"' in form.text and "Design" not in form.text
    assert b.get(f"/shared/{locked}/entries.csv").status_code == 403
    r = b.post(f"/shared/{locked}", data={"csrf_token": csrf_token(form.text), "password": "no"},
               headers={"Origin": ORIGIN})  # fmt: skip
    assert r.status_code == 401 and "not right" in r.text
    r = b.post(f"/shared/{locked}", data={"password": "open sesame"}, headers={"Origin": ORIGIN})
    assert r.status_code == 403  # the password form carries a CSRF token too
    r = b.post(f"/shared/{locked}", data={"csrf_token": csrf_token(form.text),
               "password": "open sesame"}, headers={"Origin": ORIGIN})  # fmt: skip
    assert r.status_code == 303 and "HttpOnly" in r.headers["set-cookie"]
    page = b.get(f"/shared/{locked}")
    assert page.status_code == 200 and "Own" in page.text and 'type="password"' not in page.text
    assert "Download the entries" not in page.text  # this link does not show entries
    # Revoked: the page and its session are gone.
    assert team.manager.delete(f"/share-links/{locked_id}").status_code == 204
    assert b.get(f"/shared/{locked}").status_code == 404
    assert b.get("/portal").status_code == 303  # a share session never signs anyone in


def test_invoice_pages_draft_finalize_pay_and_void_by_forms(api, team):
    r = team.manager.post("/clients", {"name": "Acme", "currency": "EUR"})
    cid = r.json()["id"]
    r = team.admin.patch(f"/projects/{team.project['id']}", {
        "client_id": cid, "bill_rate": {"amount": "100.00", "currency": "EUR"},
        "effective_from": "2026-01-01"})  # fmt: skip
    assert r.status_code == 200, r.text
    tracked(team.member, team.task["id"], "2026-11-24T09:00:00Z", "2026-11-24T11:00:00Z")
    b = _browser(api)
    web_login(b, team.manager.email)
    page = b.get("/dashboard").text
    assert "Uninvoiced time" in page and "Create draft" in page and "€200.00" in page
    r = web_post(b, "/dashboard/drafts", "/dashboard",
                 {"client_id": cid, "from": "2026-11-23", "to": "2026-11-29"})  # fmt: skip
    assert r.status_code == 303, r.text
    inv_page = r.headers["location"]
    iid = inv_page.split("/")[3].split("?")[0]
    page = b.get(inv_page).text
    assert "Draft invoice" in page and "The draft was created" in page and "€200.00" in page
    # The viewer (show_invoices) never sees the draft; a CSRF-less finalize changes nothing.
    api.member(team.manager, team.project["id"], team.viewer, kind="viewer",
               grants={"show_invoices": True, "show_financial_summary": True})  # fmt: skip
    v = _browser(api)
    web_login(v, team.viewer.email)
    assert "Draft" not in v.get(f"/portal/projects/{team.project['id']}").text
    for suffix in ("", ".pdf", ".html", ".xml"):  # nor its documents with the page's session
        assert v.get(f"{API}/invoices/{iid}{suffix}").status_code == 404, suffix
    assert v.get(inv_page).status_code == 403 and "€200.00" not in v.get(inv_page).text
    assert (
        b.post(f"/dashboard/invoices/{iid}/finalize", headers={"Origin": ORIGIN}).status_code == 403
    )
    assert "Draft invoice" in b.get(inv_page).text
    r = web_post(b, f"/dashboard/invoices/{iid}/finalize", inv_page)
    assert r.status_code == 303 and r.headers["location"].endswith("done=finalized")
    page = b.get(f"/dashboard/invoices/{iid}").text
    number = re.search(r"INV-\d{4}-\d{4}", page).group(0)
    assert "Record a payment" in page and "Download the PDF" in page
    r = web_post(b, f"/dashboard/invoices/{iid}/payments", inv_page,
                 {"amount": "500.00", "on": "2026-11-25"})  # fmt: skip
    assert r.status_code == 422 and "Traceback" not in r.text, r.text  # more than the balance
    r = web_post(b, f"/dashboard/invoices/{iid}/payments", inv_page,
                 {"amount": "12,5", "on": "2026-11-25"})  # fmt: skip
    assert r.status_code == 422 and "Traceback" not in r.text
    r = web_post(b, f"/dashboard/invoices/{iid}/payments", inv_page,
                 {"amount": "50.00", "on": "2026-11-25", "method": "bank"})  # fmt: skip
    assert r.status_code == 303
    page = b.get(f"/dashboard/invoices/{iid}").text
    assert "partially paid" in page and "€150.00" in page  # the balance
    r = web_post(b, f"/dashboard/invoices/{iid}/send", inv_page)
    assert r.status_code == 409 and "Traceback" not in r.text  # no SMTP configured here
    portal = v.get(f"/portal/projects/{team.project['id']}").text
    assert number in portal and "Financial summary" in portal and "€150.00" in portal
    assert v.get(f"{API}/invoices/{iid}.pdf").status_code == 200  # the page's session
    # Voiding is an admin's: the manager's page has no void form.
    assert "Void invoice" not in page
    a = _browser(api)
    web_login(a, team.admin.email)
    r = web_post(a, f"/dashboard/invoices/{iid}/void", f"/dashboard/invoices/{iid}",
                 {"reason": "wrong client"})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith("done=voided"), r.text
    page = a.get(r.headers["location"]).text
    assert "The invoice is void" in page and number in page and "Void ·" in page
    cn_link = re.search(r'href="(/dashboard/invoices/[0-9a-f-]+)">open its credit note', page)
    credit = a.get(cn_link.group(1)).text
    assert re.search(r"Credit note CN-\d{4}-\d{4}", credit) and "-€200.00" in credit
    assert f'href="/dashboard/invoices/{iid}">the voided invoice' in credit
    assert "Void invoice" not in credit  # a credit note is not voided (409 not_voidable)
    assert "Void invoice" not in page and "Record a payment" not in page  # nothing left to do
    assert v.get(f"/dashboard/invoices/{iid}").status_code == 403  # never the manager's page


def test_chat_and_files_on_the_portal_page_follow_the_project(api, team):
    pid, other = team.project["id"], team.other_project["id"]
    page = f"/portal/projects/{pid}"
    b = _browser(api)
    web_login(b, team.viewer.email)
    r = web_post(b, f"{page}/messages", page,
                 {"body": "See https://example.org/spec. <script>alert(1)</script>"})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith("#chat")
    html = b.get(page).text
    assert '<a href="https://example.org/spec" rel="nofollow noopener">' in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert team.member.get(f"/projects/{pid}/messages").json()["items"][0]["author"]
    # No token, another site, or a project the caller does not see: refused, nothing stored.
    assert (
        b.post(f"{page}/messages", data={"body": "x"}, headers={"Origin": ORIGIN}).status_code
        == 403
    )
    r = web_post(b, f"/portal/projects/{other}/messages", page, {"body": "sneaky"})
    assert r.status_code == 404
    assert len(team.member.get(f"/projects/{pid}/messages").json()["items"]) == 1
    assert team.other_member.get(f"/projects/{other}/messages").json()["items"] == []
    r = web_post(b, f"{page}/messages", page, {"body": "   "})
    assert r.headers["location"].endswith("?problem=empty_message#chat")
    assert "Write something before sending" in b.get(r.headers["location"]).text
    # Files: a viewer adds one; it lists and downloads as an attachment with the session.
    html = b.get(page).text
    r = b.post(f"{page}/files", data={"csrf_token": csrf_token(html)},
               files={"file": ("notes <1>.txt", b"hello files", "text/plain")},
               headers={"Origin": ORIGIN})  # fmt: skip
    assert r.status_code == 303, r.text
    listed = team.member.get(f"/projects/{pid}/files").json()["items"]
    assert len(listed) == 1 and listed[0]["uploaded_by"] == team.viewer.id
    html = b.get(page).text
    assert f"/api/v1/files/{listed[0]['id']}" in html
    got = b.get(f"{API}/files/{listed[0]['id']}")
    assert got.status_code == 200 and got.content == b"hello files"
    assert got.headers["content-disposition"].startswith("attachment")
    r = b.post(
        f"/portal/projects/{other}/files",
        data={"csrf_token": csrf_token(html)},
        files={"file": ("x.txt", b"x", "text/plain")},
        headers={"Origin": ORIGIN},
    )
    assert r.status_code == 404
    assert team.other_member.get(f"/projects/{other}/files").json()["items"] == []


def test_a_clients_history_shows_projects_months_invoices_and_messages(api, team):
    """``/dashboard/clients/{id}``: the contact's activity history (issue 10): its projects,
    time by month, every invoice with its state and balance, and the newest chat messages."""
    from invutil import billing, draft, finalize, track

    b_ = billing(api, team)
    cid = b_.client["id"]
    track(team.member, b_.task["id"], "2026-10-20", "09:00", "11:00")
    track(team.member, b_.task["id"], "2026-11-03", "09:00", "10:30")
    final = finalize(team.manager, draft(team.manager, cid, "2026-10-01", "2026-10-31")["id"])
    pending = draft(team.manager, cid)
    r = team.manager.post(f"/invoices/{final['id']}/payments",
                          {"amount": {"amount": "50.00", "currency": "EUR"},
                           "date": "2026-11-20"})  # fmt: skip
    assert r.status_code == 201, r.text
    api.member(team.manager, team.project["id"], team.viewer, kind="viewer", grants={})
    chat = f"/projects/{team.project['id']}/messages"
    for who, body in ((team.viewer, "Can we move the launch?"), (team.manager, "Yes: <b>Fri</b>")):
        assert who.post(chat, {"body": body}).status_code == 201
    other = team.manager.post("/clients", {"name": "Other Co", "currency": "EUR"}).json()
    b = _browser(api)
    web_login(b, team.manager.email)
    page = b.get(f"/dashboard/clients/{cid}")
    assert page.status_code == 200, page.text
    text = page.text
    assert team.project["name"] in text
    assert "2026-10" in text and "2:00" in text and "2026-11" in text and "1:30" in text
    assert f'href="/dashboard/invoices/{final["id"]}">{final["number"]}</a>' in text
    assert f'href="/dashboard/invoices/{pending["id"]}">Draft</a>' in text
    assert "partially paid" in text and "€150.00" in text  # 200.00 invoiced, 50.00 paid
    assert text.index("Yes: &lt;b&gt;Fri&lt;/b&gt;") < text.index("Can we move the launch?")
    assert "<b>Fri</b>" not in text  # the body is escaped; the newest message comes first
    empty = b.get(f"/dashboard/clients/{other['id']}").text
    assert "No invoices yet." in empty and "No messages yet." in empty
    assert final["number"] not in empty and "Can we move" not in empty
    for who in (team.member, team.viewer):  # the manager's page only
        c = _browser(api)
        web_login(c, who.email)
        r = c.get(f"/dashboard/clients/{cid}")
        assert r.status_code == 403 and final["number"] not in r.text and "Can we" not in r.text
