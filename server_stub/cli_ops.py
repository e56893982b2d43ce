"""``tracker-server`` commands for operations: ``backup``, ``restore`` and ``serve``'s limits.

Split from :mod:`server_stub.cli` (same conventions: one line on stderr and exit 1 for a
refused request, via :class:`~server_stub.cli.CliError`).
"""

from __future__ import annotations

import argparse
import os

from .cli import CliError, _open, _settings


def _summary(s) -> str:
    mib = s.blob_bytes / (1 << 20)
    missing = f"; {len(s.missing)} referenced files were already deleted" if s.missing else ""
    return (f"{s.database} database at revision {s.revision}, {s.rows} rows in {s.tables} "
            f"tables, {s.files} stored files ({mib:.1f} MiB){missing}")  # fmt: skip


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .services.backup import BackupError, backup

    settings, db = _open(args)
    db.dispose()
    try:
        s = backup(settings, Path(args.file))
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(f"backup written to {s.path}: {_summary(s)}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from .db.migrate import upgrade
    from .db.session import make_engine
    from .services.backup import BackupError, restore

    settings = _settings(args)
    try:
        s = restore(settings, Path(args.file))
    except BackupError as exc:
        raise CliError(str(exc)) from None
    engine = make_engine(settings)
    try:
        upgrade(engine)  # a backup of an older schema is brought up to date
    except SQLAlchemyError as exc:
        raise CliError(
            f"restored, but the schema upgrade failed: {str(exc).splitlines()[0]}"
        ) from None
    finally:
        engine.dispose()
    print(f"restored {s.path} into {settings.data_dir}: {_summary(s)}")
    return 0


def serve_limits(args: argparse.Namespace) -> None:
    """Check ``serve``'s limit options and hand them to the workers in the environment."""
    from .settings import parse_origins, parse_rate_limits

    try:
        if args.rate_limit is not None:
            parse_rate_limits(args.rate_limit)
            os.environ["TRACKER_RATE_LIMIT"] = args.rate_limit
        if args.cors_origin:
            os.environ["TRACKER_CORS_ORIGINS"] = ",".join(parse_origins(",".join(args.cors_origin)))
        parse_origins(os.environ.get("TRACKER_CORS_ORIGINS", ""))
        parse_rate_limits(os.environ.get("TRACKER_RATE_LIMIT", "off"))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.max_body_bytes is not None:
        if args.max_body_bytes < 1024:
            raise CliError("--max-body-bytes must be at least 1024")
        os.environ["TRACKER_MAX_BODY_BYTES"] = str(args.max_body_bytes)
