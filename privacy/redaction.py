"""Redaction of personal numbers and addresses inside free text (content, notes, comments).

What is found, and what replaces it:

==========================  =========================================================  ==========
kind                        recognised as                                              becomes
==========================  =========================================================  ==========
e-mail                      ``local@domain.tld``                                       [邮箱]
ID number 身份证号          18 characters whose GB 11643 check digit is right           [身份证号]
bank card 银行卡号          16–19 digits passing the Luhn check                        [银行卡号]
mobile 手机号               ``1[3-9]`` + 9 digits, with optional +86 / 0086 / 86       [手机号]
landline 固定电话           area code ``0xx``/``0xxx`` (optionally in brackets) + 7–8     [固定电话]
                            digits, optional extension
==========================  =========================================================  ==========

Numbers are found in realistic citizen text: full-width digits (``１３８…``), digits run into
Chinese text without spaces (``电话13812345678找张先生``), groups split by single spaces or
hyphens (``138 1234 5678``, ``6222 0212 3456 7890 123``). A number must stand alone: digits
glued to more digits are not cut out of a longer number, so order numbers (14 digits),
amounts and dates stay readable. An 18-digit number with a wrong check digit is not an ID;
it is still redacted if it passes Luhn as a bank card, else left. Replacements are labels, not
partial masks, so that nothing of the number survives in text that handlers and the public
read; the structured phone field has its own 3 + 4 mask.
"""

from __future__ import annotations

import re
import unicodedata

LABEL_EMAIL = "[邮箱]"
LABEL_ID = "[身份证号]"
LABEL_CARD = "[银行卡号]"
LABEL_MOBILE = "[手机号]"
LABEL_LANDLINE = "[固定电话]"

_EXTRA_FOLD = {ch: "-" for ch in "‐‑‒–−﹣"} | {"\u3000": " ", "\xa0": " "}

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A run of digits with single spaces or hyphens between them, maybe a leading + or an area
# code in brackets, maybe a trailing X (ID numbers).
RUN_RE = re.compile(r"\+?(?:\(0\d{2,3}\)\s?)?\d(?:[ -]?\d)*(?:[Xx](?![A-Za-z]))?")
MOBILE_RE = re.compile(r"(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}")
LANDLINE_RE = re.compile(r"(?:\(0\d{2,3}\)\s?|0\d{2,3}[ -]?)[2-9]\d{2,3}[ -]?\d{4}(?:-\d{1,5})?")
ID_RE = re.compile(r"\d{6}[ -]?\d{4}[ -]?\d{4}[ -]?\d{3}[\dXx]")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_ok(number: str) -> bool:
    """GB 11643-1999: the 18th character is the check digit of the first 17 (mod 11)."""
    number = number.upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17]


def luhn_ok(number: str) -> bool:
    if not number.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def fold(text: str) -> str:
    """Full-width and look-alike characters folded to ASCII, one character for one.

    Keeping the length lets a match found in the folded text be cut out of the original.
    """
    out = []
    for ch in text:
        folded = _EXTRA_FOLD.get(ch) or unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit() or ch in "Xx").upper()


def _stands_alone(text: str, end: int, run_end: int) -> bool:
    """A match inside a run must end where a digit group ends."""
    return end == run_end or text[end] in " -"


def _match_at(text: str, pos: int, run_end: int) -> tuple[int, str] | None:
    """The longest personal number starting at ``pos`` inside one run, as (end, label)."""
    region = text[:run_end]
    m = ID_RE.match(region, pos)
    if m and _stands_alone(text, m.end(), run_end):
        digits = _digits(m.group())
        if id_check_ok(digits):
            return m.end(), LABEL_ID
    # Bank cards: try the longest digit count first.
    digit_ends = []
    i = pos
    while i < run_end and len(digit_ends) < 19:
        if text[i].isdigit():
            digit_ends.append(i + 1)
        elif text[i] not in " -" or not text[i + 1 : i + 2].isdigit():
            break
        i += 1
    for n in range(min(19, len(digit_ends)), 15, -1):
        end = digit_ends[n - 1]
        if _stands_alone(text, end, run_end) and luhn_ok(_digits(text[pos:end])):
            return end, LABEL_CARD
    for regex, label in ((MOBILE_RE, LABEL_MOBILE), (LANDLINE_RE, LABEL_LANDLINE)):
        m = regex.match(region, pos)
        if m and _stands_alone(text, m.end(), run_end):
            return m.end(), label
    return None


def find_personal_numbers(folded: str) -> list[tuple[int, int, str]]:
    spans = []
    for run in RUN_RE.finditer(folded):
        start, run_end = run.start(), run.end()
        if start > 0 and folded[start - 1].isdigit():
            continue
        pos = start
        while pos < run_end:
            hit = _match_at(folded, pos, run_end)
            if hit is not None:
                spans.append((pos, hit[0], hit[1]))
                pos = hit[0]
            else:
                # Skip this digit group and its separator.
                while pos < run_end and folded[pos] not in " -":
                    pos += 1
            while pos < run_end and folded[pos] in " -":
                pos += 1
    return spans


def find_personal_data(text: str) -> list[tuple[int, int, str]]:
    """Spans ``(start, end, label)`` of personal data in ``text``, in order."""
    folded = fold(text)
    spans = [(m.start(), m.end(), LABEL_EMAIL) for m in EMAIL_RE.finditer(folded)]
    blanked = list(folded)
    for start, end, _ in spans:
        blanked[start:end] = "\0" * (end - start)
    spans += find_personal_numbers("".join(blanked))
    return sorted(spans)


def redact_text(text: str | None) -> str | None:
    if not text:
        return text
    out, last = [], 0
    for start, end, label in find_personal_data(text):
        out.append(text[last:start])
        out.append(label)
        last = end
    out.append(text[last:])
    return "".join(out)
