"""Problem details, hostile input, and the migrations matching the tables."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import inspect

from server_stub.db.migrate import current_revision, head_revision, upgrade


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"[]",
        b"null",
        b'{"intervals": "nope"}',
        b'{"intervals": [{"id": 5}]}',
        b'{"intervals": [{"id": "x", "task_id": "y", "started_at": "yesterday"}]}',
        b'{"intervals": [{"note": "\\u0000"}]}',
        b"\xff\xfe\x00garbage",
    ],
)
def test_malformed_batches_are_422(api, team, body):
    r = team.member.post(
        "/intervals/batch", content=body, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert {"type", "title", "status", "detail", "code"} <= problem.keys()
    assert problem["code"] in ("validation_error", "malformed_json")


def test_hostile_values_never_500(api, team):
    t = team.task["id"]
    base = {"id": str(uuid.uuid4()), "task_id": t, "revision": 1, "base_revision": 0}
    cases = [
        {**base, "started_at": "9999-12-31T23:59:59-14:00", "ended_at": None},
        {**base, "started_at": "0001-01-01T00:00:00+14:00", "ended_at": None},
        {**base, "started_at": "2026-11-20T09:00:00", "ended_at": None},  # naive: refused
        {**base, "started_at": "2026-11-20T09:00:00Z", "note": "x" * 20000},
        {**base, "started_at": "2026-11-20T09:00:00Z", "note": "\ud800"},
        {**base, "started_at": "2026-11-20T09:00:00Z", "tz": "../../etc/passwd"},
        {**base, "started_at": "2026-11-20T09:00:00Z", "revision": 2**40},
        {**base, "started_at": "2026-11-20T09:00:00Z", "unknown_field": {"deep": [1, 2]}},
    ]
    for item in cases:
        r = team.member.post(
            "/intervals/batch",
            content=json.dumps({"intervals": [item]}),
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code in (200, 422), r.text
        if r.status_code == 200:
            out = r.json()
            assert len(out["accepted"]) + len(out["rejected"]) == 1
    for params in (
        {"from": "99999-01-01"},
        {"tz": "\x00"},
        {"tz": "A" * 5000},
        {"group_by": "," * 50},
        {"project_id": "nope"},
        {"cursor": "\u2603"},
    ):
        r = team.admin.get("/totals", params=params)
        assert r.status_code == (200 if "cursor" in params else 422), (params, r.text)
        r = team.admin.get("/intervals", params=params)
        assert r.status_code in (200, 422), (params, r.text)
    r = team.admin.post("/projects", {"name": "\x00"})
    assert r.status_code == 422
    r = team.admin.post(
        "/clients",
        {"name": "ok", "currency": "EUR", "bill_rate": {"amount": "1e999999", "currency": "EUR"}},
    )
    assert r.status_code == 422


def test_unknown_routes_and_methods_are_problems(api, team):
    r = team.admin.get("/nope")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = team.admin.client.put("/api/v1/me", headers=team.admin.headers)
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"


def test_migrations_match_tables_and_are_idempotent(api):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from server_stub.db.tables import metadata

    engine = api.state.db.engine
    upgrade(engine)  # again: nothing to do
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    names = set(inspect(engine).get_table_names())
    assert {"users", "api_tokens", "projects", "tasks", "intervals", "counters"} <= names


def test_openapi_is_served(api):
    r = api.client.get("/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in (
        "/api/v1/intervals/batch",
        "/api/v1/changes",
        "/api/v1/totals",
        "/api/v1/projects/{project_id}/totals",
        "/api/v1/auth/token",
    ):
        assert path in paths
    assert api.client.get("/docs").status_code == 200
