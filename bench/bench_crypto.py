"""Field encryption throughput per core, and key rotation of 10,000 orders (issue 3).

    .venv/bin/python bench/bench_crypto.py                  # print the tables
    .venv/bin/python bench/bench_crypto.py --write          # and update bench/RESULTS.md
    .venv/bin/python bench/bench_crypto.py --write \\
        --rotation-url postgresql://postgres@127.0.0.1:5432/bench_privacy

Throughput: one process (so one core) seals the five personal fields of an order (name,
phone, ID number, address, ~200 characters of content) through ``FieldCipher`` and opens
them again, for N orders with distinct UUIDs; next to it, raw ``AESGCM`` (and raw SM4-GCM)
encrypting and decrypting the same bytes with one key object and similar associated data,
which is the floor the Python wrapper adds to.

Rotation: a scratch database (SQLite in a temporary directory, and the given PostgreSQL
URL, whose schema is DROPPED: the database name must contain "bench") gets 10,000 orders
sealed under k1; ``privacy.rotation.rotate`` re-encrypts them under k2 in batches of 1,000.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from privacy.crypto import FieldCipher  # noqa: E402
from privacy.keyring import KeyRing  # noqa: E402

HEADING = "## Field encryption throughput (issue 3)"
CONTENT = (
    "望京西园三区5号楼的电梯从上周五开始就停运了，物业说在等厂家的配件，但已经过去五天还没有"
    "修好。楼里有不少八十多岁的老人，住在高层的每天只能扶着栏杆慢慢走下来，买菜看病都很困难。"
    "我们多次打物业电话都说在处理，希望相关部门督促物业和电梯维保单位尽快修复，并说明原因。"
    "另外电梯去年也坏过两次，每次都拖很久，请一并检查维保记录，给居民一个明确的修复时间。"
    "联系时请避开上午，谢谢。"
)
FIELDS = {
    "requester_name": "欧阳娜娜",
    "requester_phone": "13812345678",
    "requester_id_number": "110105199003071236",
    "requester_address": "北京市朝阳区望京街道望京西园三区5号楼2单元501",
    "content": CONTENT,
}


def bench_field_cipher(algorithm: str, n: int) -> float:
    """Seconds for n orders: seal five fields, then open them."""
    cipher = FieldCipher(KeyRing.generate(development=False), algorithm)
    ids = [str(uuid.uuid4()) for _ in range(n)]
    started = time.perf_counter()
    for record_id in ids:
        sealed = [
            (name, cipher.seal(value, "orders", name, record_id)) for name, value in FIELDS.items()
        ]
        for name, blob in sealed:
            cipher.open(blob, "orders", name, record_id)
    return time.perf_counter() - started


def bench_raw_aesgcm(n: int) -> float:
    key = AESGCM(os.urandom(32))
    values = [(v.encode(), f"YG\x01\x01\x02k1|orders/{k}/".encode()) for k, v in FIELDS.items()]
    ids = [str(uuid.uuid4()).encode() for _ in range(n)]
    started = time.perf_counter()
    for record_id in ids:
        sealed = []
        for data, aad in values:
            nonce = os.urandom(12)
            sealed.append((nonce, key.encrypt(nonce, data, aad + record_id), aad + record_id))
        for nonce, body, aad in sealed:
            key.decrypt(nonce, body, aad)
    return time.perf_counter() - started


def bench_raw_sm4gcm(n: int) -> float:
    key = os.urandom(16)
    values = [(v.encode(), f"YG\x01\x02\x02k1|orders/{k}/".encode()) for k, v in FIELDS.items()]
    ids = [str(uuid.uuid4()).encode() for _ in range(n)]
    started = time.perf_counter()
    for record_id in ids:
        sealed = []
        for data, aad in values:
            nonce = os.urandom(12)
            enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
            enc.authenticate_additional_data(aad + record_id)
            body = enc.update(data) + enc.finalize()
            sealed.append((nonce, body, enc.tag, aad + record_id))
        for nonce, body, tag, aad in sealed:
            dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
            dec.authenticate_additional_data(aad)
            dec.update(body) + dec.finalize()
    return time.perf_counter() - started


def throughput_table(n: int, repeat: int) -> str:
    rows = [
        ("`FieldCipher` AES-256-GCM", lambda: bench_field_cipher("AES-256-GCM", n)),
        ("`FieldCipher` SM4-GCM", lambda: bench_field_cipher("SM4-GCM", n)),
        ("raw `AESGCM` (same bytes)", lambda: bench_raw_aesgcm(n)),
        ("raw SM4-GCM `Cipher` (same bytes)", lambda: bench_raw_sm4gcm(n)),
    ]
    lines = [
        "| path | orders/s per core | µs per order (5 fields, seal + open) | µs per seal or open |",
        "|---|---:|---:|---:|",
    ]
    for label, run in rows:
        best = min(run() for _ in range(repeat))
        per_order = best / n * 1e6
        lines.append(f"| {label} | {n / best:,.0f} | {per_order:.1f} | {per_order / 10:.2f} |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


# -- rotation -----------------------------------------------------------------------------
def _scratch_app(url: str, instance: str, ring: KeyRing):
    from yangguang import create_app

    return create_app(
        {
            "INSTANCE_PATH": instance,
            "HOTLINE_ENV": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "PRIVACY_KEYRING": ring,
        }
    )


def _insert_orders(cipher: FieldCipher, n: int) -> None:
    from sqlalchemy import insert

    from hotline.extensions import db
    from hotline.models.enums import Channel, OrderKind, OrderStatus, TimeLimit
    from hotline.models.orders import Order
    from hotline.models.places import District
    from privacy.orm import utcnow

    district = District(code="110105", name="朝阳区")
    db.session.add(district)
    db.session.flush()
    at = utcnow()
    rows = []
    for i in range(n):
        record_id = str(uuid.uuid4())
        row = {
            "uuid": record_id,
            "order_no": f"20260101{i:06d}",
            "query_code_hash": "-",
            "kind": OrderKind.COMPLAINT,
            "channel": Channel.PHONE,
            "district_id": district.id,
            "time_limit": TimeLimit.NORMAL,
            "confidential": False,
            "status": OrderStatus.CLOSED,
            "round": 1,
            "repeat_count": 0,
            "received_at": at,
            "deadline_at": at,
        }
        for name, value in FIELDS.items():
            row[name] = cipher.seal(value, "orders", name, record_id)
        rows.append(row)
    for start in range(0, n, 2000):
        db.session.execute(insert(Order), rows[start : start + 2000])
    db.session.commit()


def bench_rotation(url: str, n: int) -> tuple[str, float, int]:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from hotline.extensions import db
    from privacy import rotation

    ring = KeyRing.generate(development=False)
    with tempfile.TemporaryDirectory() as instance:
        url = url or f"sqlite:///{instance}/rotation.db"
        app = _scratch_app(url, instance, ring)
        with app.app_context():
            dialect = db.engine.dialect.name
            if dialect == "postgresql":
                if "bench" not in db.engine.url.database:
                    raise SystemExit("refusing to drop the schema of a non-bench database")
                with db.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
            upgrade()
            _insert_orders(FieldCipher(ring), n)
            promoted = FieldCipher(ring.with_new_key("k2").with_primary("k2"))
            started = time.perf_counter()
            stats = rotation.rotate(db.session, promoted, batch_size=1000)
            elapsed = time.perf_counter() - started
            totals = rotation.totals_by_key(rotation.key_report(db.session))
            assert dict(totals) == {"k2": 5 * n}, totals
            db.session.remove()
            db.engine.dispose()
    return dialect, elapsed, stats.resealed


def rotation_table(urls: list[str], n: int) -> str:
    lines = [
        "| database | orders | ciphertexts re-encrypted | seconds | orders/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for url in urls:
        dialect, elapsed, resealed = bench_rotation(url, n)
        lines.append(f"| {dialect} | {n:,} | {resealed:,} | {elapsed:.1f} | {n / elapsed:,.0f} |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


def write_section(body: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    section = f"{HEADING}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000, help="orders per throughput run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per path; the best counts")
    parser.add_argument("--rotation-orders", type=int, default=10_000)
    parser.add_argument("--rotation-url", action="append", default=[], help="PostgreSQL URL")
    parser.add_argument("--no-rotation", action="store_true")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()

    import cryptography

    machine = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, cryptography {cryptography.__version__}, "
        f"load average {os.getloadavg()[0]:.1f} at start (a shared machine: numbers vary)"
    )
    print(f"throughput, {args.orders:,} orders per run, best of {args.repeat} ({machine})")
    throughput = throughput_table(args.orders, args.repeat)
    rotation_md = ""
    if not args.no_rotation:
        urls = [""] + [
            u.replace("postgresql://", "postgresql+psycopg://", 1) for u in args.rotation_url
        ]
        print(f"rotation of {args.rotation_orders:,} orders, batches of 1,000")
        rotation_md = rotation_table(urls, args.rotation_orders)
    run_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    body = f"""Script: `bench/bench_crypto.py`. Run {run_at}
on {machine}; one process, so the figures are per core.

### Encrypt + decrypt of one order's personal fields

Name, phone, ID number, address and {len(CONTENT)} characters of content, each sealed (version
header, key id, AAD of table/column/UUID) and opened again; {args.orders:,} orders with
distinct UUIDs per run, best of {args.repeat}. The raw rows encrypt and decrypt the same bytes
with one key object and no header handling: the floor under the wrapper.

{throughput}
"""
    if rotation_md:
        body += f"""
### Key rotation of {args.rotation_orders:,} orders

`privacy.rotation.rotate` (what `flask privacy keys rotate` runs): every order's five
ciphertexts opened under k1 and sealed under k2, batches of 1,000 rows, one transaction per
batch, compare-and-set UPDATEs. Time of the rotation alone, on a scratch database.

{rotation_md}
"""
    if args.write:
        write_section(body)
        print("bench/RESULTS.md updated")


if __name__ == "__main__":
    main()
