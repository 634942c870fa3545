from sqlalchemy import select

from hotline.extensions import db
from hotline.models.enums import Channel, OrderKind
from hotline.models.orders import Order
from hotline.services.actors import Actor
from hotline.services.intake import Requester, receive


def test_intake_stores_sealed_fields(app, world):
    result = receive(
        Actor.of(world.users["agent"]),
        channel=Channel.PHONE,
        kind=OrderKind.COMPLAINT,
        district=world.districts["chaoyang"],
        street=world.streets["wangjing"],
        content="小区电梯坏了三天没人修",
        requester=Requester(name="欧阳娜娜", phone="13812345678"),
    )
    db.session.commit()
    order = db.session.scalar(select(Order))
    assert order.order_no == result.order.order_no
    assert b"13812345678" not in order.requester_phone.blob
