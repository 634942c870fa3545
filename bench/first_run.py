"""How long `make run` takes on a fresh clone, from the command to the first page served
(issue 14: under 2 minutes), and a second `make run` on the same clone.

The script clones the repository's HEAD into a temporary folder (no ``.venv``, no
``instance/``), starts ``make run`` on a free port, polls ``/reports/`` until it answers
200, stops the server and its job worker, and does it again on the same clone. It prints
a Markdown section with the machine's load; ``--no-pip-cache`` downloads every package.

    .venv/bin/python bench/first_run.py
    .venv/bin/python bench/first_run.py --no-pip-cache
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 600  # seconds before giving up


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def first_page(clone: Path, env: dict, log: Path) -> float:
    port = free_port()
    url = f"http://127.0.0.1:{port}/reports/"
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["make", "run", f"PORT={port}"],
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while time.perf_counter() - started < LIMIT:
                if proc.poll() is not None:
                    raise SystemExit(f"make run ended with {proc.returncode}; see {log}")
                try:
                    with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310
                        if answer.status == 200:
                            return time.perf_counter() - started
                except OSError:
                    pass
                time.sleep(0.2)
            raise SystemExit(f"no page after {LIMIT} s; see {log}")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-pip-cache", action="store_true")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "HOTLINE_"))}
    env.pop("DATABASE_URL", None)
    if args.no_pip_cache:
        env["PIP_NO_CACHE_DIR"] = "1"
    with tempfile.TemporaryDirectory(prefix="first-run-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True
        ).stdout.strip()
        loads = [load()]
        first = first_page(clone, env, Path(tmp) / "first.log")
        loads.append(load())
        text = (Path(tmp) / "first.log").read_text(errors="replace")
        second = first_page(clone, env, Path(tmp) / "second.log")
        loads.append(load())
    summary = re.findall(r"用时 [^\n]*|rollups rebuilt in [0-9.]+ s", text)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"## `make run` on a fresh clone ({when}, commit {head})\n")
    print(f"pip cache: {'off' if args.no_pip_cache else 'as the machine has it'}; ", end="")
    print(f"load average (1 min) before, after the first run, after the second: {loads}\n")
    print("| run | to the first page |\n|---|---:|")
    print(f"| first (install, migrate, seed, demo history, editions) | {first:.1f} s |")
    print(f"| second (nothing to add) | {second:.1f} s |\n")
    for line in summary:
        print(f"- {line}")
    verdict = "met" if first < 120 else "**not met**"
    print(f"\nTarget: the first run under 2 minutes: {verdict}.")


if __name__ == "__main__":
    main()
