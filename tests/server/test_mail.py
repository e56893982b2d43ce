"""The mailer against a real SMTP server on loopback (aiosmtpd), and its settings."""

from __future__ import annotations

import pytest
from mailtest import SmtpServer, free_port, self_signed

from server_stub.services.mail import (
    MailConfigError,
    Mailer,
    MailError,
    MailSettings,
    parse_smtp_url,
)

PDF = b"%PDF-1.7\n% a stand-in\n"


def _mailer(url: str) -> Mailer:
    return Mailer(MailSettings.resolve(url, "Studio Nord <billing@studio-nord.example>", env={}))


def test_a_message_arrives_with_text_html_and_attachment(smtp_server):
    mid = _mailer(smtp_server.url).send(
        ["ap@acme.example", "jean@acme.example"],
        "Invoice INV-2026-0007",
        "Hello,\nplease find the invoice attached.",
        "<p>Hello,</p><p>please find the invoice attached.</p>",
        attachments=[("INV-2026-0007.pdf", PDF, "application/pdf")],
    )
    [got] = smtp_server.sink.received
    assert got.rcpt_tos == ["ap@acme.example", "jean@acme.example"]
    assert got.mail_from == "billing@studio-nord.example"
    msg = got.message
    assert msg["Message-ID"] == mid and mid.endswith("@studio-nord.example>")
    assert msg["Subject"] == "Invoice INV-2026-0007"
    assert msg.get_body(("plain",)).get_content().startswith("Hello,")
    assert "<p>Hello,</p>" in msg.get_body(("html",)).get_content()
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == "INV-2026-0007.pdf"
    assert att.get_content_type() == "application/pdf"
    assert att.get_content() == PDF


def test_a_refusing_server_is_a_mail_error_with_its_answer(smtp_server):
    smtp_server.sink.refuse = "554 5.7.1 Message rejected: policy"
    with pytest.raises(MailError) as info:
        _mailer(smtp_server.url).send(["ap@acme.example"], "s", "t")
    assert info.value.answer.startswith("554") and "policy" in info.value.answer
    assert info.value.permanent
    assert smtp_server.sink.received == []


def test_no_server_listening_is_a_mail_error():
    with pytest.raises(MailError) as info:
        _mailer(f"smtp://127.0.0.1:{free_port()}").send(["ap@acme.example"], "s", "t")
    assert "ConnectionRefused" in info.value.answer and not info.value.permanent


@pytest.mark.parametrize(
    "url, expected",
    [
        ("smtp://mail.example:2525", ("smtp", "mail.example", 2525, None, None)),
        ("smtp://mail.example", ("smtp", "mail.example", 25, None, None)),
        (
            "smtp+starttls://me%40x.example:p%3Ass@mail.example:587",
            ("smtp+starttls", "mail.example", 587, "me@x.example", "p:ss"),
        ),
        ("smtps://u:p@mail.example", ("smtps", "mail.example", 465, "u", "p")),
    ],
)
def test_smtp_urls(url, expected):
    ep = parse_smtp_url(url)
    assert (ep.scheme, ep.host, ep.port, ep.username, ep.password) == expected
    assert "p:ss" not in repr(ep) and ":p)" not in repr(ep)


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "smtp://h:notaport", "h:25"])
def test_bad_smtp_urls_are_refused_with_a_reason(url):
    with pytest.raises(MailConfigError):
        MailSettings.resolve(url, env={})


def test_settings_from_the_environment_and_the_line_at_start():
    off = MailSettings.resolve(env={})
    assert not off.enabled and off.describe().startswith("e-mail is off")
    on = MailSettings.resolve(
        env={
            "TRACKER_SMTP_URL": "smtp+starttls://bot:secret@mail.example:587",
            "TRACKER_PUBLIC_URL": "https://tracker.example/",
        }
    )
    assert on.enabled and on.public_url == "https://tracker.example"
    assert on.sender == "Tracker <tracker@tracker.example>"
    line = on.describe()
    assert "mail.example:587" in line and "secret" not in line
    with pytest.raises(MailConfigError):
        MailSettings.resolve(mail_from="not an address", env={})
    with pytest.raises(MailConfigError):
        Mailer(off)


def test_serve_says_in_one_line_whether_e_mail_is_on(tmp_path, monkeypatch, capsys):
    import uvicorn

    from server_stub import cli

    for name in ("TRACKER_SMTP_URL", "TRACKER_MAIL_FROM", "TRACKER_PUBLIC_URL"):
        monkeypatch.setenv(name, "")  # restored after the test, whatever serve sets
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: None)
    assert cli.main(["init", "--data-dir", str(tmp_path)]) == 0

    assert cli.main(["serve", "--data-dir", str(tmp_path)]) == 0
    assert "tracker-server: e-mail is off" in capsys.readouterr().err

    url = "smtp+starttls://bot:secret@mail.example:587"
    assert cli.main(["serve", "--data-dir", str(tmp_path), "--smtp-url", url]) == 0
    err = capsys.readouterr().err
    assert "e-mail via smtp+starttls://bot@mail.example:587" in err and "secret" not in err
    import os

    assert os.environ["TRACKER_SMTP_URL"] == url  # the workers rebuild it from there

    assert cli.main(["serve", "--data-dir", str(tmp_path), "--smtp-url", "http://x"]) == 1
    err = capsys.readouterr().err
    assert "SMTP URL must start with" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
def test_tls_and_login(tls, scheme):
    server_ctx, client_ctx = tls
    with SmtpServer(scheme, server_ctx) as server:
        settings = MailSettings.resolve(server.url, "billing@studio-nord.example", env={})
        mid = Mailer(settings, tls=client_ctx).send(["ap@acme.example"], "Over TLS", "text")
        [got] = server.sink.received
        assert got.message["Message-ID"] == mid
        wrong = server.url.replace("s3cret", "wrong")
        with pytest.raises(MailError) as info:
            Mailer(MailSettings.resolve(wrong, env={}), tls=client_ctx).send(
                ["a@b.example"], "s", "t"
            )
        assert info.value.answer.startswith("535")
        # An untrusted certificate is refused: no message goes out in the clear.
        with pytest.raises(MailError) as info:
            Mailer(settings).send(["ap@acme.example"], "s", "t")
        assert "CERTIFICATE_VERIFY_FAILED" in info.value.answer
        assert len(server.sink.received) == 1
