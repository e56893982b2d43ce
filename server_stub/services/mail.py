"""Outgoing e-mail over SMTP (contract §6): one small mailer for invoices and notices.

:class:`MailSettings` is resolved once at the entry point (``--smtp-url`` / ``TRACKER_SMTP_URL``,
``--mail-from`` / ``TRACKER_MAIL_FROM``, ``--public-url`` / ``TRACKER_PUBLIC_URL``) and passed
down; :meth:`Mailer.send` builds a multipart message (text and HTML alternatives, attachments)
and hands it to the server with smtplib, with timeouts. Whatever goes wrong on the way —
refused connection, TLS, authentication, a 4xx/5xx answer — is a :class:`MailError` carrying
the server's answer; nothing else escapes.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
DEFAULT_TIMEOUT_S = 20.0

Attachment = tuple[str, bytes, str]  # (file name, content, MIME type)


class MailError(Exception):
    """Sending failed; ``answer`` is what the SMTP server (or the connection) said."""

    def __init__(self, answer: str, *, permanent: bool = False) -> None:
        super().__init__(answer)
        self.answer = answer
        self.permanent = permanent  # a 5xx answer: retrying the same message will not help


class MailConfigError(ValueError):
    """A mail setting cannot be used; the message says which and how to fix it."""


@dataclass(frozen=True, slots=True)
class SmtpEndpoint:
    scheme: str  # smtp | smtp+starttls | smtps
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never show the password
        return f"SmtpEndpoint({self.scheme}://{self.host}:{self.port}, user={self.username!r})"


def parse_smtp_url(url: str) -> SmtpEndpoint:
    """``smtp://host:port``, ``smtp+starttls://user:pass@host:587``, ``smtps://user:pass@host``."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise MailConfigError(f"the SMTP URL is not valid ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise MailConfigError(
            f"the SMTP URL must start with {', '.join(s + '://' for s in SCHEMES)}"
        )
    if not parts.hostname:
        raise MailConfigError("the SMTP URL names no host: smtp://host:port")
    return SmtpEndpoint(
        scheme=scheme,
        host=parts.hostname,
        port=port or SCHEMES[scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def _redact(url: str) -> str:
    ep = parse_smtp_url(url)
    user = f"{ep.username}@" if ep.username else ""
    return f"{ep.scheme}://{user}{ep.host}:{ep.port}"


@dataclass(frozen=True, slots=True)
class MailSettings:
    smtp_url: str | None = None
    mail_from: str | None = None
    public_url: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S

    @classmethod
    def resolve(
        cls,
        smtp_url: str | None = None,
        mail_from: str | None = None,
        public_url: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> MailSettings:
        """From explicit values, then the environment; a bad URL is a :class:`MailConfigError`."""
        env = os.environ if env is None else env
        settings = cls(
            smtp_url=(smtp_url or env.get("TRACKER_SMTP_URL") or "").strip() or None,
            mail_from=(mail_from or env.get("TRACKER_MAIL_FROM") or "").strip() or None,
            public_url=(public_url or env.get("TRACKER_PUBLIC_URL") or "").strip().rstrip("/")
            or None,
        )
        if settings.smtp_url:
            parse_smtp_url(settings.smtp_url)
        if settings.mail_from and "@" not in parseaddr(settings.mail_from)[1]:
            raise MailConfigError("--mail-from must be an e-mail address: Name <user@host>")
        if settings.public_url and urlsplit(settings.public_url).scheme not in ("http", "https"):
            raise MailConfigError("--public-url must start with http:// or https://")
        return settings

    @property
    def enabled(self) -> bool:
        return bool(self.smtp_url)

    @property
    def sender(self) -> str:
        if self.mail_from:
            return self.mail_from
        host = urlsplit(self.public_url).hostname if self.public_url else None
        return formataddr(("Tracker", f"tracker@{host or 'localhost'}"))

    def describe(self) -> str:
        """One line for the server's start: where mail goes, or that it is off."""
        if not self.enabled:
            return "e-mail is off: no --smtp-url (TRACKER_SMTP_URL) given"
        return f"e-mail via {_redact(self.smtp_url)} from {self.sender}"


def _connect(ep: SmtpEndpoint, timeout: float, tls: ssl.SSLContext | None) -> smtplib.SMTP:
    context = tls or ssl.create_default_context()
    if ep.scheme == "smtps":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(ep.host, ep.port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(ep.host, ep.port, timeout=timeout)
    if ep.scheme == "smtp+starttls":
        smtp.starttls(context=context)
    if ep.username:
        smtp.login(ep.username, ep.password or "")
    return smtp


def _answer(exc: Exception) -> tuple[str, bool]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (0, b""))
        return f"{code} {_text(text)}", code >= 500
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}", exc.smtp_code >= 500
    if isinstance(exc, TimeoutError):
        return "the SMTP server did not answer in time", False
    return f"{type(exc).__name__}: {exc}", False


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class Mailer:
    """Sends over the configured SMTP server; one connection per message."""

    def __init__(self, settings: MailSettings, *, tls: ssl.SSLContext | None = None) -> None:
        if not settings.enabled:
            raise MailConfigError("no SMTP server configured (--smtp-url)")
        self.settings = settings
        self._endpoint = parse_smtp_url(settings.smtp_url or "")
        self._tls = tls

    def message(
        self,
        to: Sequence[str],
        subject: str,
        text: str,
        html: str | None = None,
        attachments: Sequence[Attachment] = (),
    ) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.settings.sender
        msg["To"] = ", ".join(to)
        msg["Subject"] = subject
        domain = parseaddr(self.settings.sender)[1].rpartition("@")[2] or None
        msg["Message-ID"] = make_msgid(domain=domain)
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
        for filename, data, mimetype in attachments:
            maintype, _, subtype = mimetype.partition("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        return msg

    def send(
        self,
        to: Sequence[str],
        subject: str,
        text: str,
        html: str | None = None,
        attachments: Sequence[Attachment] = (),
    ) -> str:
        """Send one message; its Message-ID, or :class:`MailError` with the server's answer."""
        if not to:
            raise MailError("no recipients", permanent=True)
        msg = self.message(to, subject, text, html, attachments)
        try:
            smtp = _connect(self._endpoint, self.settings.timeout_s, self._tls)
            try:
                smtp.send_message(msg, to_addrs=list(to))
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            answer, permanent = _answer(exc)
            raise MailError(answer, permanent=permanent) from None
        return msg["Message-ID"]
