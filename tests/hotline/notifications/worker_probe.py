"""A notification worker in its own process, for the crash test: ``python -m
tests.hotline.notifications.worker_probe`` with the app's settings in the ``PROBE``
environment variable (JSON; the key ring as a document under ``keyring``)."""

from __future__ import annotations

import json
import os

from hotline.jobs import worker
from privacy.keyring import KeyRing
from yangguang import create_app


def main() -> None:
    config = json.loads(os.environ["PROBE"])
    config["PRIVACY_KEYRING"] = KeyRing.from_document(config.pop("keyring"))
    app = create_app(config)
    worker.consumer(app).run()


if __name__ == "__main__":
    main()
