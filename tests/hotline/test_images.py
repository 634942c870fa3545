"""The photo pipeline as a citizen, a handler or an attacker would meet it.

Every sample is made here with Pillow (or by hand, for crafted headers); nothing needs a
Flask app.
"""

from __future__ import annotations

import hashlib
import io
import re
import resource
import struct
import tracemalloc
import zipfile
import zlib

import pytest
from PIL import Image, ImageFile, ImageOps, ImageStat, PngImagePlugin, features

from hotline.errors import ApiError
from hotline.media import images
from hotline.media.images import (
    CORRUPT,
    EMPTY,
    MAX_PHOTO_BYTES,
    THUMB_SIZE,
    TOO_LARGE,
    TOO_MANY_PIXELS,
    TRAILING_DATA,
    UNSUPPORTED_TYPE,
    ImageRejected,
    ProcessedImage,
    process_upload,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
QUADRANTS = ((255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0))  # TL, TR, BL, BR
SRGB_RED, SRGB_GREEN, SRGB_BLUE = (
    (0.4361, 0.2225, 0.0139),
    (0.3851, 0.7169, 0.0971),
    (0.1431, 0.0606, 0.7141),
)
needs_heic = pytest.mark.skipif(not images.HEIC_SUPPORTED, reason="pillow-heif not installed")


# --- samples ----------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def photo(size=(640, 480)) -> Image.Image:
    """Something photo-like: gradients and noise."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 30)
    return Image.merge(
        "RGB",
        (gradient, Image.blend(gradient, noise, 0.5), noise.transpose(Image.Transpose.ROTATE_180)),
    )


def quadrants(size=(64, 48), mode="RGB") -> Image.Image:
    """Four solid quadrants of distinct colours: any rotation or mirroring shows."""
    width, height = size
    image = Image.new(mode, size)
    half_w, half_h = width // 2, height // 2
    boxes = ((0, 0), (half_w, 0), (0, half_h), (half_w, half_h))
    for (x, y), colour in zip(boxes, QUADRANTS, strict=True):
        image.paste(colour, (x, y, x + half_w, y + half_h))
    return image


def quadrant_colours(image: Image.Image) -> list[tuple[int, ...]]:
    width, height = image.size
    points = ((1, 1), (3, 1), (1, 3), (3, 3))
    rgb = image.convert("RGB")
    return [rgb.getpixel((width * x // 4, height * y // 4)) for x, y in points]


def close(a, b, tolerance=24) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def private_exif(orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Huawei"  # Make
    exif[0x0110] = "P60 Pro"  # Model
    exif[0xA431] = "SN-4711-SECRET"  # BodySerialNumber (IFD0 here is fine for the test)
    if orientation:
        exif[0x0112] = orientation
    exif.get_ifd(0x8825).update(  # GPS: somewhere in Dongcheng
        {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    )
    exif.get_ifd(0x8769)[0x927C] = b"HUAWEI\x00\x00MAKERNOTE-SERIAL-123"  # MakerNote
    return exif.tobytes()


XMP = (
    b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF><rdf:Description "
    b"exif:GPSLatitude='39,54.45N' photoshop:City='XMP-CITY'/></rdf:RDF></x:xmpmeta>"
)


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def insert_after_soi(jpeg: bytes, *segments: bytes) -> bytes:
    assert jpeg.startswith(b"\xff\xd8")
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def jpeg_markers(jpeg: bytes) -> list[int]:
    """The markers from SOI up to the first scan."""
    markers, pos = [], 2
    while True:
        assert jpeg[pos] == 0xFF
        marker = jpeg[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            return markers
        pos += 2 + int.from_bytes(jpeg[pos + 2 : pos + 4], "big")


def png_chunks(png: bytes) -> list[bytes]:
    chunks, pos = [], 8
    while pos < len(png):
        length, kind = struct.unpack_from(">I4s", png, pos)
        chunks.append(kind)
        pos += 12 + length
    return chunks


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def icc_matrix_profile(red, green, blue, description: str) -> bytes:
    """A minimal ICC v2 RGB display profile with the given primaries and gamma 2.2."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(values) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(s15(v) for v in values)

    text = description.encode() + b"\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + b"\0" * 79
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(red)),
        (b"gXYZ", xyz(green)),
        (b"bXYZ", xyz(blue)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table = body = b""
    for signature, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    header = (
        struct.pack(">I", offset + len(body))
        + b"\0" * 4
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 28
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def mp4(payload: bytes = b"\0" * 64) -> bytes:
    ftyp = b"ftypmp42" + b"\0\0\0\0" + b"mp42isom"
    return (
        struct.pack(">I", 8 + len(ftyp) - 4)
        + ftyp
        + struct.pack(">I", 8 + len(payload))
        + (b"mdat" + payload)
    )


def a_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.html", "<script>alert(document.cookie)</script>")
    return out.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def rejected(data, code: str, status: int, **kwargs) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        process_upload(data, **kwargs)
    error = caught.value
    assert (error.code, error.status) == (code, status), error.details
    assert isinstance(error, ApiError)
    assert CJK.search(error.message), error.message
    return error


def assert_no_metadata_jpeg(data: bytes) -> None:
    out = Image.open(io.BytesIO(data))
    assert out.format == "JPEG"
    assert not out.getexif()
    assert not {"exif", "xmp", "comment", "icc_profile", "photoshop", "mp"} & set(out.info)
    # Only the JFIF header, quantisation and Huffman tables, the frame and the scan.
    assert set(jpeg_markers(data)) <= {0xE0, 0xDB, 0xC4, 0xC0, 0xDD, 0xDA}
    for needle in (b"Exif", b"http://ns.adobe.com/xap", b"Huawei", b"SERIAL", b"MPF"):
        assert needle not in data


# --- metadata -----------------------------------------------------------------------------


def test_jpeg_loses_every_metadata_block_and_keeps_its_pixels():
    source = photo()
    jpeg = encode(source, "JPEG", quality=92, exif=private_exif(), comment=b"home", xmp=XMP)
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0c\x1c\x02\x5a\x00\x07Beijing"
    jpeg = insert_after_soi(jpeg, jpeg_segment(0xED, iptc), jpeg_segment(0xE9, b"vendor junk"))
    sample = Image.open(io.BytesIO(jpeg))  # the sample does carry what must go
    assert sample.getexif().get_ifd(0x8825)[2] == (39.0, 54.0, 27.0)
    assert {"xmp", "comment", "photoshop"} <= set(sample.info)

    result = process_upload(jpeg)

    assert isinstance(result, ProcessedImage)
    assert (result.mime, result.extension, result.source_mime) == (
        "image/jpeg",
        "jpg",
        "image/jpeg",
    )
    assert (result.width, result.height) == source.size
    assert_no_metadata_jpeg(result.data)
    assert_no_metadata_jpeg(result.thumbnail)
    assert b"Beijing" not in result.data
    assert b"home" not in result.data.split(b"\xff\xda", 1)[0]
    out = Image.open(io.BytesIO(result.data))
    assert out.size == source.size
    assert close(ImageStat.Stat(out).mean, ImageStat.Stat(source).mean, 3)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_orientation_is_applied_to_the_pixels(orientation):
    source = encode(quadrants(), "JPEG", quality=95, exif=private_exif(orientation))
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(source)))

    result = process_upload(source)

    out = Image.open(io.BytesIO(result.data))
    assert not out.getexif()  # no orientation tag left to apply twice
    assert out.size == expected.size == (result.width, result.height)
    assert (result.width, result.height) == ((64, 48) if orientation < 5 else (48, 64))
    for got, want in zip(quadrant_colours(out), quadrant_colours(expected), strict=True):
        assert close(got, want), (got, want)
    thumb = Image.open(io.BytesIO(result.thumbnail))
    assert thumb.size == out.size  # small: not enlarged, same way up
    for got, want in zip(quadrant_colours(thumb), quadrant_colours(expected), strict=True):
        assert close(got, want), (got, want)


