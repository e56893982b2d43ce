"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, or refuses it."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class SmtpSink:
    """aiosmtpd's handler: keeps each message, or answers ``refuse`` to every DATA."""

    refuse: str | None = None
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return self.refuse
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK queued"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """``url`` to configure; ``sink.received`` to read back; ``sink.refuse`` to make it say no.

    With ``tls`` (a server context) and ``scheme`` ``smtp+starttls`` it requires STARTTLS and a
    login (``USER``/``PASSWORD``); with ``smtps`` it speaks TLS from the first byte.
    """

    USER, PASSWORD = "bot", "s3cret:pass"

    def __init__(self, scheme: str = "smtp", tls: ssl.SSLContext | None = None) -> None:
        from aiosmtpd.controller import Controller

        self.sink = SmtpSink()
        self.port = free_port()
        self.scheme = scheme
        kw: dict = {}
        if scheme == "smtp+starttls":
            kw = {"tls_context": tls, "require_starttls": True, "auth_require_tls": True,
                  "authenticator": self._authenticate}  # fmt: skip
        elif scheme == "smtps":
            # TLS from the first byte: aiosmtpd does not count it as TLS for AUTH, so say so.
            kw = {"ssl_context": tls, "auth_require_tls": False,
                  "authenticator": self._authenticate}  # fmt: skip
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port, **kw)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (self.USER, self.PASSWORD)
        return AuthResult(success=ok, handled=False)

    @property
    def url(self) -> str:
        if self.scheme == "smtp":
            return f"smtp://127.0.0.1:{self.port}"
        return f"{self.scheme}://{self.USER}:{quote(self.PASSWORD, safe='')}@127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()


def self_signed(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A certificate for 127.0.0.1 (openssl): (the server's context, a client's that trusts it)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))
