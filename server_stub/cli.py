"""``tracker-server``: init, create-user, set-password, create-token, purge-screenshots, backup,
restore, send-summaries, serve (contract §3).

Exit codes: 0 success, 1 a refused request (one line on stderr), 2 bad usage. Never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence

ROLES = ("admin", "manager", "member", "viewer")


class CliError(Exception):
    pass


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--database-url",
        default=argparse.SUPPRESS,
        help="SQLAlchemy URL (env TRACKER_DATABASE_URL; default SQLite in the data dir; "
        "postgresql+psycopg://user@host/db for PostgreSQL)",
    )
    p.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS,
        help="where the SQLite file and screenshots live (env TRACKER_SERVER_DATA_DIR)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracker-server", description="Tracker's server.")
    _common(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help="create or migrate the database (idempotent)")
    _common(p)

    p = sub.add_parser("create-user", help="create a user")
    _common(p)
    p.add_argument("--email", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--password", help="else TRACKER_PASSWORD, else a prompt")

    p = sub.add_parser("set-password", help="reset a user's password")
    _common(p)
    p.add_argument("--email", required=True)
    p.add_argument("--password", help="else TRACKER_PASSWORD, else a prompt")

    p = sub.add_parser("create-token", help="print a new API token for a headless device")
    _common(p)
    p.add_argument("--email", required=True)
    p.add_argument("--device", required=True)

    p = sub.add_parser(
        "purge-screenshots",
        help="delete screenshots taken more than N days ago and their files (idempotent)",
    )
    _common(p)
    p.add_argument("--older-than-days", type=int, default=90, metavar="N", help="default 90")

    p = sub.add_parser(
        "backup", help="write a consistent copy of the database and stored files to FILE "
        "(while the server serves)",
    )  # fmt: skip
    _common(p)
    p.add_argument("file", metavar="FILE")

    p = sub.add_parser("restore", help="restore FILE into an empty data dir and database")
    _common(p)
    p.add_argument("file", metavar="FILE")

    p = sub.add_parser(
        "send-summaries",
        help="e-mail each project's weekly progress summary to its clients (once per ISO week; "
        "for cron)",
    )
    _common(p)
    p.add_argument("--week", metavar="YYYY-Www", help="the ISO week (default: this week)")
    p.add_argument("--dry-run", action="store_true", help="say what would go out; send nothing")
    _mail_options(p)

    p = sub.add_parser("serve", help="serve the API")
    _common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--ssl-certfile")
    p.add_argument("--ssl-keyfile")
    p.add_argument(
        "--log-level", default="info", choices=("critical", "error", "warning", "info", "debug")
    )
    p.add_argument(
        "--rate-limit", metavar="LIMITS",
        help="per-token request limits, e.g. 100/s,3000/min (the default), or off "
        "(env TRACKER_RATE_LIMIT; per worker process)",
    )  # fmt: skip
    p.add_argument(
        "--cors-origin", action="append", metavar="ORIGIN",
        help="allow cross-origin requests from ORIGIN (repeatable; env TRACKER_CORS_ORIGINS, "
        "comma-separated); CORS is off without it",
    )  # fmt: skip
    p.add_argument(
        "--max-body-bytes", type=int, metavar="N",
        help="largest request body in bytes (default 2 MiB; uploads have their own limits; "
        "env TRACKER_MAX_BODY_BYTES)",
    )  # fmt: skip
    _mail_options(p)
    return parser


def _mail_options(p: argparse.ArgumentParser) -> None:
    """For every command that sends mail (contract §6)."""
    p.add_argument(
        "--smtp-url",
        help="where e-mail goes (env TRACKER_SMTP_URL): smtp://host:port, "
        "smtp+starttls://user:pass@host:587 or smtps://user:pass@host:465; none: e-mail is off",
    )
    p.add_argument("--mail-from", help="the sender, Name <user@host> (env TRACKER_MAIL_FROM)")
    p.add_argument(
        "--public-url", help="this server's address for links in e-mails (env TRACKER_PUBLIC_URL)"
    )


def _mail_settings(args: argparse.Namespace):
    from .services.mail import MailConfigError, MailSettings

    try:
        return MailSettings.resolve(args.smtp_url, args.mail_from, args.public_url)
    except MailConfigError as exc:
        raise CliError(str(exc)) from None


def _password(args: argparse.Namespace) -> str:
    if args.password:
        return args.password
    env = os.environ.get("TRACKER_PASSWORD")
    if env:
        return env
    if not sys.stdin.isatty():
        raise CliError("no password: pass --password, set TRACKER_PASSWORD, or run in a terminal")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise CliError("the passwords differ: run the command again")
    return first


def _settings(args: argparse.Namespace):
    from .settings import Settings

    return Settings.resolve(getattr(args, "database_url", None), getattr(args, "data_dir", None))


def _open(args: argparse.Namespace, *, migrate: bool = False):
    from sqlalchemy.exc import SQLAlchemyError

    from .db.migrate import current_revision, head_revision, upgrade
    from .db.session import Database, make_engine

    settings = _settings(args)
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        engine = make_engine(settings)
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise CliError(f"cannot use database URL: {exc}") from None
    try:
        if migrate:
            upgrade(engine)
        elif current_revision(engine) != head_revision():
            raise CliError(
                "the database is not initialised or is outdated: run tracker-server init"
            )
    except SQLAlchemyError as exc:
        raise CliError(f"cannot open the database: {str(exc).splitlines()[0]}") from None
    return settings, Database(engine)


def _now() -> int:
    import time

    return int(time.time())


def cmd_init(args: argparse.Namespace) -> int:
    settings, db = _open(args, migrate=True)
    db.dispose()
    print(f"database ready: {_redact(settings.database_url)}")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from .api.models import UserIn
    from .errors import ApiError
    from .security import Passwords

    password = _password(args)
    try:
        body = UserIn(email=args.email, name=args.name, role=args.role, password=password)
    except ValueError as exc:
        raise CliError(_first_error(exc)) from None
    settings, db = _open(args)
    from .services.accounts import create_user

    try:
        user = create_user(
            db, Passwords(settings.password_hashing), email=body.email, name=body.name,
            role=body.role, password=body.password, now=_now(),
        )  # fmt: skip
    except ApiError as exc:
        raise CliError(exc.detail) from None
    finally:
        db.dispose()
    print(f"created {user['role']} {user['email']}")
    print(user["id"])
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    from .security import Passwords
    from .services.accounts import set_password

    password = _password(args)
    if len(password) < 8:
        raise CliError("the password is too short: use at least 8 characters")
    settings, db = _open(args)
    try:
        ok = set_password(
            db, Passwords(settings.password_hashing), email=args.email, password=password,
            now=_now(),
        )  # fmt: skip
    finally:
        db.dispose()
    if not ok:
        raise CliError(f"no user with e-mail {args.email}: check the address")
    print(f"password set for {args.email.strip().lower()}")
    return 0


def cmd_create_token(args: argparse.Namespace) -> int:
    from .services.accounts import token_for

    if not args.device.strip() or len(args.device) > 200:
        raise CliError("give a device name of 1 to 200 characters")
    _, db = _open(args)
    try:
        issued = token_for(db, email=args.email, device_name=args.device.strip(), now=_now())
    finally:
        db.dispose()
    if issued is None:
        raise CliError(f"no user with e-mail {args.email}: check the address")
    print(issued.token)
    return 0


def cmd_purge_screenshots(args: argparse.Namespace) -> int:
    from .services.retention import purge_screenshots

    if args.older_than_days < 0:
        raise CliError("--older-than-days must be 0 or more")
    settings, db = _open(args)
    try:
        r = purge_screenshots(
            db, settings.data_dir, older_than_days=args.older_than_days, now=_now()
        )
    finally:
        db.dispose()
    print(
        f"purged {r.screenshots} screenshots older than {args.older_than_days} days; "
        f"removed {r.files} image files ({r.freed_bytes} bytes)"
    )
    return 0


def cmd_send_summaries(args: argparse.Namespace) -> int:
    from .errors import ApiError
    from .services.mail import Mailer
    from .services.summaries import send_summaries

    mail = _mail_settings(args)
    if not args.dry_run and not (mail.enabled and mail.public_url):
        raise CliError(
            "summaries need --smtp-url and --public-url (or TRACKER_SMTP_URL and "
            "TRACKER_PUBLIC_URL); --dry-run shows what would go out without them"
        )
    _, db = _open(args)
    try:
        run = send_summaries(
            db, None if args.dry_run else Mailer(mail), base=mail.public_url or "", now=_now(),
            week=args.week, dry_run=args.dry_run,
        )  # fmt: skip
    except ApiError as exc:
        raise CliError(exc.detail) from None
    finally:
        db.dispose()
    verb = "would send" if args.dry_run else "queued"
    for project, emails in run.planned:
        print(f"{run.week} {project}: {verb} to {', '.join(emails)}")
    print(
        f"{run.week}: {len(run.planned)} new project summaries, {run.already} sent before"
        + ("" if args.dry_run else f"; {run.sent} e-mails sent, {run.failed} failed")
    )
    if run.failed:
        raise CliError(f"{run.failed} e-mails failed: they are sent again by the next run")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    mail = _mail_settings(args)
    settings, db = _open(args)
    db.dispose()
    if args.workers < 1:
        raise CliError("--workers must be at least 1")
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        raise CliError("give both --ssl-certfile and --ssl-keyfile")
    cli_ops.serve_limits(args)
    # Workers are separate processes: they rebuild the settings from the environment.
    os.environ["TRACKER_DATABASE_URL"] = settings.database_url
    os.environ["TRACKER_SERVER_DATA_DIR"] = str(settings.data_dir)
    for name, value in (
        ("TRACKER_SMTP_URL", mail.smtp_url),
        ("TRACKER_MAIL_FROM", mail.mail_from),
        ("TRACKER_PUBLIC_URL", mail.public_url),
    ):
        if value:
            os.environ[name] = value
    print(f"tracker-server: {mail.describe()}", file=sys.stderr)
    uvicorn.run(
        "server_stub.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        log_level=args.log_level,
        proxy_headers=False,
    )
    return 0


from . import cli_ops  # noqa: E402 - it uses this module's helpers at call time

COMMANDS = {
    "init": cmd_init,
    "create-user": cmd_create_user,
    "set-password": cmd_set_password,
    "create-token": cmd_create_token,
    "purge-screenshots": cmd_purge_screenshots,
    "backup": cli_ops.cmd_backup,
    "restore": cli_ops.cmd_restore,
    "send-summaries": cmd_send_summaries,
    "serve": cmd_serve,
}


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(database)"


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        e = errors()[0]
        return f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}"
    return str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CliError as exc:
        print(f"tracker-server: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
