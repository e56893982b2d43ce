"""Schemathesis over the whole API on SQLite and PostgreSQL: stateless cases per operation, then
stateful sequences along the links schemathesis infers (``POST /projects`` → ``GET
/projects/{id}`` → ``PATCH`` …), signed in as an admin on a database with a team in it.

Target: 0 server errors (5xx) in ``--cases`` requests per database. Also reported: answers
that do not conform to the schema (status, content type, body), by check, and the statuses
seen. The stateless half is the baseline: the stateful half must reach the same 0 while
calling operations with ids that exist.

    .venv/bin/python benchmarks/api_fuzz.py --cases 5000      # the issue's figure
    .venv/bin/python benchmarks/api_fuzz.py --cases 500 --only sqlite
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
import warnings
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "server")]

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import settings as hsettings
    from hypothesis.errors import FlakyStrategyDefinition
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )
    from starlette.testclient import TestClient

from pgtest import throwaway_database  # noqa: E402
from srvutil import API, PASSWORD, reset_database  # noqa: E402

from server_stub.app import create_app  # noqa: E402
from server_stub.db.migrate import upgrade  # noqa: E402
from server_stub.db.session import make_engine  # noqa: E402
from server_stub.services.accounts import create_user  # noqa: E402
from server_stub.settings import FAST_TEST_HASHING, Settings  # noqa: E402

CHECKS = {
    "server_error": not_a_server_error,
    "status_code": status_code_conformance,
    "content_type": content_type_conformance,
    "body": response_schema_conformance,
}


class Tally:
    def __init__(self) -> None:
        self.n = 0
        self.restarts = 0  # stateful runs begun again after Hypothesis saw the state move
        self.status: Counter[int] = Counter()
        self.failed: Counter[str] = Counter()
        self.examples: dict[str, str] = {}

    def check(self, response, case) -> None:
        self.n += 1
        self.status[response.status_code] += 1
        for name, check in CHECKS.items():
            try:
                case.validate_response(response, checks=[check])
            except Exception as exc:  # a check failed: count it, go on
                self.failed[name] += 1
                self.examples.setdefault(
                    name, f"{case.method} {case.path} -> {response.status_code}: "
                    f"{str(exc).strip().splitlines()[0][:160]}"
                )  # fmt: skip


def _setup(url: str, tmp: Path):
    settings = dataclasses.replace(
        Settings(database_url=url, data_dir=tmp), password_hashing=FAST_TEST_HASHING,
        rate_limits=(),
    )  # fmt: skip
    engine = make_engine(settings)
    upgrade(engine)
    reset_database(engine)
    engine.dispose()
    app = create_app(settings)
    st = app.state.tracker
    for email, role in (("admin@example.com", "admin"), ("member@example.com", "member")):
        create_user(st.db, st.passwords, email=email, name=role, role=role, password=PASSWORD,
                    now=st.now())  # fmt: skip
    return app


def _token(client, email: str = "admin@example.com", device: str = "fuzz") -> str:
    r = client.post(API + "/auth/token", json={"email": email, "password": PASSWORD,
                                               "device_name": device})  # fmt: skip
    assert r.status_code == 201, r.text
    return r.json()["token"]


def _headers(case, client, token: str) -> dict:
    revoke = case.method.upper() == "DELETE" and case.path.endswith("/auth/token")
    t = _token(client, device="fuzz-revoke") if revoke else token
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    return {**headers, "Authorization": f"Bearer {t}"}


def run_db(kind: str, url: str, cases: int, tmp: Path) -> tuple[Tally, Tally, float]:
    app = _setup(url, tmp)
    with TestClient(app) as client:
        token = _token(client)
        member = _token(client, "member@example.com")
        # a team to find: a project with the member and a task
        h = {"Authorization": f"Bearer {token}"}
        p = client.post(API + "/projects", json={"name": "Fuzz"}, headers=h).json()
        client.put(f"{API}/projects/{p['id']}/members/{_me(client, member)}", json={}, headers=h)
        client.post(f"{API}/projects/{p['id']}/tasks", json={"title": "T"}, headers=h)
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        ops = [r.ok() for r in schema.get_all_operations()]
        per_op = max(1, cases // 2 // (2 * len(ops)))
        stateless = Tally()
        t0 = time.perf_counter()
        for op in ops:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @given(case=op.as_strategy(generation_mode=mode))
                @hsettings(max_examples=per_op, deadline=None, database=None, derandomize=True,
                           phases=[Phase.explicit, Phase.generate],
                           suppress_health_check=list(HealthCheck))  # fmt: skip
                def one(case):
                    case.headers = _headers(case, client, token)
                    stateless.check(case.call(), case)

                one()
        stateful = Tally()
        target = cases - stateless.n

        class Machine(schema.as_state_machine()):
            def before_call(self, case):
                case.headers = _headers(case, client, token)  # over any generated token

            def validate_response(self, response, case, **kwargs):
                stateful.check(response, case)

        steps = 10
        while stateful.n < target:
            try:
                Machine.run(settings=hsettings(
                    max_examples=max(1, (target - stateful.n) // steps),
                    stateful_step_count=steps, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck),
                ))  # fmt: skip
            except FlakyStrategyDefinition:
                # The database is state outside Hypothesis: a replayed prefix can find other
                # rules enabled. The requests made so far are counted; start a new run.
                stateful.restarts += 1
        elapsed = time.perf_counter() - t0
    app.state.tracker.db.dispose()
    return stateless, stateful, elapsed


def _me(client, token: str) -> str:
    return client.get(API + "/me", headers={"Authorization": f"Bearer {token}"}).json()["id"]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=5000, help="requests per database")
    p.add_argument("--only", choices=("sqlite", "postgresql"))
    args = p.parse_args()
    bad = 0
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tracker-fuzz-")))
        for kind in ("sqlite", "postgresql"):
            if args.only and kind != args.only:
                continue
            url = (f"sqlite:///{tmp / 'fuzz.sqlite3'}" if kind == "sqlite"
                   else stack.enter_context(throwaway_database("tracker_fuzz")))  # fmt: skip
            stateless, stateful, secs = run_db(kind, url, args.cases, tmp)
            for name, t in (("stateless", stateless), ("stateful", stateful)):
                errors = t.failed["server_error"]
                bad += errors
                print(f"{kind:<11}{name:<10} {t.n:>6} requests, server errors {errors}; "
                      f"not conforming: {dict(t.failed - Counter({'server_error': errors}))}; "
                      f"statuses {dict(sorted(t.status.items()))}")  # fmt: skip
                for check, example in t.examples.items():
                    print(f"    e.g. {check}: {example}")
            print(
                f"{kind:<11}{stateless.n + stateful.n} requests in {secs:.0f} s; "
                f"stateful runs restarted: {stateful.restarts}"
            )
    print("PASS: 0 server errors" if bad == 0 else f"FAIL: {bad} server errors")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
