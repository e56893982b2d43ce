"""Sign-in, sign-out and one sync, wired from the store, the keyring and the transport.

The composition the `tracker` command and the desktop app share.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..store import sync_state as ss
from ..store.repo import Store
from . import auth
from .engine import SyncEngine, SyncReport
from .errors import AuthRequired, Refused, SyncError, Unreachable
from .transport import Backoff, HttpTransport

LOGIN_BACKOFF = Backoff(attempts=2, budget=2.0)


@dataclass(frozen=True, slots=True)
class SignedIn:
    url: str
    email: str
    user_id: str
    name: str
    role: str


def _normal_url(url: str) -> str:
    u = url.strip().rstrip("/")
    if u.endswith("/api/v1"):
        u = u[: -len("/api/v1")]
    if not (u.startswith("http://") or u.startswith("https://")):
        from ..errors import UsageError

        raise UsageError(f"'{url}' is not a server URL: give http(s)://host[:port]")
    return u


def login(store: Store, url: str, email: str, password: str) -> SignedIn:
    url = _normal_url(url)
    auth._backend()  # fail before asking the server for a token we could not keep
    device = auth.device_name(store)
    t = HttpTransport(url, backoff=LOGIN_BACKOFF, connect_timeout=5, read_timeout=30)
    try:
        try:
            resp = t.request(
                "POST", "/auth/token",
                json_body={"email": email, "password": password, "device_name": device},
            )  # fmt: skip
        except AuthRequired:
            raise SyncError(
                "wrong e-mail or password: check them and run `tracker login` again"
            ) from None
        except Refused as exc:
            if exc.code == "too_many_attempts":
                raise SyncError(
                    f"{exc.detail or 'too many failed sign-ins'}: check the password, then run "
                    "`tracker login` again"
                ) from None
            raise SyncError(
                f"the server refused the sign-in ({exc.code or exc.status}"
                f"{': ' + exc.detail if exc.detail else ''})"
            ) from None
        data = resp.data or {}
        token, user = data.get("token"), data.get("user") or {}
        if not token or not user.get("id"):
            raise SyncError(f"{url} did not answer like a Tracker server: check the URL")
        auth.save_token(url, email, token)
    finally:
        t.close()
    with store.transaction():
        previous = (store.get_setting("server.url"), ss.get(store, "user_id"))
        if previous != (url, user["id"]):
            # Another server or account: start the pull from the beginning.
            ss.put(store, "cursor", None)
        store.set_setting("server.url", url)
        if user.get("role"):  # what the tray offers (the web dashboard for managers)
            store.set_setting("server.role", user["role"])
        else:
            store.delete_setting("server.role")
        ss.put(store, "email", email)
        ss.put(store, "user_id", user["id"])
        ss.put(store, "device_name", device)
    return SignedIn(url, email, user["id"], user.get("name", ""), user.get("role", ""))


def logout(store: Store) -> tuple[str | None, bool]:
    """Revoke the token on the server when reachable, forget it here. (url, revoked)."""
    url = store.get_setting("server.url")
    email = ss.get(store, "email")
    revoked = False
    token = None
    if url and email:
        try:
            token = auth.read_token(url, email)
        except SyncError:
            token = None
    if url and token:
        t = HttpTransport(url, token, backoff=LOGIN_BACKOFF, connect_timeout=3, read_timeout=10)
        try:
            t.request("DELETE", "/auth/token", retry=False)
            revoked = True
        except AuthRequired:
            revoked = True  # already revoked
        except SyncError:
            revoked = False
        finally:
            t.close()
    if url and email:
        auth.forget_token(url, email)
    with store.transaction():
        store.delete_setting("server.url")
        store.delete_setting("server.role")
        ss.put(store, "email", None)
    return url, revoked


def make_transport(creds: auth.Credentials, **kw) -> HttpTransport:
    return HttpTransport(creds.url, creds.token, user_agent=f"tracker/{socket.gethostname()}", **kw)


def web_link(store: Store, next_path: str = "/dashboard") -> str:
    """A one-time link that opens the server's web pages signed in as this device's account
    (``POST /auth/web-link``: good for 60 seconds, once). Raises the transport's errors:
    :class:`Unreachable`, :class:`Refused` (404 from a server too old to have it), ...; the
    caller falls back to the sign-in page."""
    creds = auth.credentials(store)
    t = make_transport(creds, backoff=LOGIN_BACKOFF, connect_timeout=3, read_timeout=10)
    try:
        resp = t.request("POST", "/auth/web-link", json_body={"next": next_path})
    finally:
        t.close()
    url = (resp.data or {}).get("url") if isinstance(resp.data, dict) else None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise SyncError(f"{creds.url} did not answer with a sign-in link")
    return url


def sync_once(store: Store, tz: ZoneInfo | None = None, **transport_kw) -> SyncReport:
    creds = auth.credentials(store)
    t = make_transport(creds, **transport_kw)
    try:
        engine = SyncEngine(store, t, device_name=auth.device_name(store), tz=tz)
        return engine.sync()
    finally:
        t.close()


__all__ = ["SignedIn", "Unreachable", "login", "logout", "sync_once", "web_link"]