def test_rotated_phone_photo_comes_out_upright_with_swapped_dimensions():
    result = process_upload(encode(quadrants((640, 480)), "JPEG", exif=private_exif(6)))
    out = Image.open(io.BytesIO(result.data))
    assert (result.width, result.height) == out.size == (480, 640)
    # Orientation 6: the camera's top-left corner (red) ends up top-right.
    assert close(quadrant_colours(out)[1], QUADRANTS[0])


def test_unreadable_exif_is_ignored_not_fatal():
    junk = jpeg_segment(0xE1, b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff" + b"\x01" * 40)
    result = process_upload(insert_after_soi(encode(quadrants(), "JPEG"), junk))
    assert (result.width, result.height) == (64, 48)
    assert_no_metadata_jpeg(result.data)


def test_malformed_mpf_header_never_reaches_pillow():
    """Pillow would warn "malformed MPO" (an error under this suite's filters)."""
    bogus_mpf = jpeg_segment(0xE2, b"MPF\x00II*\x00\x08\x00\x00\x00\xff\xff\x00\x00")
    result = process_upload(insert_after_soi(encode(quadrants(), "JPEG"), bogus_mpf))
    assert_no_metadata_jpeg(result.data)


def test_png_loses_its_text_chunks_and_exif():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address: Dongcheng, Hutong 1")
    info.add_text("GPS", "39.9075,116.3972", zip=True)
    info.add_itxt("Description", "举报人手机号 13800000000", lang="zh", tkey="描述")
    info.add(b"tIME", b"\x07\xe8\x01\x01\x00\x00\x00")
    info.add(b"prVt", b"private vendor chunk")
    source = quadrants((200, 100))
    png = encode(source, "PNG", pnginfo=info, exif=private_exif())
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"} <= set(png_chunks(png))

    result = process_upload(png)

    assert (result.mime, result.extension) == ("image/png", "png")
    assert set(png_chunks(result.data)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
    for needle in (b"Hutong", b"GPS", b"Description", b"private vendor", b"Huawei"):
        assert needle not in result.data
    out = Image.open(io.BytesIO(result.data))
    assert not out.getexif()
    assert not out.text
    assert out.size == source.size
    assert quadrant_colours(out) == quadrant_colours(source)  # lossless


def test_png_exif_orientation_is_applied():
    result = process_upload(encode(quadrants(), "PNG", exif=private_exif(8)))
    out = Image.open(io.BytesIO(result.data))
    assert out.size == (48, 64)
    expected = quadrants().transpose(Image.Transpose.ROTATE_90)
    assert quadrant_colours(out) == quadrant_colours(expected)
    assert b"eXIf" not in result.data


def test_animated_png_becomes_its_still_default_image():
    frames = [quadrants(), Image.new("RGB", (64, 48), (9, 9, 9))]
    png = encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
    assert b"acTL" in png
    result = process_upload(png)
    assert result.mime == "image/png"
    assert not {b"acTL", b"fcTL", b"fdAT"} & set(png_chunks(result.data))
    assert quadrant_colours(Image.open(io.BytesIO(result.data))) == quadrant_colours(frames[0])


# --- colour and modes ---------------------------------------------------------------------


def test_png_with_alpha_stays_png_and_keeps_transparency():
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((0, 0, 255, 128), (100, 0, 200, 100))
    result = process_upload(encode(image, "PNG"))

    assert result.mime == "image/png"
    out = Image.open(io.BytesIO(result.data))
    assert out.mode == "RGBA"
    assert out.getpixel((10, 10))[3] == 0
    assert out.getpixel((150, 50)) == (0, 0, 255, 128)
    assert result.thumbnail_mime == "image/png"
    thumb = Image.open(io.BytesIO(result.thumbnail))
    assert thumb.mode == "RGBA"
    assert thumb.getpixel((5, 5))[3] == 0


def test_palette_png_with_transparent_index_keeps_transparency():
    image = Image.new("P", (40, 40), 0)
    image.putpalette([255, 255, 255, 200, 30, 30])
    image.paste(1, (20, 0, 40, 40))
    result = process_upload(encode(image, "PNG", transparency=0))
    out = Image.open(io.BytesIO(result.data)).convert("RGBA")
    assert out.getpixel((5, 5))[3] == 0
    assert out.getpixel((30, 5)) == (200, 30, 30, 255)


def test_opaque_rgba_png_is_stored_without_alpha():
    result = process_upload(encode(quadrants(mode="RGBA"), "PNG"))
    assert Image.open(io.BytesIO(result.data)).mode == "RGB"
    assert result.thumbnail_mime == "image/jpeg"


def test_photo_saved_as_png_becomes_jpeg():
    noisy = Image.merge("RGB", [Image.effect_noise((1100, 1100), 80) for _ in range(3)])
    png = encode(noisy, "PNG", compress_level=1)
    assert 3 * 1024 * 1024 < len(png) < MAX_PHOTO_BYTES
    result = process_upload(png)
    assert (result.mime, result.extension, result.source_mime) == ("image/jpeg", "jpg", "image/png")
    assert (result.width, result.height) == (1100, 1100)
    assert_no_metadata_jpeg(result.data)


def test_png_larger_than_a_4k_screen_becomes_jpeg():
    result = process_upload(encode(Image.new("RGB", (4000, 2200), (30, 60, 90)), "PNG"))
    assert result.mime == "image/jpeg"
    assert (result.width, result.height) == (4000, 2200)


def test_transparent_png_too_big_to_keep_is_flattened_on_white(monkeypatch):
    monkeypatch.setattr(images, "PNG_KEEP_MAX_BYTES", 10)
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (32, 0, 64, 64))
    result = process_upload(encode(image, "PNG"))
    assert result.mime == "image/jpeg"
    out = Image.open(io.BytesIO(result.data))
    assert out.mode == "RGB"
    assert close(out.getpixel((8, 32)), (255, 255, 255))
    assert close(out.getpixel((56, 32)), (200, 0, 0))


def test_cmyk_jpeg_is_converted_to_rgb():
    cmyk = Image.new("CMYK", (64, 64), (0, 255, 255, 0))  # red ink: magenta + yellow
    cmyk.paste((255, 255, 0, 0), (32, 0, 64, 64))  # cyan + magenta: blue
    result = process_upload(encode(cmyk, "JPEG", quality=95))
    assert result.mime == "image/jpeg"
    out = Image.open(io.BytesIO(result.data))
    assert out.mode == "RGB"
    assert close(out.getpixel((10, 32)), (255, 0, 0), 30)
    assert close(out.getpixel((50, 32)), (0, 0, 255), 30)
    assert_no_metadata_jpeg(result.data)


def test_embedded_colour_profile_is_applied_then_dropped():
    # Red and green primaries swapped: this file's "red" is sRGB green.
    swapped = icc_matrix_profile(SRGB_GREEN, SRGB_RED, SRGB_BLUE, "Swapped primaries")
    jpeg = encode(Image.new("RGB", (32, 32), (255, 0, 0)), "JPEG", icc_profile=swapped)
    result = process_upload(jpeg)
    out = Image.open(io.BytesIO(result.data))
    assert "icc_profile" not in out.info
    assert close(out.getpixel((16, 16)), (0, 255, 0), 30)


def test_srgb_profile_leaves_the_pixels_alone():
    srgb = icc_matrix_profile(SRGB_RED, SRGB_GREEN, SRGB_BLUE, "sRGB IEC61966-2.1")
    result = process_upload(encode(quadrants(), "PNG", icc_profile=srgb))
    out = Image.open(io.BytesIO(result.data))
    assert "icc_profile" not in out.info
    assert quadrant_colours(out) == list(QUADRANTS)


def test_broken_colour_profile_is_ignored():
    jpeg = encode(quadrants(), "JPEG", icc_profile=b"not a profile at all" * 10)
    result = process_upload(jpeg)
    assert_no_metadata_jpeg(result.data)


def test_sixteen_bit_grey_png_is_scaled_not_clipped():
    grey = Image.new("I;16", (32, 32), 32768)
    result = process_upload(encode(grey, "PNG"))
    out = Image.open(io.BytesIO(result.data))
    assert out.mode == "L"
    assert out.getpixel((5, 5)) == 128


# --- broken files -------------------------------------------------------------------------


def test_empty_file():
    rejected(b"", EMPTY, 422)


@pytest.mark.parametrize("keep", [0.6, 0.95])
def test_truncated_jpeg(keep):
    jpeg = encode(photo(), "JPEG")
    rejected(jpeg[: int(len(jpeg) * keep)], CORRUPT, 422)


def test_jpeg_without_end_marker():
    rejected(encode(photo(), "JPEG")[:-2], CORRUPT, 422)


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_truncated_png(keep):
    png = encode(photo(), "PNG")
    rejected(png[: int(len(png) * keep)], CORRUPT, 422)


def test_png_without_iend():
    png = encode(photo(), "PNG")
    assert png.endswith(png_chunk(b"IEND", b""))
    rejected(png[:-12], CORRUPT, 422)


def test_png_with_a_bad_checksum():
    png = bytearray(encode(photo(), "PNG"))
    png[60] ^= 0xFF  # inside the first IDAT
    rejected(bytes(png), CORRUPT, 422)


def test_png_whose_compressed_data_is_garbage():
    header = encode(Image.new("RGB", (64, 64)), "PNG")[:33]  # signature + IHDR
    garbage = png_chunk(b"IDAT", b"\x78\x9c" + b"\x13\x37" * 100)
    rejected(header + garbage + png_chunk(b"IEND", b""), CORRUPT, 422)


def test_png_with_an_unknown_critical_chunk():
    png = encode(quadrants(), "PNG")
    rejected(png[:33] + png_chunk(b"CgBI", b"\0\0\0\0") + png[33:], CORRUPT, 422)


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (b"just some text, no image here\n", None),
        (encode(Image.new("RGB", (8, 8)), "GIF"), "image/gif"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "application/pdf"),
        (HTML, None),  # what a "photo.jpg" can really be
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", None),
        (encode(Image.new("RGB", (8, 8)), "BMP"), "image/bmp"),
        (encode(Image.new("RGB", (8, 8)), "TIFF"), "image/tiff"),
        (a_zip(), "application/zip"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "image/avif"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", None),  # a video
    ],
)
def test_not_an_accepted_image(data, detected):
    error = rejected(data, UNSUPPORTED_TYPE, 415)
    assert error.details.get("detected") == detected
    assert "image/jpeg" in error.details["accepted"]


