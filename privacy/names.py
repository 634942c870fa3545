"""Chinese surnames, and finding a person's name after a cue in free text.

Names cannot be told from other words without context, so only names introduced by a cue
(我叫, 联系人, 来电人, 诉求人…) are looked for: the surname rules propose a candidate and a
segmenter that ships its own dictionary (jieba, with part-of-speech tags) confirms it —
来电人解答 is a verb, 来电人解晓东 a name. jieba is imported and its dictionary loaded on the
first candidate only (most texts have none). ``privacy.redaction`` uses ``find_names``.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import warnings
from typing import NamedTuple

LABEL_NAME = "[姓名]"

# Two-character surnames 复姓, common and less common. A name starting with one of these and
# longer than two characters is read as compound surname + given name.
COMPOUND_SURNAMES = frozenset(
    """
    欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫
    西门 申屠 轩辕 澹台 呼延 百里 东郭 万俟 闻人 赫连 公羊 太史 钟离 宗政 濮阳 淳于 单于
    拓跋 司空 完颜 第五 梁丘 左丘 谷梁 乐正 东门 公冶 羊舌 微生 仲孙 叔孙 亓官 司寇 巫马
    公西 颛孙 壤驷 漆雕 宰父 段干 南门 公良 夹谷 呼衍 耶律 爱新 叶赫 乌雅 纳兰 钮祜 富察
    """.split()
)

# One-character surnames, the most common few hundred (together they cover the great
# majority of people in China). Used only where a name must be recognised in running text
# after a cue such as 我叫 or 联系人; a structured name field needs no list.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关"
    "兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻"
    "祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿"
    "桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)

# Cues after which the next word is a person's name; after a weak cue (我是) only when the
# name ends there, since 我是张家口人 names a place.
_NAME_CUES = "我叫|名叫|叫做|姓名|联系人|诉求人|来电人|反映人|户主"
_NAME_RE = re.compile(
    rf"(?:(?P<cue>{_NAME_CUES})|(?P<weak>我是))[ :：]?(?:是|为)?(?P<name>[\u4e00-\u9fff]{{2,4}})"
)
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_HAN_RUN_RE = re.compile(r"[\u4e00-\u9fff]+")
_NOT_NAME_ENDINGS = "人员生户民工的"
# Characters that begin the words typically written right after a name (反映, 说, 住在,
# 电话, 投诉, 不同意, 一直, 多次, 可以, 身份证…): a two-character name is read rather than a
# three-character one.
_AFTER_NAME = (
    "反说称讲来家住在的电手联要请表投咨打今于和与及等是也已因对向被把先女"
    "不没都就还很再曾一多地得着了过可身"
)
HONORIFICS = (
    "先生",
    "女士",
    "小姐",
    "师傅",
    "老师",
    "大爷",
    "大妈",
    "阿姨",
    "同志",
    "经理",
    "主任",
    "书记",
    "老人",
    "奶奶",
    "爷爷",
    "家",
    "某",
)

# Part-of-speech tags of jieba (ICTCLAS tag set) that decide on a name candidate.
_PERSON_TAGS = frozenset({"nr", "nrfg", "nrt"})
_PROPER_TAGS = _PERSON_TAGS | {"ns", "nz"}
# Tags jieba gives to dictionary words that are often given names (国华/nz, 宏伟/a, 桂兰/ns).
_NAME_LIKE_TAGS = _PROPER_TAGS | {"a", "j"}
_PREPOSITION_TAGS = frozenset({"p", "c"})
_NUMERAL_TAGS = frozenset({"m", "mq", "q"})
_FUNCTION_TAGS = frozenset({"p", "c", "d", "u", "uj", "ul", "uz", "ug", "uv", "ud"})
# Verbs, and the adverbs, prepositions and conjunctions around them: never read as names.
_VERB_TAGS = frozenset({"v", "vd", "vn", "vg", "vi", "vq", "d", "ad", "p", "c"})
# Tags of a character standing as a word of its own that is not taken for the last
# character of a given name: adverbs (单位/未), particles, prepositions, conjunctions,
# numerals, pronouns, localisers, punctuation. Given-name characters cut off on their own
# mostly get nr, a, n or v (白金/凤, 李家/豪); those tagged d are lost (方志/刚).
_NOT_GIVEN_TAGS = _FUNCTION_TAGS | {"x", "m", "q", "r", "f"}
# A noun rarer than this in jieba's dictionary (解答 787, 车位 17, 钱款 8, 商涵 3) is no
# evidence against a name.
_COMMON_WORD_FREQ = 5
# How much of the text after a cue the segmenter sees: the name and the words after it.
_CLAUSE_CHARS = 12


class _Word(NamedTuple):
    text: str
    tag: str  # jieba's part of speech (ICTCLAS tag set)
    known: bool  # in jieba's dictionary
    common: bool  # a dictionary word to be read as itself (see ``_dictionary_entry``)


_segmenter = None
_segmenter_lock = threading.Lock()


def _load_segmenter():
    """jieba's part-of-speech tokenizer, with the dictionary it ships, ready to cut.

    Imported here rather than at the top of the module: most texts have no name candidate
    and never need it, and loading takes about a second and 125 MB. jieba 0.42 warns
    on import (invalid escapes in its regexes, ``pkg_resources``), which must not reach the
    caller, and logs to stderr at DEBUG level while it builds its prefix dictionary.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba
        import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    segmenter = jieba.posseg.dt
    segmenter.tokenizer.initialize()
    return segmenter


