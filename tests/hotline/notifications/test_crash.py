"""A worker killed with SIGKILL in the middle of sending: after a restart every event has
exactly one inbox message, no WeChat message went out twice, and every push is either sent
or, when the kill fell between the committed claim and WeChat's answer, marked uncertain
(never repeated). The full-size run (10,000 events, three kills) is bench_notifications."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.notifications import (
    FINAL_STATES,
    Delivery,
    DeliveryState,
    InboxMessage,
    OutboxEntry,
)
from hotline.services import lifecycle
from tests.hotline.notifications import support

ROOT = Path(__file__).resolve().parents[3]
EVENTS = 24


def _start_worker(app, keyring, log_path: Path) -> subprocess.Popen:
    keys = (
        "TESTING HOTLINE_ENV SECRET_KEY SQLALCHEMY_DATABASE_URI WECHAT_APPID WECHAT_SECRET "
        "WECHAT_API_BASE WECHAT_CONNECT_TIMEOUT WECHAT_READ_TIMEOUT WECHAT_TOKEN_STORE "
        "WECHAT_TEMPLATES JOBS_URL JOBS_QUEUE_NAME SMS_SENDER NOTIFY_QUIET_HOURS "
        "NOTIFY_RETRY_SECONDS NOTIFY_CLAIM_TIMEOUT_SECONDS JOBS_TASK_LEASE_SECONDS "
        "RATELIMIT_KEY_PREFIX PASSWORD_HASH_METHOD"
    ).split()
    probe = {key: app.config[key] for key in keys}
    probe["INSTANCE_PATH"] = app.instance_path
    probe["JOBS_WORKERS"] = 2
    probe["keyring"] = keyring.to_document()
    env = {**os.environ, "PROBE": json.dumps(probe)}
    with log_path.open("ab") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "tests.hotline.notifications.worker_probe"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _unfinished() -> int:
    """Outbox entries not fanned out, and deliveries not finished."""
    db.session.rollback()  # see the worker's commits
    entries = db.session.scalar(
        select(func.count(OutboxEntry.id)).where(OutboxEntry.fanned_out_at.is_(None))
    )
    sends = db.session.scalar(
        select(func.count(Delivery.id)).where(Delivery.state.not_in(FINAL_STATES))
    )
    return entries + sends


def test_a_worker_killed_mid_send_neither_repeats_nor_forgets(
    app, world, wechat_server, keyring, tmp_path
):
    app.config.update(NOTIFY_CLAIM_TIMEOUT_SECONDS=3, JOBS_TASK_LEASE_SECONDS=2)
    orders = []
    for i in range(EVENTS):
        phone, openid = f"1391234{i:04d}", f"o-crash-{i}"
        wechat_server.grant_subscription(openid, support.TEMPLATE, times=5)
        support.bind_wechat(phone, openid, long_term=True)
        orders.append(support.new_order(world, phone, content=f"第{i}号楼电梯停运三天，物业不修。"))
    dispatcher = support.actor(world, "dispatcher")
    for order in orders:
        lifecycle.dispatch(order, dispatcher, world.units["wangjing"])
    db.session.commit()
    wechat_server.delay("subscribe", 0.15, times=EVENTS * 2)  # a slow WeChat: kills land mid-send

    log = tmp_path / "worker.log"
    first = _start_worker(app, keyring, log)
    try:
        _wait(lambda: wechat_server.count("subscribe") >= 4, 60, "the first sends")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        in_flight = wechat_server.count("subscribe")
        second = _start_worker(app, keyring, log)
        try:
            _wait(lambda: _unfinished() == 0, 90, "every delivery to finish")
        finally:
            second.send_signal(signal.SIGINT)
            second.wait(20)
    finally:
        if first.poll() is None:
            first.kill()
    assert in_flight < EVENTS, "the kill came too late to test anything"

    db.session.rollback()
    per_order = Counter(
        m["data"]["character_string1"]["value"] for m in wechat_server.sent_messages
    )
    assert max(per_order.values()) == 1, "a WeChat message went out twice"
    inbox = Counter(db.session.scalars(select(InboxMessage.order_id)).all())
    assert len(inbox) == EVENTS
    assert set(inbox.values()) == {1}
    states = Counter(d.state for d in db.session.scalars(select(Delivery)))
    assert set(states) <= {DeliveryState.SENT, DeliveryState.UNCERTAIN}
    assert states[DeliveryState.SENT] + states[DeliveryState.UNCERTAIN] == EVENTS
    # An uncertain send is one the kill cut between its committed claim and WeChat's answer:
    # at most one per worker thread.
    assert states[DeliveryState.UNCERTAIN] <= 2
    assert len(per_order) >= EVENTS - states[DeliveryState.UNCERTAIN]
