"""Runs after the other citizen API tests (file order): every (route, method, status)
they observed must be described in the OpenAPI document."""

from __future__ import annotations

from miniapp_api.openapi import build_spec, openapi_path
from tests.miniapp.conftest import OBSERVED


def test_every_observed_response_is_documented(app):
    spec = build_spec(app)
    missing = sorted(
        (rule, method, status)
        for rule, method, status in OBSERVED
        if str(status) not in spec["paths"][openapi_path(rule)][method.lower()]["responses"]
    )
    assert not missing, f"responses given but not documented: {missing}"