def _get_segmenter():
    """The segmenter, loaded once per process by whichever thread needs it first."""
    global _segmenter
    if _segmenter is None:
        with _segmenter_lock:
            if _segmenter is None:
                _segmenter = _load_segmenter()
    return _segmenter


def preload_segmenter() -> None:
    """Load the segmenter now (e.g. when a worker starts) rather than on the first name."""
    _get_segmenter()


@functools.lru_cache(maxsize=4096)
def _segment(clause: str) -> tuple[_Word, ...]:
    """The words of ``clause``; notes repeat their wording, so the cuts are cached."""
    return tuple(
        _Word(w, tag, *_dictionary_entry(w)[1:]) for w, tag in _get_segmenter().lcut(clause)
    )


def _dictionary_entry(word: str) -> tuple[str | None, bool, bool]:
    """``(tag, known, common)`` of ``word`` in the segmenter's dictionary.

    Common: to be read as itself rather than as a possible name, because it is frequent in
    the dictionary, or a verb or adverb there, or a compound that begins with a frequent
    word (单位地址 3 begins with 单位). The dictionary also holds names as rare nouns
    (商涵 3, 高志 4, 唐国/ns 4), which say nothing against a name.
    """
    segmenter = _get_segmenter()
    freq = segmenter.tokenizer.FREQ
    count = freq.get(word, 0)
    tag = segmenter.word_tag_tab.get(word)
    if not count:
        return tag, False, False
    common = (
        count >= _COMMON_WORD_FREQ
        or tag in _VERB_TAGS
        or any(freq.get(word[:n], 0) >= _COMMON_WORD_FREQ for n in range(2, len(word)))
    )
    return tag, True, common


def _surname_length(candidate: str) -> int:
    if candidate[:2] in COMPOUND_SURNAMES and len(candidate) > 2:
        return 2
    return 1 if candidate[0] in SURNAMES else 0


def _name_end(text: str, start: int, candidate: str, weak: bool) -> int | None:
    """Where the name at ``start`` ends, if ``candidate`` (2–4 Han characters) starts with
    one: a surname and one or two characters, not an honorific."""
    surname = _surname_length(candidate)
    if not surname or candidate.startswith(HONORIFICS):  # 联系人师傅
        return None
    if candidate[surname:].startswith(HONORIFICS):
        return None
    for given in (2, 1):
        end = start + surname + given
        if surname + given > len(candidate):
            continue
        if given == 2 and candidate[surname + 1] in _AFTER_NAME:  # 李娜反映…
            continue
        if not weak:
            return end
        ends_there = end == len(text) or not _HAN_RE.match(text, end)
        if ends_there and text[end - 1] not in _NOT_NAME_ENDINGS:  # 我是江西人, 我是党员
            return end
    return None


