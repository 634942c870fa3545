"""Field encryption: binding to row and column, loud failure on wrong keys, SM4, key ring."""

from __future__ import annotations

import json

import pytest

from privacy.crypto import DecryptionError, FieldCipher, Sealed
from privacy.fields import open_field, seal_field
from privacy.keyring import KeyRing, KeyRingError
from yangguang import create_app

from .conftest import PERSON


def test_ciphertext_moved_to_another_row_does_not_decrypt(app, make_order, cipher):
    first = make_order()
    second = make_order({"phone": "13900001111"}, content="另一件事：楼道灯坏了。")
    second.requester_phone = first.requester_phone
    with pytest.raises(DecryptionError, match="does not authenticate"):
        open_field(cipher, second, "requester_phone")
    assert open_field(cipher, first, "requester_phone") == PERSON["phone"]


def test_ciphertext_moved_to_another_column_does_not_decrypt(app, make_order, cipher):
    order = make_order()
    order.requester_name = order.requester_phone
    with pytest.raises(DecryptionError):
        open_field(cipher, order, "requester_name")


def test_wrong_key_with_same_id_fails_loudly(app, make_order):
    order = make_order()
    impostor = FieldCipher(KeyRing.generate(development=True, key_id="k1"))
    with pytest.raises(DecryptionError):
        open_field(impostor, order, "requester_phone")


def test_missing_key_fails_loudly(app, make_order):
    order = make_order()
    other = FieldCipher(KeyRing.generate(development=True, key_id="zz"))
    with pytest.raises(DecryptionError, match="unknown key id"):
        open_field(other, order, "requester_id_number")


def test_retired_key_no_longer_decrypts(keyring):
    cipher = FieldCipher(keyring.with_primary("k2"))
    sealed = FieldCipher(keyring).seal("张三", "orders", "requester_name", "u-1")
    assert sealed.key_id == "k1"
    retired = FieldCipher(keyring.with_primary("k2").with_retired("k1"))
    assert cipher.open(sealed, "orders", "requester_name", "u-1") == "张三"
    with pytest.raises(DecryptionError, match="retired"):
        retired.open(sealed, "orders", "requester_name", "u-1")


@pytest.mark.parametrize(
    "blob",
    [b"", b"plaintext 13812345678", b"YG\x09\x01\x02k1" + bytes(40), b"YG\x01\x01\x02k1\x00"],
)
def test_garbage_is_refused_not_returned(keyring, blob):
    with pytest.raises(DecryptionError):
        FieldCipher(keyring).open(Sealed(blob), "orders", "content", "u-1")


def test_tampered_ciphertext_fails(keyring):
    cipher = FieldCipher(keyring)
    blob = bytearray(cipher.seal("13812345678", "orders", "requester_phone", "u-1").blob)
    blob[-1] ^= 1
    with pytest.raises(DecryptionError):
        cipher.open(Sealed(bytes(blob)), "orders", "requester_phone", "u-1")


def test_sm4_round_trip_and_header(keyring):
    sm4 = FieldCipher(keyring, "SM4-GCM")
    sealed = sm4.seal("阿依古丽·买买提", "orders", "requester_name", "u-9")
    assert sealed.blob[:4] == b"YG\x01\x02"
    assert sealed.key_id == "k1"
    assert sm4.open(sealed, "orders", "requester_name", "u-9") == "阿依古丽·买买提"
    # The algorithm is read from the header: an AES deployment still reads SM4 values.
    assert FieldCipher(keyring).open(sealed, "orders", "requester_name", "u-9") == "阿依古丽·买买提"
    with pytest.raises(DecryptionError):
        sm4.open(sealed, "orders", "requester_name", "u-10")


def test_orders_sealed_with_sm4_when_configured(make_app, world):
    app = make_app(FIELD_ALGORITHM="SM4-GCM")
    with app.app_context():
        from privacy.runtime import runtime

        cipher = runtime().cipher
        from hotline.models.orders import Order

        order = Order(order_no="x")
        seal_field(cipher, order, "requester_phone", "13812345678")
        assert order.requester_phone.blob[3] == 2
        assert open_field(cipher, order, "requester_phone") == "13812345678"


def test_encrypted_column_refuses_plaintext(app, make_order):
    from hotline.extensions import db

    order = make_order()
    order.requester_phone = "13812345678"
    with pytest.raises(Exception, match="sealed values only"):
        db.session.flush()
    db.session.rollback()


