"""Photo uploads: bytes in, checked and cleaned bytes out.

Citizens attach photos to a request or an open order; unit handlers attach "after" photos
to progress and completion steps. Every photo goes through :func:`process_upload` before
anything is kept. It needs no Flask app; storage, routes and per-order limits are built on
top of it.

What is checked, in this order
------------------------------
1. **Size**, before anything is parsed: 0 bytes is ``image_empty``; more than ``max_bytes``
   (default :data:`MAX_PHOTO_BYTES`) is ``image_too_large`` (HTTP 413).
2. **Type, from the bytes only** (magic numbers), never from a file name or a declared
   content type: JPEG (``FF D8 FF``), PNG (its 8-byte signature) and HEIC (an ISO-BMFF
   ``ftyp`` box with a HEVC brand, only when ``pillow-heif`` is installed). Anything else,
   WebP, GIF, AVIF, PDF, HTML or text included, is ``image_unsupported_type`` (415).
   WebP is left out on purpose: no phone camera writes it (they write JPEG or HEIC,
   screenshots are PNG), and every extra decoder is attack surface (libwebp's
   CVE-2023-4863 was exploited through images). Adding it later is one more entry in
   ``_sniff`` and ``_PIL_FORMAT``.
3. **Structure**, walked by this module rather than by the decoder:

   * JPEG: segment by segment from SOI, entropy-coded data skipped up to the next real
     marker, until EOI; exactly one frame header (SOF) with non-zero dimensions, and a
     scan after it.
   * PNG: chunk by chunk, every CRC verified; IHDR first, at least one IDAT, IEND last;
     an unknown *critical* chunk is refused.
   * HEIC: the top-level boxes, which must tile the file exactly; the image sizes are
     read from the ``ispe`` properties.

   A file that starts with one format's magic but does not walk as that format (an HTML
   page behind a JPEG signature, say) is ``image_corrupt`` (422), as is a truncated one.

   **Polyglots.** Bytes after the image's end (after the JPEG EOI, the PNG IEND, the last
   HEIC box) are ``image_trailing_data`` (422): that is where an appended ZIP, HTML or
   script hides. Three kinds of trailer are written by phones and are accepted (and then
   dropped, like everything but the pixels):

   * NUL padding (only zero bytes, which carry nothing);
   * the further JPEG images a JPEG's own MPF header announces (Ultra HDR gain maps of
     recent Android phones, HDR exports of iPhones, MPO stereo photos), each walked as a
     JPEG in turn;
   * the MP4 video of a "motion photo" (Google's format, used by Pixel, Xiaomi, OPPO,
     vivo...), only when the JPEG's XMP declares one, and walked as ISO-BMFF boxes.

   What this cannot see: a payload inside a metadata segment or a box of a well-formed
   file. That is harmless here because the original bytes are never kept: only pixels
   re-encoded by Pillow leave this module.
4. **Pixels**, from the header this module parsed (JPEG SOF, PNG IHDR, the largest HEIC
   ``ispe``), before the decoder is even asked: more than ``max_pixels`` (default
   :data:`MAX_PHOTO_PIXELS`) is ``image_too_many_pixels``. The status is 422, not 413: the
   request body was within the byte limit, so 413 (which proxies also send for oversized
   bodies) would mislead the client; the code tells the two apart.

   Pillow's own decompression-bomb guard stays on as a second line. Its limit,
   ``Image.MAX_IMAGE_PIXELS``, is one process-wide global read at check time, so it is
   not changed here: swapping it around a call (and likewise ``warnings.catch_warnings``)
   is not thread-safe. Instead the limit applied is ``min(max_pixels,
   Image.MAX_IMAGE_PIXELS)`` and it is applied first, so Pillow's check never fires
   (neither its ``DecompressionBombWarning`` nor its error) for an image this module
   hands it; should it fire anyway, either is turned into ``image_too_many_pixels``.
5. **Decoding**: the decoder gets a stream with the metadata segments already removed
   (JPEG: every APPn and COM but the ICC profile and the Adobe colour-transform segment;
   PNG: every chunk but IHDR, PLTE, tRNS, IDAT, iCCP and IEND, so APNG frames too), and
   Pillow is restricted to the one format found. So EXIF, XMP, MPF and maker-note parsers
   never run on what a client sent. The image is fully decoded (``load()``), which catches
   a damaged compressed stream; ``ImageFile.LOAD_TRUNCATED_IMAGES`` is never enabled, and
   truncation is refused by the structure walk whatever it is set to.

What comes out
--------------
* The **EXIF orientation** (JPEG APP1, PNG eXIf; parsed here, a few bytes) is applied to
  the pixels, so the photo is upright without metadata. HEIC's rotation and mirroring are
  applied by libheif.
* **Colour**: an embedded ICC profile (Display P3 from iPhones, Adobe RGB, a CMYK press
  profile) is used to convert the pixels to sRGB with LittleCMS, and then *not* written
  out: untagged images are shown as sRGB everywhere, the profile is not personal but it
  is attacker-supplied, opaque bytes, and dropping it keeps "only pixels leave" true.
  A profile that cannot be read is ignored (the pixels are taken as sRGB). CMYK without
  a profile gets Pillow's plain conversion. 16-bit greyscale is scaled to 8 bits.
* **Re-encoding from the pixels only**: a new file with no EXIF (GPS, maker notes,
  serial numbers), XMP, IPTC, comments, PNG text chunks or ICC profile. JPEG at quality
  :data:`JPEG_QUALITY` with optimised Huffman tables (8 % smaller for an eighth of a
  second on 12 MP; progressive would save 5 % more but takes 4-9 times as long to
  encode, and lists show the thumbnails anyway). A PNG stays PNG when it is a screenshot
  or a graphic: at most :data:`PNG_KEEP_MAX_PIXELS` (a 4K screen) and, re-encoded, at
  most :data:`PNG_KEEP_MAX_BYTES`; it then keeps its transparency and its sharp text.
  Otherwise (a photo saved as PNG) it becomes JPEG, with transparent areas on white,
  which bounds the stored size. HEIC always becomes JPEG. A PNG kept as PNG has exactly
  the pixel values that were sent, and those can be chosen to spell out bytes in the
  compressed stream: wherever photos are served, content sniffing must stay off
  (``X-Content-Type-Options: nosniff`` and the stored ``mime`` as the content type).
* A **thumbnail**, longest side at most ``thumb_size`` (default :data:`THUMB_SIZE`),
  never enlarged: PNG when the image has transparency, JPEG otherwise. It is made from
  the pixels already decoded for the full image (box reduction, then Lanczos; about
  20 ms for 12 MP). ``Image.draft()`` is not used: it only helps when the full image is
  not decoded at all, and here it is, so a draft decode would cost a second decode
  without lowering the peak memory.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from PIL import Image, ImageCms

from hotline.errors import ApiError


def _load_heif_plugin() -> bool:
    """Register pillow-heif's opener when it is installed and has a HEVC decoder."""
    try:
        import pillow_heif
    except ImportError:
        return False
    try:
        # Only the primary image is wanted: skip thumbnails, depth and auxiliary images.
        pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
        decoders = pillow_heif.libheif_info().get("decoders") or {}
    except (OSError, RuntimeError, ValueError, KeyError):
        return False
    return bool(decoders)