def _words_from(text: str, start: int) -> tuple[_Word, ...]:
    """The words of the Han characters from ``start`` on, as far as a decision needs."""
    m = _HAN_RUN_RE.match(text, start)
    return _segment(m.group()[:_CLAUSE_CHARS]) if m else ()


def _runs_on(words: tuple[_Word, ...], index: int, room: int) -> bool:
    """Whether the text runs on after the words before ``index`` as a phrase rather than
    after a name: the next word is a common noun-like word (胡同/风貌, 龙湖/小区) that does
    not fit in the ``room`` left in the candidate (欧阳明/辉 of 欧阳明辉), not a verb or
    function word (反映, 称, 于, 的), not a further piece of a name, not a word the
    dictionary lacks, nor one beginning with a character that typically follows a name
    (电话, 身份证, 家住)."""
    if index >= len(words):
        return False
    after = words[index]
    return not (
        len(after.text) <= room
        or not after.common
        or after.tag in _VERB_TAGS
        or after.tag in _FUNCTION_TAGS
        or after.tag in _PERSON_TAGS
        or after.text[0] in _AFTER_NAME
    )


def _compound_reads_as_name(words: tuple[_Word, ...], candidate: str) -> bool:
    """A candidate starting with a compound surname (欧阳, 司马, 第五…): a name unless the
    segmenter reads a longer word starting with it, or the surname as a numeral: 第五次/m,
    东方明珠/nr 电视塔, 百里挑一/l. When it splits the surname (上/官军) it has no say."""
    first = words[0]
    if not first.text.startswith(candidate[:2]):
        return True
    if first.tag in _NUMERAL_TAGS:
        return False
    if first.text == candidate[:2] or not first.known:
        return True
    if first.text == candidate and len(words) == 1:
        return True  # a word of its own right after the cue, the clause ending there: 东方不败
    room = len(candidate) - len(first.text)
    return first.tag in _PERSON_TAGS and room >= 0 and not _runs_on(words, 1, room)


def _reads_as_name(words: tuple[_Word, ...], candidate: str) -> bool:
    """Whether the segmenter reads the candidate as a person's name: the first word is a
    person's name (nr, nrfg, nrt) no longer than the candidate, found by the tagger's model
    (a word its dictionary lacks: 解晓东/nr) or from the dictionary when the text does not
    run on after it (李娜/nr 反映). The dictionary also files given names and words from
    names under nr (胡同/nr, 文明/nr), which read as themselves when the text runs on
    (胡同/风貌保护)."""
    first = words[0]
    if first.tag not in _PERSON_TAGS or not 2 <= len(first.text) <= len(candidate):
        return False
    return not first.known or not _runs_on(words, 1, len(candidate) - len(first.text))


