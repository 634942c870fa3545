"""Invented Chinese names, phone numbers, ID numbers and addresses (never real people)."""

from __future__ import annotations

import random

from hotline.synth.weighted import between, pick

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "慕容", "尉迟", "皇甫")
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力志国鹏宇浩然欣怡子涵雨轩"
)
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "158",
    "159",
    "166",
    "176",
    "177",
    "180",
    "181",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def person_name(rng: random.Random) -> str:
    surname = pick(rng, COMPOUND_SURNAMES) if rng.random() < 0.02 else pick(rng, SURNAMES)
    given = pick(rng, GIVEN_CHARS)
    if rng.random() < 2 / 3:  # two thirds have a two-character given name
        given += pick(rng, GIVEN_CHARS)
    return surname + given


def mobile(rng: random.Random) -> str:
    return pick(rng, MOBILE_PREFIXES) + f"{between(rng, 0, 10**8):08d}"


def id_number(rng: random.Random, district_code: str = "110105") -> str:
    year = between(rng, 1945, 2005)
    body = f"{district_code}{year}{between(rng, 1, 13):02d}{between(rng, 1, 29):02d}"
    body += f"{between(rng, 0, 1000):03d}"
    total = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


def address(rng: random.Random, district: str, street: str, community: str | None) -> str:
    floor, flat = between(rng, 1, 25), between(rng, 1, 5)
    building = f"{between(rng, 1, 30)}号楼{between(rng, 1, 7)}单元{floor}0{flat}"
    return f"北京市{district}{street}{community or ''}{building}"
