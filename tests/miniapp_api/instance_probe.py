"""A second app instance in its own process, for the limit tests: it makes lookups and
prints the statuses it got as JSON. Run as ``python -m tests.miniapp_api.instance_probe``
with the settings in the ``PROBE`` environment variable (JSON)."""

from __future__ import annotations

import json
import os
import sys

from privacy.keyring import KeyRing
from yangguang import create_app


def main() -> None:
    probe = json.loads(os.environ["PROBE"])
    app = create_app(
        {
            "TESTING": True,
            "HOTLINE_ENV": "testing",
            "SECRET_KEY": "probe",
            "INSTANCE_PATH": probe["instance_path"],
            "SQLALCHEMY_DATABASE_URI": probe["database_url"],
            "PRIVACY_KEYRING": KeyRing.generate(development=True),
            "RATELIMIT_STORAGE_URI": probe["storage_uri"],
            "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": probe["storage_prefix"]},
            "RATELIMIT_KEY_PREFIX": probe["key_prefix"],
            "CITIZEN_RATE_LIMITS": probe["limits"],
        }
    )
    client = app.test_client()
    statuses = []
    for _ in range(probe["requests"]):
        resp = client.post(
            "/api/v1/lookup",
            json={"order_no": probe["order_no"], "query_code": "00000000"},
            environ_base={"REMOTE_ADDR": probe["client"]},
        )
        statuses.append([resp.status_code, resp.headers.get("Retry-After")])
    json.dump(statuses, sys.stdout)


if __name__ == "__main__":
    main()
