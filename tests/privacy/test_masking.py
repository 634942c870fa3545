"""Masking and redaction on realistic Chinese input (DESIGN §4)."""

from __future__ import annotations

import pytest

from privacy.catalog import mask
from privacy.masking import mask_address, mask_id_number, mask_name, mask_phone
from privacy.redaction import id_check_ok, luhn_ok, redact_text

from .conftest import luhn_complete, valid_id

ID_A = valid_id("11010519900307123")  # 朝阳区, born 1990-03-07
ID_X = next(
    valid_id(f"11010819851213{n:03d}")
    for n in range(1000)
    if valid_id(f"11010819851213{n:03d}").endswith("X")
)
ID_BAD = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")  # wrong check digit
CARD16 = luhn_complete("622202123456789")
CARD19 = luhn_complete("621700001234567890")
FW = str.maketrans("0123456789", "０１２３４５６７８９")

PHONES = [
    ("13812345678", "138****5678"),
    ("+86 138 1234 5678", "138****5678"),
    ("+8613812345678", "138****5678"),
    ("0086-139-0000-1111", "139****1111"),
    ("１３９１２３４５６７８", "139****5678"),
    ("199 8888 0000", "199****0000"),
    ("010-84721234", "010****1234"),
    ("(010)84721234", "010****1234"),
    ("84721234", "******34"),
]
IDS = [
    (ID_A, ID_A[0] + "*" * 15 + ID_A[-2:]),
    (ID_X.lower(), ID_X[0] + "*" * 15 + ID_X[-2:]),
    (ID_A.translate(FW), ID_A[0] + "*" * 15 + ID_A[-2:]),
    ("110105 19900307 " + ID_A[14:], ID_A[0] + "*" * 15 + ID_A[-2:]),
    ("110105900307123", "1************23"),
]
NAMES = [
    ("张三", "张*"),
    ("王小明", "王**"),
    ("欧阳娜娜", "欧阳**"),
    ("司马光明", "司马**"),
    ("诸葛亮", "诸葛*"),
    ("上官婉儿", "上官**"),
    ("皇甫嵩", "皇甫*"),
    ("尉迟恭", "尉迟*"),
    ("欧阳", "欧*"),
    ("阿依古丽·买买提", "阿***·***"),
    ("买买提·艾力", "买**·**"),
    ("热依拉•吐尔逊", "热**·***"),
    ("扎西・顿珠", "扎*·**"),
    ("王先生", "王**"),
    ("李", "*"),
    (" 刘 德华 ", "刘**"),
    ("Zhang Wei", "Z**** ***"),
]
ADDRESSES = [
    ("北京市朝阳区望京街道望京西园三区5号楼2单元501", "北京市朝阳区望京街道"),
    ("海淀区中关村街道科源社区8号楼", "海淀区中关村街道"),
    ("朝阳区酒仙桥路4号院3号楼", "朝阳区"),
    ("通州区宋庄镇小堡村128号", "通州区宋庄镇"),
    ("怀柔区喇叭沟门满族乡上台子村", "怀柔区喇叭沟门满族乡"),
    ("丰台区卢沟桥乡大瓦窑村南口", "丰台区卢沟桥乡"),
    ("朝阳区南磨房地区南磨房路37号", "朝阳区南磨房地区"),
    ("西城区什刹海街道 柳荫街 12 号", "西城区什刹海街道"),
    ("望京西园社区二号楼", "望京西园社区"),
    ("海淀区中关村大街27号", "海淀区中关村"),
    ("北京市石景山区鲁谷路74号", "北京市石景山区"),
    ("河北省三河市燕郊开发区", "河北省三河市燕郊开发区"),
    ("5号楼2单元501", "***"),
]
TEXTS = [
    ("我的电话13812345678，请尽快联系", "我的电话[手机号]，请尽快联系"),
    ("电话13812345678找张先生", "电话[手机号]找张先生"),
    ("手机：１３８１２３４５６７８", "手机：[手机号]"),
    ("回电+86 138-1234-5678谢谢", "回电[手机号]谢谢"),
    ("打0086 13900001111也行", "打[手机号]也行"),
    ("座机010-84721234转分机", "座机[固定电话]转分机"),
    ("请拨（010）8472 1234", "请拨[固定电话]"),
    ("家里电话是01084721234", "家里电话是[固定电话]"),
    ("河北的号码0311-8123456", "河北的号码[固定电话]"),
    (f"身份证号{ID_A}，住5号楼", "身份证号[身份证号]，住5号楼"),
    (f"身份证{ID_X}号", "身份证[身份证号]号"),
    (f"证件号码：{ID_A.translate(FW)}", "证件号码：[身份证号]"),
    (f"卡号{CARD16}，被扣了钱", "卡号[银行卡号]，被扣了钱"),
    (
        f"退款到{CARD19[:4]} {CARD19[4:8]} {CARD19[8:12]} {CARD19[12:16]} {CARD19[16:]}",
        "退款到[银行卡号]",
    ),
    ("邮箱zhang.san@163.com谢谢", "邮箱[邮箱]谢谢"),
    ("发到ｗａｎｇ＿ｌｉ＠ｑｑ．ｃｏｍ", "发到[邮箱]"),
    ("13812345678@139.com是我的邮箱", "[邮箱]是我的邮箱"),
    ("13812345678 13987654321都是我的", "[手机号] [手机号]都是我的"),
    ("身份证110105900307123丢了", "身份证[身份证号]丢了"),
    ("老身份证 110105 900307 123", "老身份证 [身份证号]"),
    ("电话幺三八一二三四五六七八", "电话[手机号]"),
    ("手机一三八 一二三四 五六七八，急", "手机[手机号]，急"),
    ("座机零一零八四七二一二三四", "座机[固定电话]"),
    ("我叫王小明，住3号楼", "我叫[姓名]，住3号楼"),
    ("联系人：欧阳娜娜 电话13812345678", "联系人：[姓名] 电话[手机号]"),
    ("诉求人李娜反映楼上漏水", "诉求人[姓名]反映楼上漏水"),
    ("我是李娜，楼下太吵", "我是[姓名]，楼下太吵"),
    ("姓名:张伟", "姓名:[姓名]"),
    # Left alone: names without a cue or with an honorific, places, numbers in words.
    ("联系人王先生", "联系人王先生"),
    ("我是张家口人", "我是张家口人"),
    ("我是江西人", "我是江西人"),
    ("我是党员", "我是党员"),
    ("我是高三学生，晚上太吵", "我是高三学生，晚上太吵"),
    ("联系人电话打不通", "联系人电话打不通"),
    ("第一二三四五六排的路灯不亮", "第一二三四五六排的路灯不亮"),
    ("编号110105901307123", "编号110105901307123"),
    # Left alone: order numbers, service numbers, dates, amounts, invalid IDs.
    ("工单20241122123456已办结", "工单20241122123456已办结"),
    ("拨打12345或400-810-5888咨询", "拨打12345或400-810-5888咨询"),
    ("2024-05-06下午三点停水", "2024-05-06下午三点停水"),
    ("共计1380000元，编号138123456789", "共计1380000元，编号138123456789"),
    (f"号码{ID_BAD}不是身份证", f"号码{ID_BAD}不是身份证"),
    ("", ""),
]