HEIC_SUPPORTED: bool = _load_heif_plugin()
"""Whether HEIC/HEIF photos are accepted (``pillow-heif`` installed and working)."""

MAX_PHOTO_BYTES = 10 * 1024 * 1024
"""Largest upload accepted, in bytes (10 MiB). A 12 MP phone JPEG is 2-6 MB."""

MAX_PHOTO_PIXELS = 50 * 1024 * 1024
"""Most pixels accepted: 52,428,800. Phones make 12 MP photos by default and 48-50 MP in
their full-resolution mode (8000 x 6000, 8160 x 6144, 8192 x 6144 all fit); 64 and
200 MP modes do not. Decoded, the largest accepted photo takes 150 MB (RGB), 200 MB with
an alpha channel, and about twice that at the peak of a rotation."""

THUMB_SIZE = 320
"""Longest side of the thumbnail, in pixels."""

JPEG_QUALITY = 85
"""libjpeg quality of the stored JPEG (4:2:0 chroma, optimised Huffman tables)."""

THUMB_JPEG_QUALITY = 80

PNG_KEEP_MAX_PIXELS = 3840 * 2160
"""A PNG larger than a 4K screen is taken for a photo and stored as JPEG."""

PNG_KEEP_MAX_BYTES = 3 * 1024 * 1024
"""A PNG whose re-encoding is larger than this is taken for a photo and stored as JPEG."""

