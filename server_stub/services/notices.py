"""E-mail notices (server-spec §6.15): task assignments, chat digests, the outbox that sends them.

Every notice is first rendered into a ``notices`` row (text and HTML, links to the public URL)
inside the transaction that caused it, under a unique ``key`` — so it happens once. Sending
claims rows (``pending``/``failed`` → ``sending``) in a serialised write transaction, which is
what keeps several server processes on PostgreSQL from sending one notice twice; a refused send
is recorded as ``failed`` with the SMTP answer and retried by the next run (at most
``MAX_ATTEMPTS`` times). A row left ``sending`` by a process killed mid-send is not retried:
better one notice lost than one sent twice.

Chat digests: :mod:`.messages` queues each message for the other side in ``chat_pending``;
:func:`collect_digests` turns what waits for a person into one e-mail when their last digest
is 15 minutes old (``chat_digests``, in the database, so the rule holds across processes).
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, delete, insert, select, update

from ..db.session import Database
from ..db.tables import chat_digests, chat_pending, messages, notices, projects, users
from ..ids import new_id
from ..timefmt import utc_datetime
from .mail import MailError

log = logging.getLogger("server_stub.notices")

DIGEST_EVERY_S = 15 * 60
MAX_ATTEMPTS = 8
CLAIM_BATCH = 50
EXCERPT_CHARS = 500


class Mailer(Protocol):
    """What sends one e-mail (``server_stub.services.mail.Mailer``); raises on refusal."""

    def send(self, to: Sequence[str], subject: str, text: str, html: str | None = None) -> str: ...


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def mail_on(state: Any) -> bool:
    return state.mailer is not None


def public_url(state: Any, request: Any = None) -> str:
    """Where links in e-mails and share links point: ``--public-url``, else the request's."""
    if state.public_url:
        return state.public_url.rstrip("/")
    return str(request.base_url).rstrip("/") if request is not None else ""


def landing(base: str, role: str, project_id: str | None = None) -> str:
    """The page a person opens from a notice: viewers their portal page, the team theirs; a
    contact without an account the sign-in page."""
    if role == "contact":
        return f"{base}/login"
    if role == "viewer":
        return f"{base}/portal/projects/{project_id}" if project_id else f"{base}/portal"
    return f"{base}/dashboard" if role in ("admin", "manager") else f"{base}/me"


def page(title: str, paragraphs: Iterable[str], link: str, link_text: str) -> str:
    """A plain HTML e-mail body: escaped paragraphs and one link."""
    body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'</head><body>{body}<p><a href="{html.escape(link, quote=True)}">'
        f"{html.escape(link_text)}</a></p></body></html>"
    )


def queue(
    conn: Connection, *, key: str, kind: str, to_email: str, rendered: Rendered, now: int,
    user_id: str | None = None, project_id: str | None = None,
) -> bool:  # fmt: skip
    """Add a notice to the outbox unless one with ``key`` exists; whether it was added. Call
    inside a write transaction (serialised: the check and the insert cannot interleave)."""
    if conn.execute(select(notices.c.id).where(notices.c.key == key)).first() is not None:
        return False
    conn.execute(
        insert(notices).values(
            id=new_id(), key=key, kind=kind, user_id=user_id, to_email=to_email,
            project_id=project_id, subject=rendered.subject[:300], text_body=rendered.text,
            html_body=rendered.html, status="pending", attempts=0, created_at=now,
            updated_at=now,
        )
    )  # fmt: skip
    return True


# -- task assignment ------------------------------------------------------------------------


def queue_assignment(
    conn: Connection, *, task: Any, assignee: Any, project_name: str, by_name: str, base: str,
    now: int,
) -> bool:  # fmt: skip
    """The notice that ``assignee`` (a users row) now has ``task`` (a tasks row)."""
    link = landing(base, assignee.role, task.project_id)
    lines = [
        f"Hello {assignee.name},",
        f"{by_name} assigned you the task “{task.title}” in {project_name}.",
    ]
    rendered = Rendered(
        f"Task assigned to you: {task.title}",
        "\n\n".join(lines) + f"\n\nOpen Tracker: {link}\n",
        page("Task assigned to you", lines, link, "Open Tracker"),
    )
    return queue(
        conn, key=f"assign:{task.id}:{task.revision}", kind="assignment",
        to_email=assignee.email, rendered=rendered, now=now, user_id=assignee.id,
        project_id=task.project_id,
    )  # fmt: skip


# -- chat digests ---------------------------------------------------------------------------


def _digest(person: Any, rows: list[Any], base: str) -> Rendered:
    projects_seen = list(dict.fromkeys((r.project_id, r.project_name) for r in rows))
    n = len(rows)
    lines = [f"Hello {person.name},", f"{n} new message{'s' if n != 1 else ''} for you:"]
    for pid, pname in projects_seen:
        lines.append(f"— {pname} —")
        for r in (r for r in rows if r.project_id == pid):
            body = r.body if len(r.body) <= EXCERPT_CHARS else r.body[:EXCERPT_CHARS] + "…"
            when = utc_datetime(r.created_at).strftime("%Y-%m-%d %H:%M UTC")
            lines.append(f"{r.author} ({when}):\n{body}")
    first = projects_seen[0][0] if len(projects_seen) == 1 else None
    link = landing(base, person.role, first)
    names = ", ".join(p for _, p in projects_seen)
    return Rendered(
        f"New messages in {names}"[:300],
        "\n\n".join(lines) + f"\n\nReply in Tracker: {link}\n",
        page("New messages", lines, link, "Reply in Tracker"),
    )


