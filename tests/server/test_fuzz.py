"""Property-based fuzzing of the whole API from ``/openapi.json`` (schemathesis, in-process).

Positive and negative generation for every operation, signed in as an admin (and as a member,
whose 403/404 paths differ): no response may be a server error, and every response must
conform to the schema (status code, content type, body).
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, Phase, given, settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 30  # x 2 modes x ~100 operations: ~6,000 requests per database
MIN_REQUESTS = 1000


def _fuzz(api, team, op, mode, sent: dict) -> None:
    revoke = op.method.upper() == "DELETE" and op.path.endswith("/auth/token")

    @given(case=op.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        # Revoking the shared token would sign the rest of the run out: use a fresh one.
        user = api.login(team.member.email, "fuzz") if revoke else team.admin
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        headers["Authorization"] = f"Bearer {user.token}"
        case.headers = headers
        response = case.call()
        sent["n"] += 1
        sent[response.status_code] = sent.get(response.status_code, 0) + 1
        case.validate_response(response, checks=CHECKS)

    run()


@pytest.mark.slow
@pytest.mark.timeout(1800)  # several minutes per database on a busy 2-core machine
def test_fuzz_openapi(api, team):
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    sent = {"n": 0}
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 18
    for op in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(api, team, op, mode, sent)
    print("fuzz requests by status:", sent)
    assert sent["n"] >= MIN_REQUESTS, sent