# Error codes, each with one HTTP status.
EMPTY = "image_empty"  # 422
TOO_LARGE = "image_too_large"  # 413
UNSUPPORTED_TYPE = "image_unsupported_type"  # 415
CORRUPT = "image_corrupt"  # 422
TOO_MANY_PIXELS = "image_too_many_pixels"  # 422
TRAILING_DATA = "image_trailing_data"  # 422


class ImageRejected(ApiError):
    """An upload refused by :func:`process_upload`; ``code`` says why."""

    status, code = 422, "image_rejected"


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    """A checked photo, re-encoded from its pixels, and its thumbnail."""

    mime: str  # "image/jpeg" or "image/png"
    extension: str  # "jpg" or "png"
    width: int
    height: int
    data: bytes = field(repr=False)
    thumbnail: bytes = field(repr=False)
    thumbnail_mime: str
    thumbnail_width: int
    thumbnail_height: int
    sha256: str  # hex digest of ``data``
    source_mime: str  # what was uploaded: "image/jpeg", "image/png" or "image/heic"


def accepted_mime_types() -> tuple[str, ...]:
    """The content types :func:`process_upload` accepts, for an ``accept`` attribute."""
    return ("image/jpeg", "image/png", "image/heic") if HEIC_SUPPORTED else _BASE_TYPES


def process_upload(
    data: bytes,
    *,
    max_bytes: int = MAX_PHOTO_BYTES,
    max_pixels: int = MAX_PHOTO_PIXELS,
    thumb_size: int = THUMB_SIZE,
) -> ProcessedImage:
    """Check an uploaded photo and return it re-encoded, without metadata, with a thumbnail.

    ``max_bytes`` bounds the upload's size, ``max_pixels`` its width x height (lowered to
    Pillow's process-wide ``Image.MAX_IMAGE_PIXELS`` if that is smaller), ``thumb_size``
    the thumbnail's longest side. Raises :class:`ImageRejected` (an
    :class:`~hotline.errors.ApiError`) with one of the codes :data:`EMPTY`,
    :data:`TOO_LARGE`, :data:`UNSUPPORTED_TYPE`, :data:`CORRUPT`, :data:`TOO_MANY_PIXELS`
    or :data:`TRAILING_DATA`. See the module docstring for what is checked and how.

    CPU-bound and safe to call from several threads; a 12 MP photo takes about 0.4 s and
    some 100-130 MB of memory at its peak (the decoded pixels, and a second copy while
    an EXIF rotation is applied), so callers should bound how many run at once.
    """
    if not isinstance(data, bytes):
        data = bytes(data)
    if not data:
        raise _rejected(EMPTY, 422, "照片文件是空的（0 字节），请重新选择或重新拍摄")
    if len(data) > max_bytes:
        raise _rejected(
            TOO_LARGE,
            413,
            f"照片不能超过 {_human_size(max_bytes)}，请压缩后重新上传",
            max_bytes=max_bytes,
            size=len(data),
        )

    kind = _sniff(data)
    try:
        layout = _LAYOUT_WALKERS[kind](data)
    except _Malformed as exc:
        raise _corrupt(exc.reason) from exc

    limit = max_pixels
    if Image.MAX_IMAGE_PIXELS is not None:
        limit = min(limit, Image.MAX_IMAGE_PIXELS)
    _check_pixels(layout.width, layout.height, limit)

    image = _decode(kind, layout, limit)
    icc_profile = image.info.get("icc_profile")
    image = _to_working_mode(image)
    image = _to_srgb(image, icc_profile)
    transpose = _TRANSPOSE.get(layout.orientation)
    if transpose is not None:
        image = image.transpose(transpose)
    image.info = {}  # nothing read from the upload goes into the new files

    encoded, mime, extension, image = _encode(image, kind)
    thumbnail, thumbnail_mime, thumbnail_size = _thumbnail(image, thumb_size)
    return ProcessedImage(
        mime=mime,
        extension=extension,
        width=image.width,
        height=image.height,
        data=encoded,
        thumbnail=thumbnail,
        thumbnail_mime=thumbnail_mime,
        thumbnail_width=thumbnail_size[0],
        thumbnail_height=thumbnail_size[1],
        sha256=hashlib.sha256(encoded).hexdigest(),
        source_mime=_SOURCE_MIME[kind],
    )