def collect_digests(db: Database, *, base: str, now: int) -> int:
    """Turn the messages waiting for each person whose last digest is 15 minutes old (or who
    never had one) into one digest notice each; how many were made."""
    made = 0
    due_before = now - DIGEST_EVERY_S
    with db.read() as conn:  # the common case, nothing waits: no write lock taken
        if conn.execute(select(chat_pending.c.user_id).limit(1)).first() is None:
            return 0
    with db.write() as tx:  # holds the change counter: one process at a time collects
        conn = tx.conn
        waiting = conn.execute(
            select(chat_pending.c.user_id)
            .outerjoin(chat_digests, chat_digests.c.user_id == chat_pending.c.user_id)
            .where(
                (chat_digests.c.last_sent_at.is_(None))
                | (chat_digests.c.last_sent_at <= due_before)
            )
            .distinct()
        ).all()
        for (uid,) in waiting:
            person = conn.execute(select(users).where(users.c.id == uid)).one()
            author = users.alias("author")
            rows = conn.execute(
                select(
                    messages.c.id, messages.c.project_id, messages.c.body, messages.c.created_at,
                    projects.c.name.label("project_name"), author.c.name.label("author"),
                )
                .select_from(
                    chat_pending.join(messages, messages.c.id == chat_pending.c.message_id)
                    .join(projects, projects.c.id == messages.c.project_id)
                    .join(author, author.c.id == messages.c.user_id)
                )
                .where(chat_pending.c.user_id == uid)
                .order_by(projects.c.name, messages.c.project_id, messages.c.seq)
            ).all()  # fmt: skip
            conn.execute(delete(chat_pending).where(chat_pending.c.user_id == uid))
            if person.archived_at is not None or not rows:
                continue
            if queue(
                conn, key=f"digest:{uid}:{now}", kind="digest", to_email=person.email,
                rendered=_digest(person, rows, base), now=now, user_id=uid,
            ):  # fmt: skip
                made += 1
            stamp = conn.execute(
                update(chat_digests).where(chat_digests.c.user_id == uid).values(last_sent_at=now)
            )
            if stamp.rowcount == 0:
                conn.execute(insert(chat_digests).values(user_id=uid, last_sent_at=now))
    return made


# -- the outbox -----------------------------------------------------------------------------


def _claim(db: Database, now: int, kinds: tuple[str, ...] | None) -> list[Any]:
    q = (
        select(notices)
        .where(notices.c.status.in_(("pending", "failed")))
        .where(notices.c.attempts < MAX_ATTEMPTS)
        .order_by(notices.c.created_at, notices.c.id)
        .limit(CLAIM_BATCH)
    )
    if kinds is not None:
        q = q.where(notices.c.kind.in_(kinds))
    with db.read() as conn:  # the common case, an empty outbox: no write lock taken
        if conn.execute(q.with_only_columns(notices.c.id)).first() is None:
            return []
    with db.write() as tx:
        rows = tx.conn.execute(q).all()
        if rows:
            tx.conn.execute(
                update(notices)
                .where(notices.c.id.in_([r.id for r in rows]))
                .values(status="sending", attempts=notices.c.attempts + 1, updated_at=now)
            )
    return rows


def _send(mailer: Mailer, row: Any) -> str:
    """One notice through the mailer; its Message-ID."""
    return mailer.send([row.to_email], row.subject, row.text_body, row.html_body)


def deliver(
    db: Database, mailer: Mailer, *, now: int, kinds: tuple[str, ...] | None = None
) -> DeliveryReport:
    """Send what the outbox holds (new notices and failed ones again)."""
    sent = failed = 0
    while rows := _claim(db, now, kinds):
        for row in rows:
            try:
                message_id, status, error = _send(mailer, row), "sent", None
            except MailError as exc:
                message_id, status, error = None, "failed", exc.answer[:2000]
                log.warning("e-mail %s to %s failed: %s", row.kind, row.to_email, error)
            with db.small_write() as conn:
                conn.execute(
                    update(notices)
                    .where(notices.c.id == row.id)
                    .values(
                        status=status, message_id=message_id, last_error=error, updated_at=now,
                        sent_at=now if status == "sent" else None,
                    )
                )  # fmt: skip
            sent += status == "sent"
            failed += status == "failed"
        if failed:
            break  # the SMTP server refuses: leave the rest for the next run
    return DeliveryReport(sent, failed)


def run_once(db: Database, mailer: Mailer, *, base: str, now: int) -> DeliveryReport:
    """Collect the digests that are due, then send the outbox."""
    collect_digests(db, base=base, now=now)
    return deliver(db, mailer, now=now)


def send_soon(state: Any, background: Any) -> None:
    """After the response: send what a request queued (when e-mail is on)."""
    if state.mailer is not None:
        background.add_task(
            run_once, state.db, state.mailer, base=public_url(state), now=state.now()
        )


async def sender_loop(state: Any, every_s: float) -> None:
    """The server's background sender: every ``every_s`` seconds, digests due and retries."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await asyncio.to_thread(
                run_once, state.db, state.mailer, base=public_url(state), now=state.now()
            )
        except Exception:  # never let one bad run stop the loop
            log.exception("sending e-mail notices failed")