@pytest.mark.skipif(not features.check("webp"), reason="Pillow without WebP")
def test_webp_is_not_accepted():
    error = rejected(encode(photo(), "WEBP"), UNSUPPORTED_TYPE, 415)
    assert error.details["detected"] == "image/webp"


def test_heic_without_pillow_heif_says_how_to_fix_it(monkeypatch):
    monkeypatch.setattr(images, "HEIC_SUPPORTED", False)
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 100
    error = rejected(heic, UNSUPPORTED_TYPE, 415)
    assert error.details == {"accepted": ["image/jpeg", "image/png"], "detected": "image/heic"}
    assert "HEIC" in error.message


# --- polyglots ----------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [HTML, a_zip(), b"\xff\xd8\xff\xe0junk", b"\x00\x00PK"])
def test_jpeg_with_payload_after_its_end(payload):
    jpeg = encode(quadrants(), "JPEG")
    assert jpeg.endswith(b"\xff\xd9")
    rejected(jpeg + payload, TRAILING_DATA, 422)


@pytest.mark.parametrize("payload", [HTML, a_zip(), b"\n"])
def test_png_with_payload_after_iend(payload):
    rejected(encode(quadrants(), "PNG") + payload, TRAILING_DATA, 422)


def test_second_jpeg_appended_without_an_mpf_index():
    jpeg = encode(quadrants(), "JPEG")
    rejected(jpeg + jpeg, TRAILING_DATA, 422)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0" + HTML,
        b"\xff\xd8\xff" + b"\x00" * 100,
        b"\x89PNG\r\n\x1a\n" + HTML,
        b"\x89PNG\r\n\x1a\n",
    ],
)
def test_image_magic_in_front_of_something_else(data):
    rejected(data, CORRUPT, 422)