# --- errors ---------------------------------------------------------------------------

_BASE_TYPES = ("image/jpeg", "image/png")


def _rejected(code: str, status: int, message: str, **details) -> ImageRejected:
    return ImageRejected(message, code=code, status=status, details=details)


def _corrupt(reason: str) -> ImageRejected:
    return _rejected(
        CORRUPT, 422, "照片文件已损坏或不完整，无法识别，请重新选择或重新拍摄", reason=reason
    )


def _trailing(reason: str) -> ImageRejected:
    return _rejected(
        TRAILING_DATA,
        422,
        "照片文件末尾附带了图片以外的数据，为安全起见无法接收，请重新拍摄或换一张照片",
        reason=reason,
    )


def _unsupported(detected: str | None) -> ImageRejected:
    accepted = accepted_mime_types()
    details: dict = {"accepted": list(accepted)}
    if detected:
        details["detected"] = detected
    if detected == "image/heic":  # only reached without pillow-heif
        message = "暂不支持 HEIC 格式的照片，请在相机设置中选择“兼容性最佳”后重新拍摄，或转为 JPEG"
    else:
        names = "、".join(_TYPE_NAMES[t] for t in accepted)
        message = f"只能上传 {names} 格式的照片"
    return _rejected(UNSUPPORTED_TYPE, 415, message, **details)


def _check_pixels(width: int, height: int, limit: int) -> None:
    if width * height > limit:
        raise _too_many_pixels(width, height, limit)


def _too_many_pixels(width: int, height: int, limit: int) -> ImageRejected:
    return _rejected(
        TOO_MANY_PIXELS,
        422,
        f"照片分辨率过高（{width}×{height}），最多支持 {limit / 10_000:.0f} 万像素，"
        "请调低拍摄分辨率或压缩后重新上传",
        width=width,
        height=height,
        max_pixels=limit,
    )


def _human_size(size: int) -> str:
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} 字节"


_TYPE_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/heic": "HEIC"}
_SOURCE_MIME = {"jpeg": "image/jpeg", "png": "image/png", "heic": "image/heic"}


class _Malformed(Exception):
    """Internal: the structure walk failed; turned into an ImageRejected."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Truncated(_Malformed):
    pass


# --- type -----------------------------------------------------------------------------

_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_OTHER_SIGNATURES = (
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xff\x0a", "image/jxl"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "image/jxl"),
)


def _sniff(data: bytes) -> str:
    """The kind of image from its first bytes: "jpeg", "png" or "heic"; else 415."""
    if data.startswith(_JPEG_MAGIC):
        return "jpeg"
    if data.startswith(_PNG_MAGIC):
        return "png"
    brands = _ftyp_brands(data)
    if brands is not None:
        if brands[0] not in _AVIF_BRANDS and not _HEIC_BRANDS.isdisjoint(brands):
            if HEIC_SUPPORTED:
                return "heic"
            raise _unsupported("image/heic")
        raise _unsupported("image/avif" if not _AVIF_BRANDS.isdisjoint(brands) else None)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        raise _unsupported("image/webp")
    for signature, mime in _OTHER_SIGNATURES:
        if data.startswith(signature):
            raise _unsupported(mime)
    raise _unsupported(None)


def _ftyp_brands(data: bytes) -> list[bytes] | None:
    """The major and compatible brands of a leading ISO-BMFF ``ftyp`` box, if any."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return None
    size = int.from_bytes(data[:4], "big")
    if size < 16 or size > min(len(data), 4096):
        return None
    return [data[8:12]] + [data[i : i + 4] for i in range(16, size - 3, 4)]


# --- structure ------------------------------------------------------------------------


@dataclass(slots=True)
class _Layout:
    """What the structure walk found: dimensions, the stream for the decoder, and more."""

    width: int
    height: int
    stream: bytes  # what the decoder gets: metadata segments removed where possible
    orientation: int = 1  # EXIF orientation, 1-8


def _only_padding(data: bytes, pos: int) -> bool:
    """Whether everything from ``pos`` on is NUL padding (or nothing)."""
    rest = len(data) - pos
    return rest <= 0 or (data[pos] == 0 and data.count(0, pos) == rest)


# JPEG --------------------------------------------------------------------------------