@pytest.mark.parametrize(("raw", "expected"), PHONES)
def test_mask_phone(raw, expected):
    assert mask_phone(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), IDS)
def test_mask_id_number(raw, expected):
    masked = mask_id_number(raw)
    assert masked == expected
    assert raw[6:14] not in masked  # the birth date never shows


@pytest.mark.parametrize(("raw", "expected"), NAMES)
def test_mask_name(raw, expected):
    assert mask_name(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), ADDRESSES)
def test_mask_address(raw, expected):
    assert mask_address(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), TEXTS)
def test_redact_text(raw, expected):
    assert redact_text(raw) == expected


def test_table_has_at_least_fifty_realistic_inputs():
    assert len(PHONES) + len(IDS) + len(NAMES) + len(ADDRESSES) + len(TEXTS) >= 50


def test_check_digit_and_luhn_helpers():
    assert id_check_ok(ID_A)
    assert id_check_ok(ID_X)
    assert not id_check_ok(ID_BAD)
    assert luhn_ok(CARD16)
    assert luhn_ok(CARD19)
    assert not luhn_ok(CARD16[:-1] + str((int(CARD16[-1]) + 1) % 10))


def test_an_invalid_id_that_passes_luhn_is_redacted_as_a_card():
    number = luhn_complete("62220212345678901")
    assert len(number) == 18
    assert not id_check_ok(number)
    assert redact_text(f"账号{number}") == "账号[银行卡号]"


def test_mask_field_dispatch_and_none():
    assert mask("orders", "requester_phone", "13812345678") == "138****5678"
    assert mask("orders", "content", "电话13812345678") == "电话[手机号]"
    assert mask("order_events", "internal_note", None) is None
    assert mask("console_totp", "secret", "JBSWY3DPEHPK3PXP") == "******"
