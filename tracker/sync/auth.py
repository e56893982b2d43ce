"""Where the sign-in lives: the token in the OS keyring, never in the database, a log or a file.

``TRACKER_TOKEN`` (with ``TRACKER_SERVER``, else the stored server URL) replaces the keyring on
machines without one (a token from ``tracker-server create-token``). The database keeps only
what is not secret: the server URL (setting ``server.url``), the account's e-mail and user id.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from ..store import sync_state as ss
from ..store.repo import Store
from .errors import NoKeyring, NotSignedIn

SERVICE = "tracker"
NO_KEYRING = (
    "no usable OS keyring to keep the sign-in in (Secret Service/gnome-keyring, KWallet, macOS "
    "Keychain or Windows Credential Locker): start one (e.g. run inside a desktop session), or "
    "set TRACKER_TOKEN (from `tracker-server create-token`) and TRACKER_SERVER instead"
)
# Backends that keep secrets in a plain (or merely encoded) file: refused.
_REFUSED = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt.file")


@dataclass(frozen=True, slots=True)
class Credentials:
    url: str
    token: str
    email: str | None
    source: str  # "env" or "keyring"


def _account(url: str, email: str) -> str:
    return f"{email} at {url}"


def _backend():
    try:
        import keyring
        from keyring.backends import chainer
    except Exception:  # not installed or broken: the same advice
        raise NoKeyring(NO_KEYRING) from None
    kr = keyring.get_keyring()
    inner = kr.backends if isinstance(kr, chainer.ChainerBackend) else [kr]
    usable = [b for b in inner if not type(b).__module__.startswith(_REFUSED)]
    if not usable:
        raise NoKeyring(NO_KEYRING)
    return usable[0]


def save_token(url: str, email: str, token: str) -> None:
    backend = _backend()
    try:
        backend.set_password(SERVICE, _account(url, email), token)
    except Exception as exc:
        raise NoKeyring(
            f"the keyring refused the token ({type(exc).__name__}): {NO_KEYRING}"
        ) from None


def read_token(url: str, email: str) -> str | None:
    try:
        return _backend().get_password(SERVICE, _account(url, email))
    except NoKeyring:
        raise
    except Exception as exc:
        raise NoKeyring(f"cannot read the keyring ({type(exc).__name__}): {NO_KEYRING}") from None


def forget_token(url: str, email: str) -> bool:
    try:
        backend = _backend()
    except NoKeyring:
        return False
    try:
        backend.delete_password(SERVICE, _account(url, email))
    except Exception:  # keyring.errors.PasswordDeleteError: nothing stored
        return False
    return True


def env_credentials(store: Store | None = None) -> Credentials | None:
    token = os.environ.get("TRACKER_TOKEN", "").strip()
    if not token:
        return None
    url = os.environ.get("TRACKER_SERVER", "").strip()
    if not url and store is not None:
        url = store.get_setting("server.url") or ""
    if not url:
        raise NotSignedIn("TRACKER_TOKEN is set but no server: set TRACKER_SERVER=URL too")
    return Credentials(url.rstrip("/"), token, None, "env")


def signed_in(store: Store) -> bool:
    """Cheap (no keyring, no network): is this profile set up to sync?"""
    return bool(os.environ.get("TRACKER_TOKEN") or store.get_setting("server.url"))


def credentials(store: Store) -> Credentials:
    env = env_credentials(store)
    if env is not None:
        return env
    url = store.get_setting("server.url")
    email = ss.get(store, "email")
    if not url or not email:
        raise NotSignedIn("not signed in: run `tracker login URL --email EMAIL` first")
    token = read_token(url, email)
    if not token:
        raise NotSignedIn(
            f"no sign-in for {email} at {url} in the keyring: run `tracker login {url} "
            f"--email {email}` again"
        )
    return Credentials(url, token, email, "keyring")


def device_name(store: Store) -> str:
    return ss.get(store, "device_name") or socket.gethostname() or "desktop"