_JPEG_SOF = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)
# After a scan's header: the next 0xFF that is neither byte stuffing (FF 00), a restart
# marker (FF D0-D7) nor a fill byte (FF FF) starts the next segment.
_JPEG_ENTROPY_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_MAX_JPEG_SEGMENTS = 4096
_MAX_MPF_IMAGES = 16
_XMP_PREFIX = b"http://ns.adobe.com/xap/1.0/\x00"


@dataclass(slots=True)
class _JpegWalk:
    end: int = 0  # just past EOI
    width: int = 0
    height: int = 0
    exif: bytes | None = None
    motion_photo: bool = False
    mpf_images: int = 0
    dropped: list[tuple[int, int]] = field(default_factory=list)


def _walk_jpeg(data: bytes, start: int) -> _JpegWalk:
    """Walk one JPEG from its SOI at ``start`` to its EOI, noting what to keep."""
    n = len(data)
    if not data.startswith(b"\xff\xd8", start):
        raise _Malformed("jpeg_no_soi")
    walk = _JpegWalk()
    pos = start + 2
    scanned = False
    for _ in range(_MAX_JPEG_SEGMENTS):
        if pos >= n:
            raise _Truncated("jpeg_truncated")
        if data[pos] != 0xFF:
            raise _Malformed("jpeg_bad_marker")
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            raise _Truncated("jpeg_truncated")
        marker = data[pos]
        segment_start = pos - 1
        pos += 1
        if marker == 0xD9:  # EOI
            if not scanned:
                raise _Malformed("jpeg_no_scan")
            walk.end = pos
            return walk
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # no length
            continue
        if marker in (0x00, 0xD8):
            raise _Malformed("jpeg_bad_marker")
        if pos + 2 > n:
            raise _Truncated("jpeg_truncated")
        length = int.from_bytes(data[pos : pos + 2], "big")
        body, segment_end = pos + 2, pos + length
        if length < 2:
            raise _Malformed("jpeg_bad_segment")
        if segment_end > n:
            raise _Truncated("jpeg_truncated")
        if marker in _JPEG_SOF:
            if walk.width:
                raise _Malformed("jpeg_several_frames")
            if length < 8:
                raise _Malformed("jpeg_bad_frame")
            walk.height, walk.width = struct.unpack_from(">HH", data, body + 1)
            if not walk.width or not walk.height:
                raise _Malformed("jpeg_no_dimensions")
        elif marker == 0xDA:  # SOS: skip the entropy-coded data that follows
            if not walk.width:
                raise _Malformed("jpeg_scan_before_frame")
            found = _JPEG_ENTROPY_END.search(data, segment_end)
            if found is None:
                raise _Truncated("jpeg_truncated")
            scanned = True
            segment_end = found.start()
        elif 0xE0 <= marker <= 0xEF or marker == 0xFE:  # APPn, COM
            if not _note_jpeg_metadata(data, marker, body, segment_end, walk):
                walk.dropped.append((segment_start, segment_end))
        pos = segment_end
    raise _Malformed("jpeg_too_many_segments")


def _note_jpeg_metadata(data: bytes, marker: int, body: int, end: int, walk: _JpegWalk) -> bool:
    """Note what matters in an APPn/COM segment; return whether the decoder needs it."""
    if marker == 0xE1:
        if data.startswith(b"Exif\x00\x00", body) and walk.exif is None:
            walk.exif = data[body + 6 : end]
        elif data.startswith(_XMP_PREFIX, body):
            walk.motion_photo = walk.motion_photo or (
                data.find(b"MotionPhoto", body, end) != -1
                or data.find(b"MicroVideo", body, end) != -1
            )
        return False
    if marker == 0xE2:
        if data.startswith(b"MPF\x00", body):
            walk.mpf_images = _mpf_image_count(data[body + 4 : end])
            return False
        return data.startswith(b"ICC_PROFILE\x00", body)
    return marker == 0xEE and data.startswith(b"Adobe", body)  # colour transform, CMYK


def _tiff_entries(tiff: bytes) -> Iterator[tuple[str, int, int, int, int]]:
    """(byte order, tag, type, count, entry offset) of the first IFD of a TIFF structure."""
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or len(tiff) < 8:
        return
    magic, ifd = struct.unpack_from(order + "HI", tiff, 2)
    if magic != 42 or ifd + 2 > len(tiff):
        return
    (count,) = struct.unpack_from(order + "H", tiff, ifd)
    for i in range(min(count, 256)):
        offset = ifd + 2 + 12 * i
        if offset + 12 > len(tiff):
            return
        tag, kind, number = struct.unpack_from(order + "HHI", tiff, offset)
        yield order, tag, kind, number, offset


