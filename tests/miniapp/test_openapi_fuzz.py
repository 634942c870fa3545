"""The citizen API fuzzed from its own OpenAPI document (schemathesis): whatever a client
sends, the API never fails (no 5xx) and answers only with statuses the document lists, with
the documented content type and body schema."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.miniapp.helpers import login, make_order

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
EXAMPLES = 25


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
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def fuzz(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        fuzz()
        tested.append(f"{operation.method.upper()} {operation.path}")
    assert len(tested) >= 12, tested