def test_nul_padding_after_the_end_is_harmless():
    for data in (encode(quadrants(), "JPEG"), encode(quadrants(), "PNG")):
        result = process_upload(data + b"\0" * 4096)
        assert (result.width, result.height) == (64, 48)


def test_multi_picture_jpeg_keeps_only_the_primary_image():
    """Ultra HDR gain maps and MPO stereo pairs sit after the first EOI, declared by MPF."""
    second = Image.new("RGB", (32, 24), (9, 9, 9))
    mpo = encode(quadrants(), "MPO", save_all=True, append_images=[second])
    assert b"MPF\x00" in mpo

    result = process_upload(mpo)

    assert (result.width, result.height) == (64, 48)
    assert result.data.count(b"\xff\xd8") == 1
    assert_no_metadata_jpeg(result.data)
    rejected(mpo + HTML, TRAILING_DATA, 422)


def motion_photo(video: bytes) -> bytes:
    xmp = jpeg_segment(
        0xE1,
        b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><rdf:Description GCamera:MotionPhoto='1'"
        b" GCamera:MotionPhotoVersion='1'/></x:xmpmeta>",
    )
    return insert_after_soi(encode(quadrants(), "JPEG"), xmp) + video


def test_motion_photo_video_is_dropped():
    result = process_upload(motion_photo(mp4()))
    assert (result.width, result.height) == (64, 48)
    assert b"ftyp" not in result.data
    assert b"MotionPhoto" not in result.data


