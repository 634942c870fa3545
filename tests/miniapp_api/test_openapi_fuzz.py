"""The citizen API fuzzed from its own OpenAPI document (schemathesis): whatever a client
sends, the API never fails (no 5xx) and answers only with statuses the document lists, with
the documented content type and body schema."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.miniapp_api.helpers import login, make_order

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
# Derandomized, so that CI runs the same cases every time; FUZZ_EXAMPLES=500 with
# FUZZ_RANDOM=1 explores further by hand.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"


def test_no_input_breaks_the_citizen_api(make_citizen_app, world):
    app = make_citizen_app()  # limits out of the way: they are tested on their own
    make_order(world)
    headers = login(app.test_client())
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith("/auth/logout"):
            continue  # would end the session the other operations use

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=not RANDOM,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        fuzz()
        tested.append(f"{operation.method.upper()} {operation.path}")
    assert len(tested) >= 12, tested