def _reads_as_words(words: tuple[_Word, ...], candidate: str, weak: bool) -> bool:
    """Whether the segmenter reads the candidate's characters as ordinary words.

    - The surname character begins a common dictionary word (解答/v, 解释/v, 单位/n,
      曾经/d, 周末/t; also one running past the candidate: 高校后勤 of 高校后), unless it is
      a proper noun (ns, nz, nr: 马建国/ns, 米兰/ns) no longer than the candidate after
      which the text does not run on: names the dictionary files elsewhere, accepted after
      a strong cue only, not after 我是. One exception: the word is two characters of a
      three-character candidate, is not a verb or adverb, and the third character stands
      on its own as a possible given-name character (高志/刚, 白金/凤: names whose first two
      characters happen to be a word).
    - The surname character stands alone, not tagged as a name, and the next word, from
      the dictionary and not a verb, runs past the candidate: no given name is left
      (路/灯不亮; but 罗/建于 is 罗建 and 于).
    - The surname character stands alone as a preposition or conjunction before a common
      word (于/昨日, 向/物业, 和/邻居) that is not of a kind given names are filed under
      (国华/nz, 宏伟/a), or as a function word before another (曾/向, 曾/在).
    """
    first = words[0]
    length = len(candidate)
    if len(first.text) >= 2:
        if not first.common:
            return False
        proper = first.tag in _PROPER_TAGS and len(first.text) <= length
        if proper and not weak and not _runs_on(words, 1, length - len(first.text)):
            return False
        lone = words[1] if len(words) > 1 else None
        return not (
            length == 3
            and len(first.text) == 2
            and lone is not None
            and len(lone.text) == 1
            and first.tag not in _VERB_TAGS
            and lone.tag not in _NOT_GIVEN_TAGS
        )
    if len(words) < 2:
        return False
    second = words[1]
    runs_past = second.known and 1 + len(second.text) > length
    if runs_past and first.tag not in _PERSON_TAGS and second.tag not in _VERB_TAGS:
        return True
    if first.tag in _PREPOSITION_TAGS and len(second.text) >= 2 and second.common:
        return second.tag not in _NAME_LIKE_TAGS
    return first.tag in _FUNCTION_TAGS and len(second.text) == 1 and second.tag in _FUNCTION_TAGS


def _confirmed_end(text: str, start: int, end: int, surname: int, weak: bool) -> int | None:
    """The segmenter's verdict on the candidate ``text[start:end]``: where it ends, or None.

    The characters from the candidate on are cut into words (the cue before it ends a
    word). The candidate is a name when they read as one (``_reads_as_name``,
    ``_compound_reads_as_name``); it is not one when they read as ordinary words
    (``_reads_as_words``). Anything else (a word the dictionary does not know or knows only
    as a rarity, starting with a surname: 商涵; a surname the segmenter leaves on its own
    before characters it cannot place: 解/梓梅) is left to the surname rules, which
    proposed it.

    A name ends before a dictionary word that starts inside it after its first given
    character: 李娜楼上漏水 gives 李娜, 王芳解释 gives 王芳, 曹强身份证号 gives 曹强.
    """
    words = _words_from(text, start)
    if not words:
        return None
    candidate = text[start:end]
    if surname == 2:
        if not _compound_reads_as_name(words, candidate):
            return None
    elif not _reads_as_name(words, candidate) and _reads_as_words(words, candidate, weak):
        return None
    pos = start
    for word in words:
        if pos >= end:
            break
        if pos > start + surname and pos + len(word.text) > end and word.known:
            return pos
        pos += len(word.text)
    return end


def _family_name_end(text: str, start: int, candidate: str) -> int | None:
    """张家豪: 张家 (the Zhang family) by the honorific rule, unless the segmenter reads
    three characters as a person's name (李家豪/nr) or the family word and one character
    standing on its own (李家/豪/表示), which is how it cuts names with 家."""
    surname = _surname_length(candidate)
    if not surname or candidate[surname : surname + 1] != "家" or len(candidate) < surname + 2:
        return None
    words = _words_from(text, start)
    if not words:
        return None
    first = words[0]
    if first.tag in _PERSON_TAGS and len(first.text) == surname + 2:
        return start + surname + 2
    if first.text == candidate[: surname + 1] and len(words) > 1:
        lone = words[1]
        if len(lone.text) == 1 and lone.tag not in _NOT_GIVEN_TAGS:
            return start + surname + 2
    return None


def find_names(text: str) -> list[tuple[int, int, str]]:
    """Names after a cue: the surname rules propose, the segmenter confirms. Texts without a
    candidate (most of them) never reach the segmenter."""
    spans = []
    for m in _NAME_RE.finditer(text):
        start, candidate, weak = m.start("name"), m.group("name"), m.group("weak") is not None
        end = _name_end(text, start, candidate, weak)
        if end is not None:
            end = _confirmed_end(text, start, end, _surname_length(candidate), weak)
        elif not weak:
            end = _family_name_end(text, start, candidate)
        if end is not None:
            spans.append((start, end, LABEL_NAME))
    return spans