def test_video_without_a_motion_photo_declaration_is_refused():
    rejected(encode(quadrants(), "JPEG") + mp4(), TRAILING_DATA, 422)


@pytest.mark.parametrize("extra", [a_zip(), HTML, b"\x00\x00\x10\x00mdat"])
def test_motion_photo_with_something_after_the_video_is_refused(extra):
    rejected(motion_photo(mp4() + extra), TRAILING_DATA, 422)


# --- limits -------------------------------------------------------------------------------


def test_eleven_megabyte_upload_is_refused_before_parsing():
    data = b"\xff\xd8\xff" + b"\0" * (11 * 1024 * 1024)
    error = rejected(data, TOO_LARGE, 413)
    assert error.details == {"max_bytes": MAX_PHOTO_BYTES, "size": len(data)}
    assert "10 MB" in error.message


def test_byte_limit_is_inclusive():
    jpeg = encode(quadrants(), "JPEG")
    assert process_upload(jpeg, max_bytes=len(jpeg)).width == 64
    rejected(jpeg, TOO_LARGE, 413, max_bytes=len(jpeg) - 1)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header announces ``width`` x ``height`` pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * (3 * width + 1) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    jpeg = bytearray(encode(quadrants(), "JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(jpeg)


@pytest.mark.parametrize("crafted", [png_claiming, jpeg_claiming])
def test_pixel_bomb_is_refused_before_decoding(crafted, monkeypatch):
    bomb = crafted(50_000, 50_000)  # 2.5 gigapixels: 7.5 GB as RGB
    assert len(bomb) < 200_000

    def no_decoding(*args, **kwargs):
        raise AssertionError("the pixels were about to be decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(Image, "open", no_decoding)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    tracemalloc.start()
    try:
        error = rejected(bomb, TOO_MANY_PIXELS, 422)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before

    assert error.details["width"] == error.details["height"] == 50_000
    assert peak < 10 * 1024 * 1024
    assert rss_growth < 200 * 1024
    assert "50000×50000" in error.message


def test_pixel_limit_can_be_lowered_per_call():
    jpeg = encode(quadrants((100, 100)), "JPEG")
    assert process_upload(jpeg, max_pixels=10_000).width == 100
    error = rejected(jpeg, TOO_MANY_PIXELS, 422, max_pixels=9_999)
    assert error.details == {"width": 100, "height": 100, "max_pixels": 9_999}


def test_pillows_own_bomb_limit_is_respected_without_a_warning(monkeypatch):
    """A lower process-wide Pillow limit wins, and is met before Pillow warns or raises."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5_000)
    for fmt in ("JPEG", "PNG"):
        rejected(encode(quadrants((100, 60)), fmt), TOO_MANY_PIXELS, 422)  # 1.2 x the limit
        rejected(encode(quadrants((100, 120)), fmt), TOO_MANY_PIXELS, 422)  # 2.4 x: an error
        assert process_upload(encode(quadrants((70, 70)), fmt)).width == 70


# --- outputs ------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "thumb"), [((1000, 400), (320, 128)), ((300, 900), (107, 320))])
def test_thumbnail_fits_the_box_and_is_a_valid_image(size, thumb):
    result = process_upload(encode(photo(size), "JPEG"))
    assert (result.thumbnail_width, result.thumbnail_height) == thumb
    image = Image.open(io.BytesIO(result.thumbnail))
    image.load()
    assert image.format == "JPEG"
    assert result.thumbnail_mime == "image/jpeg"
    assert image.size == thumb
    assert max(image.size) <= THUMB_SIZE
    check = Image.open(io.BytesIO(result.thumbnail))
    check.verify()


def test_thumbnail_size_can_be_chosen_and_is_never_enlarged():
    result = process_upload(encode(photo((500, 250)), "JPEG"), thumb_size=64)
    assert Image.open(io.BytesIO(result.thumbnail)).size == (64, 32)
    small = process_upload(encode(photo((100, 50)), "JPEG"))
    assert Image.open(io.BytesIO(small.thumbnail)).size == (100, 50)


def test_sha256_is_that_of_the_stored_bytes():
    result = process_upload(encode(photo(), "JPEG"))
    assert result.sha256 == hashlib.sha256(result.data).hexdigest()
    assert len(result.sha256) == 64


def test_output_is_a_fresh_encoding_even_of_a_clean_file():
    clean = encode(photo(), "JPEG", quality=100)
    result = process_upload(clean)
    assert result.data != clean
    assert len(result.data) < len(clean)


def test_accepts_bytearray_and_memoryview():
    jpeg = encode(quadrants(), "JPEG")
    assert process_upload(bytearray(jpeg)).sha256 == process_upload(memoryview(jpeg)).sha256


def test_result_repr_does_not_dump_the_bytes():
    text = repr(process_upload(encode(photo(), "JPEG")))
    assert "data=" not in text
    assert len(text) < 400


# --- HEIC ---------------------------------------------------------------------------------


@needs_heic
def test_heic_is_converted_to_jpeg_without_metadata():
    heic = encode(photo((640, 480)), "HEIF", quality=90, exif=private_exif(), xmp=XMP)
    assert heic[4:12] == b"ftypheic"
    assert b"Huawei" in heic  # the sample does carry EXIF

    result = process_upload(heic)

    assert (result.mime, result.extension, result.source_mime) == (
        "image/jpeg",
        "jpg",
        "image/heic",
    )
    assert (result.width, result.height) == (640, 480)
    assert_no_metadata_jpeg(result.data)
    assert_no_metadata_jpeg(result.thumbnail)


@needs_heic
def test_heic_rotation_is_applied_once():
    heic = encode(quadrants((128, 96)), "HEIF", quality=95, exif=private_exif(6))
    result = process_upload(heic)
    out = Image.open(io.BytesIO(result.data))
    assert out.size == (96, 128)
    expected = quadrants((128, 96)).transpose(Image.Transpose.ROTATE_270)
    for got, want in zip(quadrant_colours(out), quadrant_colours(expected), strict=True):
        assert close(got, want, 40), (got, want)


@needs_heic
def test_heic_with_payload_or_truncated():
    heic = encode(photo((256, 256)), "HEIF")
    rejected(heic + a_zip(), TRAILING_DATA, 422)
    rejected(heic + HTML, TRAILING_DATA, 422)
    rejected(heic[: len(heic) // 2], CORRUPT, 422)
    assert process_upload(heic + b"\0" * 100).width == 256


@needs_heic
def test_heic_pixel_limit_comes_from_the_container():
    heic = encode(photo((256, 256)), "HEIF")
    rejected(heic, TOO_MANY_PIXELS, 422, max_pixels=256 * 255)
