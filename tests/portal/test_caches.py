"""A publication reaches every worker: two app instances (two workers, or two machines)
share the database; each keeps its own page caches and micro-cache; publishing a correction
in one bumps the shared version, and the other serves the new edition within
``CACHE_VERSION_CHECK_SECONDS``."""

from __future__ import annotations

import time

from hotline.extensions import db
from hotline.reports import editions


def test_a_publication_reaches_the_other_worker(make_app, app, publish):
    first = publish("2025")
    other = make_app(CACHE_VERSION_CHECK_SECONDS=0.5)
    client = other.test_client()
    page = client.get("/reports/2025")
    assert page.status_code == 200
    assert f"/reports/2025/v{first.version}" in page.get_data(as_text=True)
    # Served again from the other worker's caches (a second read changes nothing).
    assert client.get("/reports/2025").get_data() == page.get_data()

    # This worker publishes a correction.
    draft = editions.start_correction(first, "更正：第三季度数据口径调整", None)
    editions.publish(draft, None)
    db.session.commit()
    assert app.test_client().get("/reports/2025").headers["ETag"] != page.headers["ETag"]

    # The other worker follows within its check interval, pages and micro-cache alike.
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        fresh = client.get("/reports/2025")
        if fresh.headers["ETag"] != page.headers["ETag"]:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the other worker still serves the superseded edition")
    assert "更正：第三季度数据口径调整" in fresh.get_data(as_text=True)
    assert client.get("/reports/2025/v1").status_code == 200  # old editions stay readable


def test_without_a_publication_the_other_worker_keeps_its_pages(make_app, app, publish):
    publish("2025")
    other = make_app(CACHE_VERSION_CHECK_SECONDS=0)
    client = other.test_client()
    before = client.get("/reports/2025")
    after = client.get("/reports/2025")
    assert before.get_data() == after.get_data()
    assert after.headers["ETag"] == before.headers["ETag"]
