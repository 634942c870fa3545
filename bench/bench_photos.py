"""What one photo upload costs: the check and re-encoding, the sealing, the whole request.

    .venv/bin/python bench/bench_photos.py [--runs 5]

Uses a scratch SQLite instance under a temporary directory; needs nothing else. Prints
medians in milliseconds and the sizes involved.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time

from PIL import Image

from hotline.media.images import process_upload
from privacy.crypto import FieldCipher
from privacy.keyring import KeyRing


def camera_photo(width: int, height: int) -> bytes:
    """A photo-like 12 MP JPEG with GPS and camera tags, as a phone writes it."""
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 40)
    image = Image.merge("RGB", (gradient, Image.blend(gradient, noise, 0.5), noise))
    exif = Image.Exif()
    exif[0x010F] = "Huawei"
    exif.get_ifd(0x8825).update({1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = camera_photo(4000, 3000)
    print(f"upload: 4000x3000 JPEG, {len(data) / 1e6:.1f} MB")
    processed = process_upload(data)
    print(f"stored: {len(processed.data) / 1e6:.1f} MB, thumbnail {len(processed.thumbnail)} B")
    checked = median_ms(lambda: process_upload(data), args.runs)
    print(f"check + re-encode + thumbnail: {checked:.0f} ms")
    cipher = FieldCipher(KeyRing.generate(development=True))
    sealed = cipher.seal_bytes(processed.data, "attachments", "full_image", "x")
    seal = median_ms(
        lambda: cipher.seal_bytes(processed.data, "attachments", "full_image", "x"), args.runs
    )
    opened = median_ms(
        lambda: cipher.open_bytes(sealed, "attachments", "full_image", "x"), args.runs
    )
    print(f"seal full image: {seal:.1f} ms, open: {opened:.1f} ms")

    from flask_migrate import upgrade

    from hotline.services.citizen import auth
    from yangguang import create_app

    boundary = "bench-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    with tempfile.TemporaryDirectory() as instance:
        limits = {"photo_phone": "100000/hour", "photo_client": "100000/hour"}
        app = create_app(
            {
                "INSTANCE_PATH": instance,
                "HOTLINE_ENV": "testing",
                "SECRET_KEY": "bench",
                "CITIZEN_RATE_LIMITS": limits,
                "PHOTO_STAGED_MAX": 1000,
            }
        )
        with app.app_context():
            upgrade(revision="heads")
            token, _ = auth.issue_token(auth.phone_bidx("13800138000"))
            client = app.test_client()
            headers = {"Authorization": f"Bearer {token}"}

            def post():
                resp = client.post(
                    "/api/v1/photos",
                    data=body,
                    content_type=f"multipart/form-data; boundary={boundary}",
                    headers=headers,
                )
                assert resp.status_code == 201, resp.get_json()

            print(f"POST /api/v1/photos (SQLite): {median_ms(post, args.runs):.0f} ms")
    print(f"load: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
