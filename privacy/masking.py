"""Display masking of the requester's personal fields (DESIGN §4).

Masking happens on the server, in the output schemas, and is the default. The rules:

- phone: first 3 and last 4 digits of an 11-digit (or longer) number, ``138****5678``;
  the +86 / 0086 country code is dropped first. A shorter number (a local landline without
  area code) shows only its last 2 digits, because 3 + 4 of 8 digits would reveal almost all.
- ID number: first character and last 2, ``1***************2X``: the region code beyond the
  province and the birth date never show.
- name: the surname only, one star per hidden character: ``张*``, ``欧阳**`` (compound
  surnames are recognised from a list). Names written with a middle dot (Uyghur, Kazakh,
  Tibetan transliterations such as ``阿依古丽·买买提``) have no surname in the Han sense: the
  first part is the person's own name and the second their father's, so only the very first
  character is kept and every other character becomes a star, dots kept: ``阿***·***``.
  A one-character value shows as ``*``.
- address: cut after the first street-level element (街道, 地区, 乡, 镇, 社区, 村, 居委会), or
  after the district (区/县) when there is none; ``***`` when neither is recognisable.
- the requester's own address, shown to the requester alone (``mask_own_address``): as
  they typed it, cut at the community: after the first community-level element (社区,
  居委会, 小区, 家园, 花园, 公寓, 大厦) or before the first house number (a number, 甲3,
  or a numeral followed by 号, 楼, 栋, 幢, 座, 单元, 层, 室, 户), whichever comes first.
  ``***`` only when nothing is left (the address began with the house number).
- free text (content, notes, comments): see ``privacy.redaction``.

Which field is masked how is declared once, in ``privacy.catalog``.
"""

from __future__ import annotations

import re
import unicodedata

from privacy.names import COMPOUND_SURNAMES

# Middle dots people type between the parts of a transliterated name.
NAME_DOTS = "·•・･‧∙⋅．."
_DOTS_RE = re.compile(f"[{re.escape(NAME_DOTS)}]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

STREET_MARKERS = ("街道办事处", "街道", "地区办事处", "地区", "居委会", "社区", "乡", "镇", "村")
_STREET_RE = re.compile("|".join(STREET_MARKERS))
BEIJING_DISTRICTS = (
    "东城区",
    "西城区",
    "朝阳区",
    "丰台区",
    "石景山区",
    "海淀区",
    "门头沟区",
    "房山区",
    "通州区",
    "顺义区",
    "昌平区",
    "大兴区",
    "怀柔区",
    "平谷区",
    "密云区",
    "延庆区",
)
_DISTRICT_RE = re.compile("|".join(BEIJING_DISTRICTS) + r"|(?<=[省市])[\u4e00-\u9fff]{1,5}?[区县]")


COMMUNITY_MARKERS = ("社区", "居委会", "小区", "家园", "花园", "公寓", "大厦")
_COMMUNITY_RE = re.compile("|".join(COMMUNITY_MARKERS))
# Where the house part begins: any digit, or a Chinese numeral (or 甲乙丙丁) that numbers
# a building, an entrance, a floor or a room.
_HOUSE_RE = re.compile(
    r"[甲乙丙丁]?\d|[一二三四五六七八九十百零〇两甲乙丙丁]+(?:号|楼|栋|幢|座|单元|层|室|户)"
)
_TRAILING = "，,、-－—#＃·.。:：;；(（"


def _digits(value: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch.isdigit())


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    digits = _digits(value)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    n = len(digits)
    if n >= 11:
        return digits[:3] + "*" * (n - 7) + digits[-4:]
    if n >= 3:
        return "*" * (n - 2) + digits[-2:]
    return "***"


def mask_id_number(value: str | None) -> str | None:
    if not value:
        return value
    text = unicodedata.normalize("NFKC", value).replace(" ", "").strip().upper()
    if len(text) < 4:
        return "*" * len(text)
    return text[0] + "*" * (len(text) - 3) + text[-2:]


def surname_of(name: str) -> str:
    """The surname part of a Han name: a compound surname if listed, else one character."""
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[:1]


def mask_name(value: str | None) -> str | None:
    if not value:
        return value
    name = re.sub(r"\s+", " ", value.strip())
    if not name:
        return name
    if _DOTS_RE.search(name):
        parts = [p for p in _DOTS_RE.split(name) if p.strip()]
        first = parts[0].strip()
        masked = [first[0] + "*" * (len(first) - 1)]
        masked += ["*" * len(p.strip()) for p in parts[1:]]
        return "·".join(masked)
    if len(name) == 1:
        return "*"
    if _CJK.match(name):
        compact = name.replace(" ", "")
        surname = surname_of(compact)
        return surname + "*" * (len(compact) - len(surname))
    # Latin or mixed: keep the first letter, star every other non-space character.
    return name[0] + "".join(" " if ch == " " else "*" for ch in name[1:])


def mask_address(value: str | None) -> str | None:
    if not value:
        return value
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    street = _STREET_RE.search(text)
    if street is not None:
        end = street.end()
        # "中关村街道": the village marker inside a street name is not where the street ends.
        follow = _STREET_RE.match(text, end)
        if follow is not None and follow.group() in ("街道办事处", "街道", "地区"):
            end = follow.end()
        return text[:end]
    district = _DISTRICT_RE.search(text)
    if district is not None:
        return text[: district.end()]
    return "***"


def mask_own_address(value: str | None) -> str | None:
    """The address as its owner typed it, cut at the community (see the module docstring):
    ``望京西园三区5号楼2单元501`` shows as ``望京西园三区``, ``幸福里小区3号楼`` as
    ``幸福里小区``. Shown to the requester only; everyone else gets ``mask_address``."""
    if not value:
        return value
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    cut = len(text)
    community = _COMMUNITY_RE.search(text)
    if community is not None:
        cut = community.end()
    house = _HOUSE_RE.search(text)
    if house is not None:
        cut = min(cut, house.start())
    kept = text[:cut].rstrip(_TRAILING)
    return kept or "***"
