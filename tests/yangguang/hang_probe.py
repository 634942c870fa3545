"""A second app in its own process (its rate limiter is its own), pointed at a Redis that
accepts connections and never answers: it makes lookups and prints, as JSON, the status
and the seconds each took. Run as ``python -m tests.yangguang.hang_probe`` with the
settings in the ``PROBE`` environment variable."""

from __future__ import annotations

import json
import os
import sys
import time

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
        }
    )
    client = app.test_client()
    out = []
    for _ in range(probe["requests"]):
        started = time.perf_counter()
        resp = client.post(
            "/api/v1/lookup", json={"order_no": "20260101000001", "query_code": "00000000"}
        )
        out.append([resp.status_code, round(time.perf_counter() - started, 3)])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
