"""Delivery: WeChat with a consent, else SMS, always the inbox; preferences, quiet hours,
retries with backoff, dead letters, and never a second message for one event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.extensions import db
from hotline.jobs import runner
from hotline.jobs.queue import queue_for
from hotline.models.enums import TimeLimit
from hotline.models.notifications import Delivery, DeliveryChannel, DeliveryState
from hotline.models.notifications import NotificationKind as K
from hotline.services import lifecycle
from hotline.services.notifications import delivery as delivery_service
from hotline.services.notifications import preferences
from privacy.orm import utcnow
from tests.hotline.notifications import support
from tests.hotline.notifications.support import PHONE, RecordingSender

S = DeliveryState
OPENID = "o-citizen-1"


def _wechat_sent(wechat_server) -> list[dict]:
    return [m for m in wechat_server.sent_messages if m["touser"] == OPENID]


def test_without_wechat_a_dispatch_goes_by_sms_and_to_the_inbox(app, world):
    order = support.new_order(world)
    support.dispatch(world, order)

    support.drain(app)

    [message] = support.messages_of(order.phone_bidx)
    assert message.kind == K.DISPATCHED
    assert message.title == "工单已派单"
    [(phone, text, key)] = RecordingSender.sent
    assert phone == PHONE
    assert text.startswith("【北京12345】")
    assert order.order_no in text
    assert "北京市朝阳区望京街道办事处" in text
    assert "欧阳" not in text
    assert "电梯" not in text
    assert key == f"{message.uuid}:sms"
    [delivery] = support.deliveries()
    assert (delivery.channel, delivery.state, delivery.attempts) == (
        DeliveryChannel.SMS,
        S.SENT,
        1,
    )


def test_a_one_time_consent_sends_one_wechat_message_then_sms_takes_over(app, world, wechat_server):
    wechat_server.grant_subscription(OPENID, support.TEMPLATE, times=1)
    support.bind_wechat(PHONE, OPENID, consent=1)
    order = support.new_order(world)
    support.dispatch(world, order)
    support.drain(app)

    [sent] = _wechat_sent(wechat_server)
    assert sent["template_id"] == support.TEMPLATE
    assert sent["data"]["character_string1"]["value"] == order.order_no
    assert sent["data"]["phrase2"]["value"] == "已派单"
    assert len(sent["data"]["thing3"]["value"]) <= 20
    assert sent["page"] == f"pages/order/detail?order_no={order.order_no}"
    assert RecordingSender.sent == []

    lifecycle.accept(order, support.actor(world, "h_wangjing"))
    db.session.commit()
    support.drain(app)

    assert len(_wechat_sent(wechat_server)) == 1  # the consent was used up
    assert [t for _, t, _ in RecordingSender.sent] == [
        f"【北京12345】北京市朝阳区望京街道办事处已签收您的工单{order.order_no}，正在办理。"
    ]
    assert len(support.messages_of(order.phone_bidx)) == 2


def test_a_long_term_consent_is_not_used_up(app, world, wechat_server):
    wechat_server.grant_subscription(OPENID, support.TEMPLATE, times=100)
    support.bind_wechat(PHONE, OPENID, long_term=True)
    order = support.new_order(world)
    handler = support.actor(world, "h_wangjing")
    support.dispatch(world, order)
    lifecycle.accept(order, handler)
    lifecycle.contact_requester(order, handler)
    lifecycle.complete(order, handler, "已更换电梯主板，恢复运行。")
    db.session.commit()

    support.drain(app)

    phrases = [m["data"]["phrase2"]["value"] for m in _wechat_sent(wechat_server)]
    assert phrases == ["已派单", "已签收", "已联系", "已办结"]
    assert RecordingSender.sent == []


def test_when_wechat_says_the_consent_is_gone_the_message_goes_by_sms(app, world, wechat_server):
    support.bind_wechat(PHONE, OPENID, consent=1)  # we think one is left; WeChat has none
    wechat_server.add_user(OPENID)
    order = support.new_order(world)
    support.dispatch(world, order)

    support.drain(app)

    assert _wechat_sent(wechat_server) == []
    assert len(RecordingSender.sent) == 1
    channels = {(d.channel, d.state) for d in support.deliveries()}
    assert channels == {(DeliveryChannel.WECHAT, S.REFUSED), (DeliveryChannel.SMS, S.SENT)}


def test_completion_quotes_the_reply_redacted_and_asks_to_rate(app, world):
    order = support.new_order(world)
    handler = support.actor(world, "h_wangjing")
    support.dispatch(world, order)
    lifecycle.accept(order, handler)
    lifecycle.complete(order, handler, "已联系物业维修，如有问题请拨打13712340099。")
    db.session.commit()

    support.drain(app)

    text = RecordingSender.sent[-1][1]
    assert "已办结" in text
    assert "请在" in text
    assert "评价" in text
    assert "13712340099" not in text
    message = support.messages_of(order.phone_bidx)[-1]
    from privacy.access import masked

    body = masked(message, ("body",))["body"]
    assert "已联系物业维修" in body
    assert "13712340099" not in body


def test_preferences_turn_channels_and_kinds_off_but_the_inbox_stays(app, world):
    order = support.new_order(world)
    preferences.save(order.phone_bidx, kinds={K.DISPATCHED: False})
    db.session.commit()
    support.dispatch(world, order)
    support.drain(app)
    assert RecordingSender.sent == []  # dispatch muted

    preferences.save(order.phone_bidx, sms=False)
    db.session.commit()
    lifecycle.accept(order, support.actor(world, "h_wangjing"))
    db.session.commit()
    support.drain(app)

    assert RecordingSender.sent == []
    assert support.deliveries() == []
    assert [m.kind for m in support.messages_of(order.phone_bidx)] == [K.DISPATCHED, K.ACCEPTED]


def test_switching_sms_off_after_the_event_still_stops_the_send(app, world):
    order = support.new_order(world)
    support.dispatch(world, order)
    queue_for(app).put_deliveries(runner.fan_out(support.outbox()[0].id))
    # the SMS is queued; the citizen switches SMS off before a worker gets to it
    preferences.save(order.phone_bidx, sms=False)
    db.session.commit()
    support.drain(app)
    assert RecordingSender.sent == []
    assert support.deliveries()[0].state == S.SKIPPED
    assert len(support.messages_of(order.phone_bidx)) == 1


def _local_hour_now() -> int:
    from hotline.services import deadlines

    return deadlines.to_local(utcnow()).hour


def test_no_sms_in_quiet_hours_it_goes_when_they_end(app, world):
    hour = _local_hour_now()
    app.config["NOTIFY_QUIET_HOURS"] = [hour, (hour + 2) % 24]
    order = support.new_order(world)
    support.dispatch(world, order)
    support.drain(app)

    assert RecordingSender.sent == []
    [delivery] = support.deliveries()
    assert delivery.state == S.HELD
    from hotline.services import deadlines

    assert deadlines.to_local(delivery.due_at).hour == (hour + 2) % 24
    assert deadlines.to_local(delivery.due_at).minute == 0
    assert len(support.messages_of(order.phone_bidx)) == 1  # the inbox does not wait

    app.config["NOTIFY_QUIET_HOURS"] = [0, 0]  # morning came
    support.make_due(delivery.id)
    support.drain(app)
    assert len(RecordingSender.sent) == 1


def test_an_emergency_order_is_texted_even_at_night(app, world):
    hour = _local_hour_now()
    app.config["NOTIFY_QUIET_HOURS"] = [hour, (hour + 2) % 24]
    order = support.new_order(world, time_limit=TimeLimit.URGENT)
    support.dispatch(world, order)
    support.drain(app)
    assert len(RecordingSender.sent) == 1


def test_failed_sms_is_retried_with_backoff_then_sent(app, world):
    RecordingSender.fail_next = 1
    order = support.new_order(world)
    support.dispatch(world, order)
    support.drain(app)

    [delivery] = support.deliveries()
    assert (delivery.state, delivery.attempts, delivery.last_error) == (S.RETRY, 1, "sms_failed")
    wait = (delivery.due_at - utcnow()).total_seconds()
    assert 25 < wait <= 34  # the first wait is 30 s (+ up to 10 % jitter)

    support.drain(app)  # not due yet: nothing happens
    assert RecordingSender.sent == []

    support.make_due(delivery.id)
    support.drain(app)
    db.session.refresh(delivery)
    assert (delivery.state, delivery.attempts) == (S.SENT, 2)
    assert len(RecordingSender.sent) == 1


def test_backoff_doubles_up_to_the_longest_wait(app):
    waits = [delivery_service.backoff(n).total_seconds() for n in (1, 2, 3, 5, 9)]
    bases = (30, 60, 120, 480, 600)  # doubling from 30 s, never above 600 s
    assert all(base <= w <= base * 1.1 for w, base in zip(waits, bases, strict=True))
    assert delivery_service.backoff(1, retry_after=60).total_seconds() >= 60


def _fail_until_dead(app, delivery_id: int, attempts: int) -> None:
    for _ in range(attempts):
        support.make_due(delivery_id)
        support.drain(app)


def test_a_message_that_keeps_failing_becomes_a_dead_letter_staff_can_see_and_resend(
    app, world, client, staff_headers
):
    RecordingSender.fail_next = 5
    order = support.new_order(world)
    support.dispatch(world, order)
    support.drain(app)
    [delivery] = support.deliveries()
    _fail_until_dead(app, delivery.id, 4)
    db.session.refresh(delivery)
    assert (delivery.state, delivery.attempts) == (S.DEAD, 5)
    assert RecordingSender.sent == []

    url = "/staff/api/v1/notifications/dead-letters"
    assert client.get(url, headers=staff_headers("h_wangjing")).status_code == 403
    assert client.get(url, headers=staff_headers("agent")).status_code == 403
    assert client.get(url).status_code == 401
    resp = client.get(url, headers=staff_headers("supervisor"))
    assert resp.status_code == 200
    [item] = resp.get_json()["items"]
    assert item["order_no"] == order.order_no
    assert (item["channel_label"], item["state_label"], item["recipient_label"]) == (
        "短信",
        "发送失败",
        "诉求人",
    )
    assert item["attempts"] == 5
    assert item["last_error"] == "sms_failed"
    assert PHONE not in resp.get_data(as_text=True)

    resp = client.post(f"{url}/{delivery.id}/retry", headers=staff_headers("admin"))
    assert resp.status_code == 202
    support.drain(app)
    assert len(RecordingSender.sent) == 1
    assert client.get(url, headers=staff_headers("supervisor")).get_json()["items"] == []
    again = client.post(f"{url}/{delivery.id}/retry", headers=staff_headers("admin"))
    assert again.status_code == 409
    assert client.post(f"{url}/999999/retry", headers=staff_headers("admin")).status_code == 404
    assert client.get(f"{url}?state=sent", headers=staff_headers("admin")).status_code == 422


@pytest.mark.parametrize(
    ("errcode", "state", "sms_instead"),
    [
        (45011, S.RETRY, False),  # WeChat's minute quota: try again later
        (-1, S.RETRY, False),  # busy
        (40037, S.DEAD, True),  # the template was deleted: never works, SMS instead
        (47003, S.DEAD, True),  # data not matching the template
    ],
)
def test_wechat_errors_retry_or_fall_back(app, world, wechat_server, errcode, state, sms_instead):
    wechat_server.grant_subscription(OPENID, support.TEMPLATE, times=5)
    support.bind_wechat(PHONE, OPENID, consent=5)
    order = support.new_order(world)
    support.dispatch(world, order)
    wechat_server.fail("subscribe", errcode)

    support.drain(app)

    wechat = next(d for d in support.deliveries() if d.channel == DeliveryChannel.WECHAT)
    assert wechat.state == state
    assert bool(RecordingSender.sent) is sms_instead
    if state == S.RETRY:
        support.make_due(wechat.id)
        support.drain(app)
        assert len(_wechat_sent(wechat_server)) == 1
        assert RecordingSender.sent == []
    from hotline.services.notifications import consents

    remaining = db.session.execute(db.select(consents.SubscriptionConsent.remaining)).scalar_one()
    assert remaining == (4 if state == S.RETRY else 5)  # used only by the message sent


def test_a_token_rejected_by_wechat_is_refreshed_and_the_send_retried_once(
    app, world, wechat_server
):
    wechat_server.grant_subscription(OPENID, support.TEMPLATE, times=1)
    support.bind_wechat(PHONE, OPENID, consent=1)
    order = support.new_order(world)
    support.dispatch(world, order)
    wechat_server.issue_token()  # another program fetched a token: ours is void
    support.drain(app)
    assert len(_wechat_sent(wechat_server)) == 1


def test_a_send_whose_answer_never_came_is_uncertain_and_never_repeated(app, world, wechat_server):
    app.config["WECHAT_READ_TIMEOUT"] = 0.3
    wechat_server.grant_subscription(OPENID, support.TEMPLATE, times=2)
    support.bind_wechat(PHONE, OPENID, consent=2)
    order = support.new_order(world)
    support.dispatch(world, order)
    wechat_server.delay("subscribe", 1.0)  # WeChat sends, but answers too late

    support.drain(app)

    [delivery] = support.deliveries()
    assert (delivery.state, delivery.last_error) == (S.UNCERTAIN, "wechat_read_timeout")
    support.make_due(delivery.id)
    support.drain(app)
    assert wechat_server.count("subscribe") == 1  # not sent again
    assert RecordingSender.sent == []  # and no SMS on top: it may have arrived


def test_a_claim_left_by_a_dead_worker_is_marked_uncertain_not_resent(app, world):
    order = support.new_order(world)
    support.dispatch(world, order)
    runner.fan_out(support.outbox()[0].id)
    [delivery] = support.deliveries()
    claim, _ = delivery_service.claim(delivery.id, utcnow())
    db.session.commit()  # the claim is committed ... and the worker dies before the send
    assert claim is not None

    later = utcnow() + timedelta(seconds=app.config["NOTIFY_CLAIM_TIMEOUT_SECONDS"] + 1)
    runner.relay_once(queue_for(app), now=later)
    support.drain(app)

    db.session.refresh(delivery)
    assert (delivery.state, delivery.last_error) == (S.UNCERTAIN, "worker_lost")
    assert RecordingSender.sent == []


def test_every_task_twice_still_sends_one_message(app, world, wechat_server):
    wechat_server.grant_subscription(OPENID, support.TEMPLATE, times=5)
    support.bind_wechat(PHONE, OPENID, consent=5)
    order = support.new_order(world)
    support.dispatch(world, order)
    [entry] = support.outbox()

    first = runner.fan_out(entry.id)
    assert runner.fan_out(entry.id) == []
    for delivery_id in first * 2:
        runner.deliver(delivery_id)

    assert len(support.messages_of(order.phone_bidx)) == 1
    assert len(_wechat_sent(wechat_server)) == 1
    assert db.session.query(Delivery).count() == 1