def _mpf_image_count(tiff: bytes) -> int:
    """NumberOfImages (tag B001) of a JPEG's MPF index, 0 when unreadable."""
    for order, tag, kind, number, offset in _tiff_entries(tiff):
        if tag == 0xB001 and kind == 4 and number == 1:
            return struct.unpack_from(order + "I", tiff, offset + 8)[0]
    return 0


def _exif_orientation(tiff: bytes | None) -> int:
    """The EXIF orientation (tag 0112 of IFD0), 1 when absent or unreadable."""
    if not tiff:
        return 1
    if tiff.startswith(b"Exif\x00\x00"):
        tiff = tiff[6:]
    for order, tag, kind, number, offset in _tiff_entries(tiff):
        if tag == 0x0112 and number >= 1 and kind in (3, 4):
            value = struct.unpack_from(order + ("H" if kind == 3 else "I"), tiff, offset + 8)[0]
            return value if 1 <= value <= 8 else 1
    return 1


def _jpeg_layout(data: bytes) -> _Layout:
    walk = _walk_jpeg(data, 0)
    _check_jpeg_tail(data, walk)
    view = memoryview(data)
    parts, pos = [], 0
    for start, end in walk.dropped:
        parts.append(view[pos:start])
        pos = end
    parts.append(view[pos : walk.end])
    return _Layout(
        width=walk.width,
        height=walk.height,
        stream=b"".join(parts),
        orientation=_exif_orientation(walk.exif),
    )


def _check_jpeg_tail(data: bytes, walk: _JpegWalk) -> None:
    """Refuse anything after the EOI but padding and what phones legitimately put there."""
    pos = walk.end
    for _ in range(min(walk.mpf_images - 1, _MAX_MPF_IMAGES)):
        if not data.startswith(_JPEG_MAGIC, pos):
            break
        try:
            pos = _walk_jpeg(data, pos).end
        except _Malformed as exc:
            raise _trailing("bad_mpf_image") from exc
    if walk.motion_photo and data[pos + 4 : pos + 8] == b"ftyp":
        try:
            pos = _walk_boxes_to_end(data, pos)
        except _Malformed as exc:
            raise _trailing("bad_motion_photo_video") from exc
    if not _only_padding(data, pos):
        raise _trailing("data_after_jpeg_end")


# PNG ---------------------------------------------------------------------------------

_PNG_KEPT = frozenset({b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"iCCP", b"IEND"})
_MAX_PNG_CHUNKS = 100_000


def _png_layout(data: bytes) -> _Layout:
    """Walk the chunks from the signature to IEND, verifying every CRC."""
    n = len(data)
    view = memoryview(data)
    kept = [view[:8]]
    width = height = 0
    exif = None
    has_idat = False
    pos = 8
    for index in range(_MAX_PNG_CHUNKS):
        if pos + 12 > n:
            raise _Truncated("png_truncated")
        length, chunk_type = struct.unpack_from(">I4s", data, pos)
        if length > 0x7FFFFFFF or not chunk_type.isalpha():
            raise _Malformed("png_bad_chunk")
        data_end = pos + 8 + length
        end = data_end + 4
        if end > n:
            raise _Truncated("png_truncated")
        if zlib.crc32(view[pos + 4 : data_end]) != int.from_bytes(data[data_end:end], "big"):
            raise _Malformed("png_bad_crc")
        if index == 0:
            if chunk_type != b"IHDR" or length != 13:
                raise _Malformed("png_no_header")
            width, height = struct.unpack_from(">II", data, pos + 8)
            if not width or not height or max(width, height) > 0x7FFFFFFF:
                raise _Malformed("png_no_dimensions")
        elif chunk_type == b"IHDR":
            raise _Malformed("png_several_headers")
        if chunk_type in _PNG_KEPT:
            kept.append(view[pos:end])
            has_idat = has_idat or chunk_type == b"IDAT"
        elif chunk_type == b"eXIf":
            exif = exif or data[pos + 8 : data_end]
        elif not chunk_type[0] & 0x20:  # upper case: critical, and unknown
            raise _Malformed("png_unknown_critical_chunk")
        pos = end
        if chunk_type == b"IEND":
            break
    else:
        raise _Malformed("png_too_many_chunks")
    if not has_idat:
        raise _Malformed("png_no_image_data")
    if not _only_padding(data, pos):
        raise _trailing("data_after_png_end")
    return _Layout(
        width=width, height=height, stream=b"".join(kept), orientation=_exif_orientation(exif)
    )


