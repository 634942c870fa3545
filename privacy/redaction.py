"""Redaction of personal numbers and addresses inside free text (content, notes, comments).

What is found, and what replaces it:

==========================  =========================================================  ==========
kind                        recognised as                                              becomes
==========================  =========================================================  ==========
e-mail                      ``local@domain.tld``                                       [邮箱]
ID number 身份证号          18 characters whose GB 11643 check digit is right, or the   [身份证号]
                            old 15 digits (province code + a real birth date + 3)
bank card 银行卡号          16–19 digits passing the Luhn check                        [银行卡号]
mobile 手机号               ``1[3-9]`` + 9 digits, with optional +86 / 0086 / 86       [手机号]
landline 固定电话           area code ``0xx``/``0xxx`` (optionally in brackets) + 7–8     [固定电话]
                            digits, optional extension
name 姓名                   a surname + 1–2 characters after a cue: 我叫, 联系人,        [姓名]
                            姓名：…; after 我是 only when the name ends there
==========================  =========================================================  ==========

Numbers are found in realistic citizen text: full-width digits (``１３８…``), digits run into
Chinese text without spaces (``电话13812345678找张先生``), groups split by single spaces or
hyphens (``138 1234 5678``, ``6222 0212 3456 7890 123``), numbers spelt in Chinese numerals
(``幺三八一二三四五六七八``, seven numerals or more in a row). A number must stand alone: digits
glued to more digits are not cut out of a longer number, so order numbers (14 digits),
amounts and dates stay readable. An 18-digit number with a wrong check digit is not an ID;
it is still redacted if it passes Luhn as a bank card, else left. Replacements are labels, not
partial masks, so that nothing of the number survives in text that handlers and the public
read; the structured phone field has its own 3 + 4 mask.

Names cannot be told from other words without context, so only names introduced by a cue
are found; a surname with an honorific (张先生, 王师傅) identifies nobody and stays. The cue
and the surname rules only propose: 解 is a surname, and so is the first character of many
words written right after a cue (来电人解答, 来电人解释, 诉求人单位, 来电人于昨日, 诉求人曾经).
A candidate is confirmed by jieba's part-of-speech tagger, which ships its own dictionary:
the text from the candidate on is cut into words, and the candidate is dropped when its
characters read as ordinary words (解答/v, 单位/n, 于/昨日) and kept when they read as a
person's name (解晓东/nr) or as something the dictionary does not know (most given names).
See ``privacy.names._confirmed_end`` for the rules and why. jieba is imported and its
dictionary loaded on the first candidate only (about a second, once per process,
thread-safe; no output on stderr); texts without a candidate never need it. Measured on
the labelled corpus in ``tests/privacy/corpus`` by ``tests/privacy/test_redaction_corpus.py``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from privacy.names import LABEL_NAME, find_names  # noqa: F401  (LABEL_NAME: one of the labels)

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
ID15_RE = re.compile(r"\d{6}[ -]?\d{6}[ -]?\d{3}")
# Province codes that begin an ID number (GB/T 2260).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 "
    "64 65".split()
)
_CN_NUMERALS = "〇零一幺二两三四五六七八九"
_CN_TO_DIGIT = str.maketrans(_CN_NUMERALS, "0011223456789")
_CN_RUN_RE = re.compile(f"[{_CN_NUMERALS}](?:[ -]?[{_CN_NUMERALS}]){{6,}}")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_ok(number: str) -> bool:
    """GB 11643-1999: the 18th character is the check digit of the first 17 (mod 11)."""
    number = number.upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17]


def old_id_ok(number: str) -> bool:
    """A first-generation ID (15 digits: area code, YYMMDD birth date in the 1900s, 3)."""
    if not re.fullmatch(r"\d{15}", number) or number[:2] not in _PROVINCES:
        return False
    try:
        date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return False
    return True


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
    m = ID15_RE.match(region, pos)
    if m and _stands_alone(text, m.end(), run_end) and old_id_ok(_digits(m.group())):
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


def _numerals_as_digits(folded: str) -> str:
    """Runs of Chinese numerals long enough to be a number, as digits (one for one)."""
    return _CN_RUN_RE.sub(lambda m: m.group().translate(_CN_TO_DIGIT), folded)


# -- names: a cue proposes, the segmenter confirms ---------------------------------------


def find_personal_data(text: str) -> list[tuple[int, int, str]]:
    """Spans ``(start, end, label)`` of personal data in ``text``, in order."""
    folded = _numerals_as_digits(fold(text))
    spans = [(m.start(), m.end(), LABEL_EMAIL) for m in EMAIL_RE.finditer(folded)]
    blanked = list(folded)
    for start, end, _ in spans:
        blanked[start:end] = "\0" * (end - start)
    spans += find_personal_numbers("".join(blanked))
    spans += find_names(folded)
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
