"""``flask jobs``: the worker in burst mode, the state of the queue, and the demo step that
lets a newcomer see a notification arrive."""

from __future__ import annotations

import os
import secrets

import pytest

from hotline.jobs.queue import queue_for
from hotline.models.enums import OrderStatus
from hotline.models.notifications import NotificationKind as K
from tests.hotline.notifications import support


def test_burst_drains_the_outbox_and_the_queue_then_exits(app, world, runner):
    order = support.new_order(world)
    support.dispatch(world, order)

    result = runner.invoke(args=["jobs", "worker", "--burst"])

    assert result.exit_code == 0, result.output
    assert "outbox 1, deliveries 0, tasks run 1" in result.output
    assert len(support.messages_of(order.phone_bidx)) == 1
    again = runner.invoke(args=["jobs", "worker", "--burst"])
    assert "outbox 0, deliveries 0, tasks run 0" in again.output


def test_status_counts_what_waits(app, world, runner):
    order = support.new_order(world)
    support.dispatch(world, order)
    out = runner.invoke(args=["jobs", "status"]).output
    assert "outbox entries not fanned out: 1" in out
    support.drain(app)
    out = runner.invoke(args=["jobs", "status"]).output
    assert "outbox entries not fanned out: 0" in out
    assert "deliveries sent: 1" in out


def test_demo_step_moves_the_order_on_and_the_citizen_is_told(app, world, runner):
    order = support.new_order(world)

    steps = []
    for _ in range(4):
        result = runner.invoke(args=["jobs", "demo-step", "--phone", support.PHONE])
        assert result.exit_code == 0, result.output
        steps.append(result.output.strip().split(": ", 1)[1])
        support.drain(app)

    assert steps == ["派单 → 北京市朝阳区望京街道办事处", "签收", "联系诉求人", "办结"]
    kinds = [m.kind for m in support.messages_of(order.phone_bidx)]
    assert kinds == [K.DISPATCHED, K.ACCEPTED, K.CONTACTED, K.COMPLETED]
    from hotline.extensions import db

    db.session.refresh(order)
    assert order.status == OrderStatus.COMPLETED
    nothing = runner.invoke(args=["jobs", "demo-step", "--phone", support.PHONE])
    assert nothing.exit_code != 0
    assert "no open order" in nothing.output


REDIS = os.environ.get("RATELIMIT_STORAGE_URI", "")


@pytest.mark.skipif(
    not REDIS.startswith("redis://"),
    reason="needs RATELIMIT_STORAGE_URI=redis://... (CI's PostgreSQL+Redis pass sets it)",
)
def test_the_queue_lives_in_redis_when_redis_is_there(app, world, runner):
    app.config.update(JOBS_URL="", RATELIMIT_STORAGE_URI=REDIS)
    app.config["JOBS_QUEUE_NAME"] = f"test{secrets.token_hex(4)}"
    app.extensions.pop("jobs", None)
    queue = queue_for(app)
    assert type(queue.huey).__name__ == "RedisHuey"
    try:
        order = support.new_order(world)
        support.dispatch(world, order)
        result = runner.invoke(args=["jobs", "worker", "--burst"])
        assert "tasks run 1" in result.output
        assert len(support.messages_of(order.phone_bidx)) == 1
    finally:
        queue.huey.flush()
