"""E-mail notices through a real SMTP server on loopback (aiosmtpd), read back and checked:
task assignment, chat digests (at most one per person per 15 minutes), the weekly summaries of
``tracker-server send-summaries`` (idempotent per ISO week, ``--dry-run`` sends nothing), and
failed sends recorded with the SMTP answer and retried once, never sent twice.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from srvutil import tracked

from server_stub.cli import main
from server_stub.db.tables import notices, sent_summaries
from server_stub.services import notices as notices_service
from server_stub.services.mail import MailSettings

PUBLIC = "https://tracker.example.com"


@pytest.fixture
def mail_settings(smtp_server) -> MailSettings:
    """E-mail on, through the loopback SMTP server."""
    return MailSettings(smtp_url=smtp_server.url, mail_from="Tracker <t@example.com>",
                        public_url=PUBLIC)  # fmt: skip


@pytest.fixture
def settings(settings):
    """No background sender: the tests run it themselves."""
    return dataclasses.replace(settings, notice_every_seconds=0)


def _parts(msg) -> tuple[str, str]:
    """The text and HTML parts (line ends as written)."""
    return tuple(
        msg.get_body(preferencelist=(kind,)).get_content().replace("\r\n", "\n")
        for kind in ("plain", "html")
    )


def _to(smtp_server, email: str) -> list:
    return [r.message for r in smtp_server.sink.received if r.rcpt_tos == [email]]


def _notices(api, **where) -> list:
    with api.state.db.read() as conn:
        q = select(notices).order_by(notices.c.created_at, notices.c.id)
        for k, v in where.items():
            q = q.where(getattr(notices.c, k) == v)
        return conn.execute(q).all()


def test_assignment_notice(api, team, smtp_server):
    tid = team.task["id"]
    r = team.manager.patch(f"/tasks/{tid}", {"assignee_id": team.member.id})
    assert r.status_code == 200, r.text
    got = _to(smtp_server, team.member.email)
    assert len(got) == 1 and len(smtp_server.sink.received) == 1
    msg = got[0]
    assert msg["Subject"] == "Task assigned to you: Design"
    text, html = _parts(msg)
    assert "assigned you the task “Design” in Own" in text and f"{PUBLIC}/me" in text
    assert f'href="{PUBLIC}/me"' in html
    (row,) = _notices(api, kind="assignment")
    assert row.status == "sent" and row.message_id == msg["Message-ID"]
    # the same assignee again, or other edits: nobody is told twice
    team.manager.patch(f"/tasks/{tid}", {"assignee_id": team.member.id})
    team.member.patch(f"/tasks/{tid}", {"status": "in_progress"})
    assert len(smtp_server.sink.received) == 1


def test_one_digest_per_15_minutes(api, team, smtp_server, server_clock):
    pid = team.project["id"]
    for i, minute in enumerate((0, 1, 5)):
        server_clock.set(datetime(2026, 11, 25, 12, minute, tzinfo=UTC))
        r = team.viewer.post(f"/projects/{pid}/messages", {"body": f"question {i} <b>?</b>"})
        assert r.status_code == 201, r.text
    first = _to(smtp_server, team.member.email)
    assert len(first) == 1  # the first message at once, the next two wait
    text, html = _parts(first[0])
    assert "question 0" in text and "question 1" not in text
    assert "question 0 &lt;b&gt;?&lt;/b&gt;" in html and f'href="{PUBLIC}/me"' in html
    base = notices_service.public_url(api.state)
    server_clock.set(datetime(2026, 11, 25, 12, 14, 59, tzinfo=UTC))
    notices_service.run_once(api.state.db, api.state.mailer, base=base, now=api.state.now())
    assert len(_to(smtp_server, team.member.email)) == 1  # not yet
    server_clock.set(datetime(2026, 11, 25, 12, 15, tzinfo=UTC))
    notices_service.run_once(api.state.db, api.state.mailer, base=base, now=api.state.now())
    notices_service.run_once(api.state.db, api.state.mailer, base=base, now=api.state.now())
    got = _to(smtp_server, team.member.email)
    assert len(got) == 2
    text, _ = _parts(got[1])
    assert "2 new messages" in text and "question 1" in text and "question 2" in text
    assert "question 0" not in text
    # the writer and people outside the project hear nothing
    assert _to(smtp_server, team.viewer.email) == []
    assert _to(smtp_server, team.other_member.email) == []
    # the team answers: the client gets a digest linking to their portal page
    team.member.post(f"/projects/{pid}/messages", {"body": "Friday."})
    (to_client,) = _to(smtp_server, team.viewer.email)
    assert f"{PUBLIC}/portal/projects/{pid}" in _parts(to_client)[0]


def test_failed_send_is_recorded_and_retried_once(api, team, smtp_server):
    smtp_server.sink.refuse = "451 try again later"
    r = team.manager.patch(f"/tasks/{team.task['id']}", {"assignee_id": team.member.id})
    assert r.status_code == 200  # the change stands; the e-mail waits
    (row,) = _notices(api, kind="assignment")
    assert row.status == "failed" and row.last_error == "451 try again later"
    assert smtp_server.sink.received == []
    smtp_server.sink.refuse = None
    for _ in range(2):
        notices_service.deliver(api.state.db, api.state.mailer, now=api.state.now())
    assert len(_to(smtp_server, team.member.email)) == 1
    (row,) = _notices(api, kind="assignment")
    assert row.status == "sent" and row.attempts == 2 and row.message_id


# -- weekly summaries -------------------------------------------------------------------------


def _cli(api, smtp_server, *args: str) -> int:
    return main([
        "--database-url", api.url, "--data-dir", str(api.state.settings.data_dir),
        "send-summaries", "--week", "2026-W48", "--smtp-url", smtp_server.url,
        "--public-url", PUBLIC, *args,
    ])  # fmt: skip


def _summaries(api) -> int:
    with api.state.db.read() as conn:
        return conn.execute(select(func.count()).select_from(sent_summaries)).scalar_one()


def test_send_summaries_once_per_iso_week(api, team, smtp_server, capsys):
    tracked(team.member, team.task["id"], "2026-11-24T09:00:00Z", "2026-11-24T11:00:00Z")
    tracked(team.member, team.task["id"], "2026-11-16T09:00:00Z", "2026-11-16T10:00:00Z")  # W47
    team.manager.post(f"/projects/{team.project['id']}/tasks", {"title": "Brief"})
    assert team.manager.patch(f"/tasks/{team.task['id']}", {"status": "done"}).status_code == 200
    pid = team.project["id"]
    client = team.manager.post("/clients", {"name": "Acme", "currency": "EUR"}).json()
    assert team.manager.patch(f"/projects/{pid}", {"client_id": client["id"]}).status_code == 200
    for name, billing in (("Bill", True), ("Nora", False)):
        body = {"name": name, "email": f"{name.lower()}@acme.example", "billing": billing}
        contact = team.manager.post(f"/clients/{client['id']}/contacts", body).json()
        r = team.manager.put(f"/projects/{pid}/contacts/{contact['id']}")
        assert r.status_code == 200, r.text
    assert _cli(api, smtp_server, "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"2026-W48 Own: would send to {team.viewer.email}, bill@acme.example" in out
    assert smtp_server.sink.received == [] and _summaries(api) == 0 and not _notices(api)
    assert _cli(api, smtp_server) == 0
    (msg,) = _to(smtp_server, team.viewer.email)
    (to_contact,) = _to(smtp_server, "bill@acme.example")  # a billing contact; Nora is not
    assert len(smtp_server.sink.received) == 2  # the other project has no viewer, no contact
    assert "Design: 2:00" in _parts(to_contact)[0] and "Member" not in _parts(to_contact)[0]
    assert msg["Subject"] == "Own: progress in 2026-W48"
    text, html = _parts(msg)
    assert "2:00 tracked" in text and "Design: 2:00" in text
    assert "Tasks: 1 open, 0 in progress, 1 done." in text and "Done this week:\n  Design" in text
    assert "Member" not in text  # no show_members grant: no names of the team
    assert f"{PUBLIC}/portal/projects/{pid}" in text and "<p>" in html
    assert _cli(api, smtp_server) == 0  # again: nothing new
    assert len(smtp_server.sink.received) == 2 and _summaries(api) == 1
    assert "0 new project summaries, 1 sent before" in capsys.readouterr().out


def test_send_summaries_retries_failures_without_sending_twice(api, team, smtp_server, capsys):
    api.member(
        team.manager, team.project["id"], team.viewer, kind="viewer", grants={"show_members": True}
    )
    tracked(team.member, team.task["id"], "2026-11-24T09:00:00Z", "2026-11-24T09:30:00Z")
    smtp_server.sink.refuse = "554 mailbox unavailable"
    assert _cli(api, smtp_server) == 1
    assert "1 e-mails failed" in capsys.readouterr().err
    (row,) = _notices(api, kind="summary")
    assert row.status == "failed" and row.last_error == "554 mailbox unavailable"
    smtp_server.sink.refuse = None
    assert _cli(api, smtp_server) == 0
    assert _cli(api, smtp_server) == 0
    (msg,) = _to(smtp_server, team.viewer.email)
    assert "By member:\n  Member 3: 0:30" in _parts(msg)[0]  # granted show_members


def test_send_summaries_needs_the_mail_settings(api, capsys):
    argv = ["--database-url", api.url, "send-summaries"]
    assert main(argv) == 1
    assert "--smtp-url and --public-url" in capsys.readouterr().err
    assert main([*argv, "--week", "2026-W99", "--dry-run"]) == 1
    assert "not an ISO week" in capsys.readouterr().err
