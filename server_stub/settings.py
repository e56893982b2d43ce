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


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket: ``requests`` at most at once, refilled at ``requests`` per ``seconds``."""

    requests: int
    seconds: int

    def __str__(self) -> str:
        unit = {1: "s", 60: "min", 3600: "h"}.get(self.seconds)
        return f"{self.requests}/{unit}" if unit else f"{self.requests}/{self.seconds}s"


#: Per token (contract §4b'): 100 requests/s burst, 3,000/min sustained.
DEFAULT_RATE_LIMITS = (RateLimit(100, 1), RateLimit(3000, 60))
_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


def parse_rate_limits(text: str) -> tuple[RateLimit, ...]:
    """``"100/s,3000/min"`` (each limit applies), or ``"off"``; ValueError saying what is wrong."""
    text = text.strip().lower()
    if text in ("off", "none", "0"):
        return ()
    limits = []
    for part in text.split(","):
        count, _, unit = part.strip().partition("/")
        if not count.strip().isdigit() or int(count) < 1 or unit.strip() not in _UNITS:
            raise ValueError(
                f"bad rate limit {part.strip()!r}: write N/s, N/min or N/h (comma-separated), "
                "or off"
            )
        limits.append(RateLimit(int(count), _UNITS[unit.strip()]))
    return tuple(limits)


def parse_origins(text: str) -> tuple[str, ...]:
    """Comma-separated origins allowed cross-origin (``https://app.example.com``); ValueError."""
    origins = tuple(o.strip().rstrip("/") for o in text.split(",") if o.strip())
    for o in origins:
        scheme, sep, host = o.partition("://")
        if o != "*" and (scheme not in ("http", "https") or not sep or not host or "/" in host):
            raise ValueError(f"bad CORS origin {o!r}: write scheme://host[:port], or *")
    return origins


def _from_env() -> dict:
    """Operations settings from the environment (how ``serve`` hands them to its workers)."""
    out: dict = {}
    if os.environ.get("TRACKER_RATE_LIMIT"):
        out["rate_limits"] = parse_rate_limits(os.environ["TRACKER_RATE_LIMIT"])
    if os.environ.get("TRACKER_CORS_ORIGINS"):
        out["cors_origins"] = parse_origins(os.environ["TRACKER_CORS_ORIGINS"])
    if os.environ.get("TRACKER_MAX_BODY_BYTES", "").isdigit():
        out["max_body_bytes"] = int(os.environ["TRACKER_MAX_BODY_BYTES"])
    return out


# Cheap parameters for tests only: never use them for real accounts.
FAST_TEST_HASHING = PasswordHashing(time_cost=1, memory_cost=8, parallelism=1)


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    data_dir: Path
    max_body_bytes: int = MAX_BODY_BYTES  # every request body (uploads have their own)
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
    # Per-token request limits (token buckets, per process); () turns them off.
    rate_limits: tuple[RateLimit, ...] = DEFAULT_RATE_LIMITS
    # Origins allowed cross-origin requests; none by default (CORS off).
    cors_origins: tuple[str, ...] = ()
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
        return cls(
            database_url=url, data_dir=ddir, mail=mail or MailSettings.resolve(), **_from_env()
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