# HEIC (ISO-BMFF) ---------------------------------------------------------------------


_MAX_TOP_LEVEL_BOXES = 10_000


def _box_at(data: bytes, pos: int, end: int) -> tuple[bytes, int, int]:
    """(type, start of the body, end) of the ISO-BMFF box at ``pos``."""
    if end - pos < 8:
        raise _Malformed("bmff_bad_box")
    size, box_type = struct.unpack_from(">I4s", data, pos)
    header = 8
    if size == 1:
        if end - pos < 16:
            raise _Malformed("bmff_bad_box")
        (size,) = struct.unpack_from(">Q", data, pos + 8)
        header = 16
    elif size == 0:  # to the end
        size = end - pos
    if not all(0x20 <= c <= 0x7E for c in box_type) or size < header:
        raise _Malformed("bmff_bad_box")
    if pos + size > end:
        raise _Truncated("bmff_truncated")
    return box_type, pos + header, pos + size


def _boxes(data: bytes, pos: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    while pos < end:
        box = _box_at(data, pos, end)
        yield box
        pos = box[2]


def _walk_boxes_to_end(data: bytes, pos: int) -> int:
    """Walk top-level boxes from ``pos`` to the end of the data or its NUL padding."""
    n = len(data)
    for _ in range(_MAX_TOP_LEVEL_BOXES):
        if _only_padding(data, pos):
            return pos
        pos = _box_at(data, pos, n)[2]
    raise _Malformed("bmff_too_many_boxes")


def _heic_layout(data: bytes) -> _Layout:
    """Walk the top-level boxes; they must tile the file, up to NUL padding."""
    n = len(data)
    complete = {b"ftyp", b"meta", b"mdat"}
    seen: set[bytes] = set()
    largest = (0, 0)
    pos = 0
    for _ in range(_MAX_TOP_LEVEL_BOXES):
        if _only_padding(data, pos):
            break
        try:
            box_type, body, end = _box_at(data, pos, n)
        except _Malformed as exc:
            if complete <= seen:  # the image is all there: this is something appended
                raise _trailing("data_after_heic_end") from exc
            raise
        if not seen and box_type != b"ftyp":
            raise _Malformed("heic_no_ftyp")
        if box_type == b"meta":
            largest = max(largest, *_heic_image_sizes(data, body, end), key=_area)
        seen.add(box_type)
        pos = end
    else:
        raise _Malformed("bmff_too_many_boxes")
    if b"meta" not in seen or not largest[0]:
        raise _Malformed("heic_no_image")
    # libheif reads the container itself; the metadata items it finds are dropped on output.
    return _Layout(width=largest[0], height=largest[1], stream=data[:pos] if pos < n else data)


def _heic_image_sizes(data: bytes, body: int, end: int) -> list[tuple[int, int]]:
    """The sizes of the ``ispe`` properties (every image item has one) in a meta box."""
    sizes = [(0, 0)]
    for box_type, box_body, box_end in _boxes(data, body + 4, end):  # meta is a full box
        if box_type != b"iprp":
            continue
        for inner_type, inner_body, inner_end in _boxes(data, box_body, box_end):
            if inner_type != b"ipco":
                continue
            for prop_type, prop_body, prop_end in _boxes(data, inner_body, inner_end):
                if prop_type == b"ispe" and prop_end - prop_body >= 12:
                    sizes.append(struct.unpack_from(">II", data, prop_body + 4))
    return sizes


def _area(size: tuple[int, int]) -> int:
    return size[0] * size[1]


_LAYOUT_WALKERS = {"jpeg": _jpeg_layout, "png": _png_layout, "heic": _heic_layout}


# --- decoding and cleaning ------------------------------------------------------------

_PIL_FORMAT = {"jpeg": "JPEG", "png": "PNG", "heic": "HEIF"}
_DECODE_ERRORS = (
    OSError,  # includes UnidentifiedImageError and "image file is truncated"
    SyntaxError,
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    EOFError,
    RuntimeError,
    struct.error,
    zlib.error,
)
_BOMB = (Image.DecompressionBombError, Image.DecompressionBombWarning)


def _decode(kind: str, layout: _Layout, limit: int) -> Image.Image:
    """Open with the one plugin for ``kind`` and decode every pixel."""
    try:
        image = Image.open(io.BytesIO(layout.stream), formats=(_PIL_FORMAT[kind],))
    except _BOMB as exc:
        raise _too_many_pixels(layout.width, layout.height, limit) from exc
    except _DECODE_ERRORS as exc:
        raise _corrupt("undecodable") from exc
    if kind == "heic":
        _check_pixels(image.width, image.height, limit)
    elif image.size != (layout.width, layout.height):
        raise _corrupt("header_mismatch")
    try:
        image.load()
    except _BOMB as exc:
        raise _too_many_pixels(layout.width, layout.height, limit) from exc
    except _DECODE_ERRORS as exc:
        raise _corrupt("undecodable") from exc
    _check_pixels(image.width, image.height, limit)  # HEIC: decoding may change the size
    return image


_SIXTEEN_BIT_GREY = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I"})


def _to_working_mode(image: Image.Image) -> Image.Image:
    """L, RGB, RGBA (only with real transparency) or CMYK."""
    mode, transparent = image.mode, "transparency" in image.info
    try:
        if mode in _SIXTEEN_BIT_GREY:
            image = image.convert("I").point(lambda v: v / 256).convert("L")
        elif mode == "1":
            image = image.convert("L")
        elif mode in ("PA", "LA", "La", "RGBa") or (transparent and mode in ("P", "L", "RGB")):
            image = image.convert("RGBA")
        elif mode not in ("L", "RGB", "RGBA", "CMYK"):
            image = image.convert("RGB")
    except (ValueError, OSError) as exc:
        raise _corrupt("unsupported_mode") from exc
    if image.mode == "RGBA" and image.getextrema()[3][0] == 255:  # opaque after all
        image = image.convert("RGB")
    return image


_SRGB = ImageCms.createProfile("sRGB")


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert RGB(A)/CMYK pixels from their embedded profile to sRGB; CMYK becomes RGB."""
    if icc_profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            converted = _apply_profile(image, icc_profile)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None  # an unreadable profile: take the pixels as sRGB
        if converted is not None:
            return converted
    return image.convert("RGB") if image.mode == "CMYK" else image


def _apply_profile(image: Image.Image, icc_profile: bytes) -> Image.Image | None:
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
    space = (profile.profile.xcolor_space or "").strip()
    if space != ("CMYK" if image.mode == "CMYK" else "RGB"):
        return None
    if image.mode != "CMYK" and "sRGB" in (profile.profile.profile_description or ""):
        return image
    out_mode = "RGB" if image.mode == "CMYK" else image.mode
    # Built per call: an lcms transform with its pixel cache is not safe to share.
    transform = ImageCms.buildTransform(profile, _SRGB, image.mode, out_mode)
    if out_mode == image.mode:
        ImageCms.applyTransform(image, transform, inPlace=True)
        return image
    return ImageCms.applyTransform(image, transform)


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _encode(image: Image.Image, kind: str) -> tuple[bytes, str, str, Image.Image]:
    """(data, mime, extension, the image as encoded)."""
    if kind == "png" and image.width * image.height <= PNG_KEEP_MAX_PIXELS:
        png = _save(image, "PNG")
        if len(png) <= PNG_KEEP_MAX_BYTES:
            return png, "image/png", "png", image
    if image.mode == "RGBA":
        image = _flatten(image)
    jpeg = _save(image, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return jpeg, "image/jpeg", "jpg", image


def _flatten(image: Image.Image) -> Image.Image:
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    return background


def _thumbnail(image: Image.Image, size: int) -> tuple[bytes, str, tuple[int, int]]:
    width, height = image.size
    if max(width, height) > size:
        scale = size / max(width, height)
        box = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = image.resize(box, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if image.mode == "RGBA":
        return _save(image, "PNG"), "image/png", image.size
    return _save(image, "JPEG", quality=THUMB_JPEG_QUALITY), "image/jpeg", image.size


def _save(image: Image.Image, image_format: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()