def test_purpose_keys_are_separate(keyring):
    keys = {
        keyring.field_key("k1", "orders", "requester_phone"),
        keyring.field_key("k1", "orders", "requester_name"),
        keyring.field_key("k2", "orders", "requester_phone"),
        keyring.index_key("phone"),
        keyring.index_key("id_number"),
        keyring.log_key("chain"),
        keyring.log_key("value"),
        keyring.signing_seed(),
    }
    assert len(keys) == 8


def _production(instance, **config):
    return create_app(
        {
            "INSTANCE_PATH": str(instance),
            "HOTLINE_ENV": "production",
            "SECRET_KEY": "prod-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/prod.db",
            "PRIVACY_KEYRING": None,
            "HOTLINE_KEYS": None,
            "HOTLINE_KEY_FILE": None,
            **config,
        }
    )


def test_production_refuses_to_start_without_keys(tmp_path):
    with pytest.raises(KeyRingError, match="needs keys"):
        _production(tmp_path)
    assert not (tmp_path / "dev-keys.json").exists()


def test_production_refuses_development_keys(tmp_path):
    dev = KeyRing.generate(development=True)
    dev.save_file(tmp_path / "dev-keys.json")
    with pytest.raises(KeyRingError, match="development keys"):
        _production(tmp_path, HOTLINE_KEY_FILE=str(tmp_path / "dev-keys.json"))
    with pytest.raises(KeyRingError, match="development keys"):
        _production(tmp_path, HOTLINE_KEYS=json.dumps(dev.to_document()))
    with pytest.raises(KeyRingError, match="development keys"):
        _production(tmp_path, PRIVACY_KEYRING=dev)


def test_production_starts_with_real_keys(tmp_path):
    ring = KeyRing.generate(development=False)
    app = _production(tmp_path, HOTLINE_KEYS=json.dumps(ring.to_document()))
    assert app.extensions["privacy"].ring.primary_id == "k1"


def test_development_keys_generated_into_instance_on_first_run(tmp_path):
    config = {
        "INSTANCE_PATH": str(tmp_path),
        "HOTLINE_ENV": "development",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/dev.db",
        "PRIVACY_KEYRING": None,
        "HOTLINE_KEYS": None,
        "HOTLINE_KEY_FILE": None,
    }
    first = create_app(config).extensions["privacy"].ring
    assert (tmp_path / "dev-keys.json").exists()
    assert first.development
    again = create_app(config).extensions["privacy"].ring
    assert again.primary.secret == first.primary.secret


def test_malformed_key_configuration_is_refused(tmp_path):
    bad = tmp_path / "keys.json"
    bad.write_text('{"primary": "k1", "keys": {"k1": "bm90IDMyIGJ5dGVz"}}')
    with pytest.raises(KeyRingError, match="32 bytes"):
        _production(tmp_path, HOTLINE_KEY_FILE=str(bad))
    with pytest.raises(KeyRingError, match="not valid JSON"):
        _production(tmp_path, HOTLINE_KEYS="{nope")


def test_blind_index_normalises_phone_and_id_number(keyring):
    from privacy.blind_index import NormalisationError, blind_index, matches

    phone = blind_index(keyring, "phone", "13812345678")
    for variant in (
        "+86 138-1234-5678",
        "0086 13812345678",
        "１３８１２３４５６７８",
        "138 1234 5678",
    ):
        assert blind_index(keyring, "phone", variant) == phone
    assert "13812345678" not in phone
    assert len(phone) == 64
    id_upper = blind_index(keyring, "id_number", "11010519900307123X")
    assert blind_index(keyring, "id_number", "11010519900307123x") == id_upper
    assert blind_index(keyring, "phone", "13812345679") != phone
    assert not matches(keyring, "phone", "not a phone", phone)
    with pytest.raises(NormalisationError):
        blind_index(keyring, "id_number", "12345")
    # Keyed: another ring gives another index for the same phone.
    assert blind_index(KeyRing.generate(development=True), "phone", "13812345678") != phone


def test_all_orders_of_one_phone_are_found_by_blind_index(app, make_order, ring):
    from sqlalchemy import select

    from hotline.extensions import db
    from hotline.models.orders import Order
    from privacy.blind_index import blind_index

    a = make_order({"phone": "138 1234 5678"}, content="第一件：楼道灯坏了。")
    b = make_order(
        {"phone": "+86 13812345678"}, content="第二件：小区门口积水严重。", street="jiuxianqiao"
    )
    make_order({"phone": "13900001111"}, content="别人的诉求：噪音扰民。")
    bidx = blind_index(ring, "phone", "13812345678")
    found = db.session.scalars(select(Order.id).where(Order.phone_bidx == bidx)).all()
    assert sorted(found) == sorted([a.id, b.id])
