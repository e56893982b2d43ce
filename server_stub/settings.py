"""Typed server settings, resolved once at the entry point and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .services.mail import MailSettings

DB_FILENAME = "tracker-server.sqlite3"
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_BATCH_ITEMS = 1000


def default_data_dir() -> Path:
    env = os.environ.get("TRACKER_SERVER_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("tracker-server", appauthor=False))


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{Path(data_dir).resolve() / DB_FILENAME}"


@dataclass(frozen=True, slots=True)
class PasswordHashing:
    """argon2id parameters (argon2-cffi's RFC 9106 low-memory profile by default)."""

    time_cost: int = 3
    memory_cost: int = 65536  # KiB
    parallelism: int = 4


# Cheap parameters for tests only: never use them for real accounts.
FAST_TEST_HASHING = PasswordHashing(time_cost=1, memory_cost=8, parallelism=1)


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    data_dir: Path
    max_body_bytes: int = MAX_BODY_BYTES
    max_batch_items: int = MAX_BATCH_ITEMS
    password_hashing: PasswordHashing = PasswordHashing()
    # Sign-in throttling: this many wrong passwords for one e-mail from one address within the
    # window blocks that pair for block seconds (429 with Retry-After).
    sign_in_max_failures: int = 10
    sign_in_window_seconds: int = 15 * 60
    sign_in_block_seconds: int = 15 * 60
    # Web pages (server-spec §6.15): browser sessions end after this long idle or in all.
    session_idle_seconds: int = 12 * 3600
    session_max_seconds: int = 30 * 24 * 3600
    # Pool size per process; SQLite serialises writers itself (BEGIN IMMEDIATE).
    pool_size: int = 10
    # With e-mail on: how often the background sender collects chat digests and retries.
    notice_every_seconds: int = 60
    echo_sql: bool = False
    # Outgoing e-mail (contract §6); disabled without an SMTP URL.
    mail: MailSettings = field(default_factory=MailSettings)

    @classmethod
    def resolve(
        cls,
        database_url: str | None = None,
        data_dir: str | Path | None = None,
        mail: MailSettings | None = None,
    ) -> Settings:
        """Settings from explicit values, then the environment, then the defaults."""
        ddir = Path(data_dir) if data_dir else default_data_dir()
        url = database_url or os.environ.get("TRACKER_DATABASE_URL") or sqlite_url(ddir)
        return cls(database_url=url, data_dir=ddir, mail=mail or MailSettings.resolve())

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
