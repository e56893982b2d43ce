"""Password hashes (argon2id) and opaque API tokens (stored only as SHA-256 hashes)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .settings import PasswordHashing

TOKEN_PREFIX = "trk_"


class Passwords:
    def __init__(self, params: PasswordHashing) -> None:
        self._ph = PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_cost,
            parallelism=params.parallelism,
        )
        # Verified against when the e-mail is unknown, so timing does not reveal accounts.
        self._dummy = self._ph.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._ph.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._ph.verify(stored or self._dummy, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self._ph.check_needs_rehash(stored)
        except InvalidHashError:
            return False


def new_token() -> tuple[str, str, str]:
    """A fresh token: (the token shown once, its display prefix, its hash for storage)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token[:12], token_hash(token)


def token_hash(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough (no offline guessing possible).
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
