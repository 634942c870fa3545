"""Headless Chromium for the page tests: a real HTTP server in a thread, and the browser's
screenshot and rendered DOM of a URL.

Chromium is required, not optional: without it the tests fail with an instruction instead
of being skipped (``apt-get install -y chromium fonts-noto-cjk``).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--lang=zh-CN",
)


def chromium() -> str:
    for name in CANDIDATES:
        if path := shutil.which(name):
            return path
    pytest.fail(
        "headless Chromium is needed for the page tests: "
        "apt-get install -y chromium fonts-noto-cjk",
        pytrace=False,
    )


class LiveServer:
    """The app served over HTTP on 127.0.0.1 and a free port, for the browser."""

    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{path}"


def _run(args: list[str], profile: Path, timeout: int = 90) -> subprocess.CompletedProcess:
    cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
    result = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)  # noqa: S603
    if result.returncode != 0:
        pytest.fail(f"chromium failed ({result.returncode}): {result.stderr.decode()[-2000:]}")
    return result


def screenshot(url: str, out: Path, profile: Path, size: tuple[int, int] = (1280, 2000)) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    _run([f"--window-size={size[0]},{size[1]}", f"--screenshot={out}", url], profile)
    assert out.exists(), "no screenshot was written"
    assert out.stat().st_size > 10_000, "the screenshot is (nearly) empty"
    return out


def dump_dom(url: str, profile: Path) -> str:
    return _run(["--dump-dom", url], profile).stdout.decode("utf-8")
