"""Downloads: each table as CSV (UTF-8 with a BOM, so Excel reads the Chinese), and the whole
edition as JSON — the stored bytes themselves, so their SHA-256 is the published one."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from flask import Response

BOM = "\ufeff"
# Text starting with these is a formula to a spreadsheet; such cells get a leading "'".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_csv(table: dict) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c["label"] for c in table["columns"]])
    for row in table["rows"]:
        writer.writerow([_cell(row[c["key"]]) for c in table["columns"]])
    return out.getvalue().encode("utf-8")


def content_disposition(ascii_name: str, display_name: str, inline: bool = False) -> str:
    """An ASCII ``filename`` for old clients and an RFC 5987 ``filename*`` in UTF-8."""
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(display_name)}"


def download(body: bytes, mimetype: str, ascii_name: str, display_name: str, **kw) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(ascii_name, display_name, **kw)
    return response
