"""Writes ``redaction.jsonl``: the labelled corpus that ``test_redaction_corpus.py`` reads.

Run from the repository root: ``.venv/bin/python tests/privacy/corpus/make_redaction_corpus.py``.
The output is committed; the test never runs this script. The same seed gives the same
file, so a change to the templates shows as a diff of the corpus.

Every person, number and address here is invented: names are drawn from common surnames
and given-name characters, phone numbers are random, ID numbers are built with a right
GB 11643 check digit for a random birth date, bank cards with a right Luhn digit.

Each line is one JSON object:

``id``        ``c0001`` … (clean) or ``p0001`` … (holds personal data)
``style``     hotline_reply, unit_note, completion_reply, reason, citizen_text, rating_comment
``text``      the sentence
``pii``       ``[{"kind", "start", "end", "text"}]``: what must be removed, kinds
              ``mobile``, ``landline``, ``id``, ``card``, ``email``, ``name``
``expected``  the sentence after redaction (each span replaced by its label)
"""

from __future__ import annotations

import json
import random
import re
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).with_name("redaction.jsonl")
SEED = 12345

LABELS = {
    "mobile": "[手机号]",
    "landline": "[固定电话]",
    "id": "[身份证号]",
    "card": "[银行卡号]",
    "email": "[邮箱]",
    "name": "[姓名]",
}

# -- invented people ------------------------------------------------------------------

COMMON_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
)
OTHER_SURNAMES = "苏魏吕丁任沈姚卢姜崔钟谭陆汪范石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵严武戴孔汤常康牛樊葛邢安齐乔庞颜倪庄聂章鲁岳翟殷申耿焦俞柳甘祝舒阮柯纪梅童凌毕单季裴霍涂苗谷盛曲翁冉骆蓝游辛靳管柴鲍喻祁蒲房滕屈饶解牟艾穆司卓车项连窦戚景宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵边卞姬师仇栾商刁沙荣巫寇桑郎甄丛仲虞敖巩明池查麻苑迟"  # noqa: E501
COMPOUND = ("欧阳", "司马", "诸葛", "上官", "东方", "慕容", "皇甫", "尉迟", "公孙", "令狐")
GIVEN_ONE = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力志国鹏宇浩欣涵轩东波斌宁凯峰俊琳婷雪慧颖佳瑞晨阳昊泽琪璐丹倩晶琦梅燕"  # noqa: E501
GIVEN_TWO = (
    "建国 建华 建军 志强 志明 志刚 国强 国华 海燕 海涛 海波 晓东 晓明 晓燕 晓红 晓丽 秀英 "
    "秀兰 秀珍 桂兰 桂英 桂芳 春梅 春华 玉兰 玉梅 丽娟 丽华 丽萍 淑华 淑珍 红梅 红霞 文华 "
    "文杰 明辉 德明 永刚 永红 宏伟 伟东 俊杰 子涵 子轩 梓萱 一诺 浩然 雨轩 欣怡 思琪 佳怡 "
    "宇航 博文 天宇 嘉怡 雅琴 凤英 金凤 玉珍 小红 小军 立新 振华 卫东 卫国 爱华 晓峰 鹏飞 "
    "云飞 雪梅 冬梅 艳红 艳华 亚楠 静怡 佳琪 家豪 家明 宏亮 秀芳 淑兰 海龙 春生 金山 德福 "
    "瑞雪 梦琪 若曦 诗涵 晓光 少华 明远 建平 玉洁 新民"
).split()
# 解 is a surname as well as the first character of 解答 and 解释: names with it are
# written right where the hotline writes those verbs.
XIE_NAMES = ("解晓东", "解红梅", "解文", "解玉兰", "解建军", "解静", "解海波", "解秀英")

# -- invented places, units and things ------------------------------------------------

DISTRICTS = ("东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "通州区", "昌平区")
STREETS = ("望京街道", "中关村街道", "劲松街道", "天通苑北街道", "永顺镇", "卢沟桥街道", "八角街道")
COMMUNITIES = (
    "望京西园社区",
    "花家地社区",
    "科源社区",
    "劲松一区社区",
    "天通北苑社区",
    "八角北路社区",
)
UNITS = (
    "朝阳区城市管理委员会",
    "海淀区住房和城乡建设委员会",
    "丰台区市场监督管理局",
    "望京街道办事处",
    "北京市自来水集团有限责任公司",
    "国网北京市电力公司",
    "通州区人力资源和社会保障局",
    "北京市热力集团有限责任公司",
)
LEAVES = (
    "电梯维修",
    "物业收费",
    "供暖温度不达标",
    "停水",
    "夜间施工噪音",
    "违章停车",
    "拖欠工资",
    "预付卡退费",
    "垃圾清运不及时",
    "群租房",
    "公积金提取",
    "医保报销",
    "新生儿落户",
    "居住证办理",
    "老旧小区改造",
)
HONORIFICS = ("先生", "女士", "师傅", "阿姨", "大爷", "经理", "主任", "老师")
MOBILE_PREFIXES = ("130", "133", "135", "136", "138", "139", "150", "151", "158", "159")
MOBILE_PREFIXES += ("166", "176", "177", "180", "185", "186", "187", "188", "189", "199")
REGIONS = ("110105", "110108", "110101", "110102", "110106", "130102", "370202", "440305")
REGIONS += ("510104", "320106", "420111", "610113", "210102", "230103")
CARD_PREFIXES = ("622202", "621700", "622848", "621226", "622588", "625965", "621483", "436742")
EMAIL_DOMAINS = ("163.com", "126.com", "qq.com", "sina.com", "foxmail.com", "outlook.com")
EMAIL_DOMAINS += ("gmail.com", "yeah.net", "139.com", "sohu.com")
PINYIN = ("zhang", "wang", "li", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "xie")
PINYIN += ("sun", "ma", "gao", "lin", "he", "guo", "luo", "song", "xu", "han", "feng")

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
FULL_WIDTH = str.maketrans(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@._-+() ",
    "０１２３４５６７８９ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ"
    "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ＠．＿－＋（）\u3000",
)


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # doubled: the check digit will sit to the right of these
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str(-total % 10)


def id_check(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def chinese_numerals(rng: random.Random, digits: str) -> str:
    out = []
    for d in digits:
        if d == "1":
            out.append(rng.choice("一幺幺"))
        elif d == "0":
            out.append(rng.choice("零〇"))
        elif d == "2":
            out.append(rng.choice("二二两"))
        else:
            out.append("零一二三四五六七八九"[int(d)])
    return "".join(out)


class Gen:
    """Values and their written forms, all from one seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    # -- names
    def surname(self) -> str:
        r = self.rng.random()
        if r < 0.6:
            return self.rng.choice(COMMON_SURNAMES)
        if r < 0.93:
            return self.rng.choice(OTHER_SURNAMES)
        return self.rng.choice(COMPOUND)

    def name(self) -> str:
        given = self.rng.choice(GIVEN_TWO) if self.rng.random() < 0.55 else None
        return self.surname() + (given or self.rng.choice(GIVEN_ONE))

    def xie_name(self) -> str:
        return self.rng.choice(XIE_NAMES)

    def honorific(self) -> str:
        return self.rng.choice(COMMON_SURNAMES + "解") + self.rng.choice(HONORIFICS)

    # -- numbers
    def mobile(self) -> str:
        digits = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
        a, b, c = digits[:3], digits[3:7], digits[7:]
        forms = (
            digits,
            digits,
            f"{a} {b} {c}",
            f"{a}-{b}-{c}",
            f"+86 {a} {b} {c}",
            f"+86{digits}",
            f"+86-{digits}",
            f"0086 {digits}",
            f"86-{digits}",
            digits.translate(FULL_WIDTH),
            f"{a} {b} {c}".translate(FULL_WIDTH),
            f"{a}\u3000{b}\u3000{c}",
            chinese_numerals(self.rng, digits),
            " ".join(chinese_numerals(self.rng, g) for g in (a, b, c)),
        )
        return self.rng.choice(forms)

    def landline(self) -> str:
        if self.rng.random() < 0.75:
            area, local = "010", f"{self.rng.randrange(2, 10)}{self.rng.randrange(10**7):07d}"
        else:
            area = self.rng.choice(("0311", "022", "0316", "0335", "021"))
            digits = 7 if area in ("0311", "0316", "0335") and self.rng.random() < 0.5 else 8
            rest = self.rng.randrange(10 ** (digits - 1))
            local = f"{self.rng.randrange(2, 10)}{rest:0{digits - 1}d}"
        half = len(local) - 4
        forms = (
            f"{area}-{local}",
            f"{area}-{local}",
            f"{area}{local}",
            f"{area} {local[:half]} {local[half:]}",
            f"({area}){local}",
            f"（{area}）{local[:half]}-{local[half:]}",
            f"{area}-{local[:half]}-{local[half:]}",
            f"{area}-{local}-{self.rng.randrange(100, 999)}",
            f"{area}-{local}".translate(FULL_WIDTH),
            chinese_numerals(self.rng, area + local),
        )
        return self.rng.choice(forms)

    def birth(self) -> date:
        return date(1950, 1, 1) + timedelta(days=self.rng.randrange(365 * 55))

    def id18(self) -> str:
        body = self.rng.choice(REGIONS) + self.birth().strftime("%Y%m%d")
        body += f"{self.rng.randrange(1000):03d}"
        number = body + id_check(body)
        forms = (
            number,
            number,
            number.lower(),
            number.translate(FULL_WIDTH),
            f"{number[:6]} {number[6:14]} {number[14:]}",
            f"{number[:6]} {number[6:10]} {number[10:14]} {number[14:]}",
        )
        return self.rng.choice(forms)

    def id15(self) -> str:
        born = date(1930, 1, 1) + timedelta(days=self.rng.randrange(365 * 60))
        number = (
            self.rng.choice(REGIONS) + born.strftime("%y%m%d") + f"{self.rng.randrange(1000):03d}"
        )
        return self.rng.choice((number, f"{number[:6]} {number[6:12]} {number[12:]}"))

    def card(self) -> str:
        while True:
            length = self.rng.choice((16, 16, 19, 19, 17, 18))
            body = self.rng.choice(CARD_PREFIXES)
            body += "".join(str(self.rng.randrange(10)) for _ in range(length - 1 - len(body)))
            number = body + luhn_digit(body)
            # An 18-digit card number whose last digit happens to be a right ID check digit
            # is read as an ID number: not a card in this corpus.
            if length != 18 or id_check(number[:17]) != number[17]:
                break
        groups = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
        forms = (
            number,
            number,
            groups,
            groups.replace(" ", "-"),
            number.translate(FULL_WIDTH),
        )
        return self.rng.choice(forms)

    def email(self) -> str:
        rng = self.rng
        local = rng.choice(
            (
                f"{rng.choice(PINYIN)}{rng.choice(PINYIN)}{rng.randrange(10, 2000)}",
                f"{rng.choice(PINYIN)}.{rng.choice(PINYIN)}",
                f"{rng.choice(PINYIN)}_{rng.randrange(1960, 2010)}",
                f"{rng.randrange(10**5, 10**10)}",
                f"{rng.choice(PINYIN)}-{rng.choice(PINYIN)}{rng.randrange(1, 99)}",
            )
        )
        address = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
        return address.translate(FULL_WIDTH) if rng.random() < 0.08 else address

    # -- things that are not personal
    def order_no(self) -> str:
        day = date(2024, 1, 1) + timedelta(days=self.rng.randrange(700))
        return day.strftime("%Y%m%d") + f"{self.rng.randrange(10**6):06d}"

    def day(self) -> date:
        return date(2024, 1, 1) + timedelta(days=self.rng.randrange(700))

    def date_text(self) -> str:
        d = self.day()
        return self.rng.choice(
            (
                f"{d.year}年{d.month}月{d.day}日",
                d.isoformat(),
                f"{d.year}/{d.month}/{d.day}",
                f"{d.month}月{d.day}日",
                d.strftime("%Y.%m.%d"),
                d.strftime("%Y%m%d"),
            )
        )

    def time_text(self) -> str:
        h, m = self.rng.randrange(6, 23), self.rng.choice((0, 15, 30, 45))
        spoken = f"晚上{h - 12}点" if h >= 19 else f"下午{h - 12}点" if h >= 13 else f"上午{h}点"
        return self.rng.choice((f"{h}:{m:02d}", f"{h}点", f"{h}时{m}分", spoken))

    def amount(self) -> str:
        n = self.rng.choice((self.rng.randrange(50, 5000), self.rng.randrange(5000, 200000)))
        return self.rng.choice(
            (f"{n}元", f"{n:,}元", f"￥{n}.00", f"{n / 10000:.2f}万元", f"人民币{n}元")
        )

    def building(self) -> str:
        rng = self.rng
        house, unit = rng.randrange(1, 30), rng.randrange(1, 7)
        flat = f"{rng.randrange(1, 25)}0{rng.randrange(1, 5)}"
        return rng.choice(
            (
                f"{house}号楼{unit}单元{flat}",
                f"{house}号楼{flat}室",
                f"{house}-{unit}-{flat}",
                f"{rng.randrange(1, 300)}号院{house}号楼",
            )
        )


# -- templates ------------------------------------------------------------------------
# {slot}s: personal data (recorded as spans) are mobile, landline, id, id15, card, email,
# name, xie_name; the others fill in ordinary words and numbers.

CLEAN = {
    "hotline_reply": (
        "已向来电人解释{leaf}相关政策，来电人表示理解。",
        "已告知来电人{leaf}的办理流程及所需材料。",
        "经查询政策知识库，已就{leaf}问题为来电人解答。",
        "已告知来电人可通过“北京通”或政务服务网在线办理。",
        "已为来电人解答。",
        "已就政策解读问题为来电人解答。",
        "已向来电人解释相关政策，来电人无其他诉求。",
        "已向来电人解释说明，来电人表示认可。",
        "来电人反映的问题已转{unit}办理。",
        "来电人咨询{leaf}，已告知可拨打12345进一步咨询。",
        "来电人称已于{date}向物业反映，至今未解决。",
        "来电人于昨日再次来电，要求尽快处理。",
        "来电人于{date}来电，反映{leaf}问题。",
        "来电人曾多次来电反映此问题，情绪较为激动。",
        "来电人曾向社区反映，社区答复正在协调。",
        "来电人表示不认可，要求转派至{unit}。",
        "来电人咨询工单{order}的办理进度，已告知正在办理中。",
        "已告知来电人办理时限为15个工作日，请耐心等待。",
        "来电人询问{leaf}的补贴标准，已按政策口径答复。",
        "来电人希望尽快解决，已记录并转交。",
        "来电人要求回复，已告知承办单位将在{date}前联系。",
        "来电人补充说明，问题发生在{building}。",
        "来电人对答复表示满意，无其他诉求。",
        "来电人解释说家中老人行动不便，希望上门办理。",
        "来电人明确表示不需要回访。",
        "来电人家属代为来电，反映{leaf}问题。",
        "来电人和物业协商未果，请求协调。",
        "来电人向物业多次反映，物业未予处理。",
        "来电人查询社保缴费记录，已告知可在官方网站查询。",
        "来电人申请退款，已告知联系商家或拨打12315。",
        "来电人单位拖欠工资已有三个月。",
        "来电人周末在家，希望周末上门。",
        "来电人凌晨两点被施工噪音吵醒。",
        "已告知来电人拨打95598反映停电问题。",
        "已告知来电人可拨打96166咨询燃气问题。",
        "已向来电人解答{leaf}相关问题，来电人表示理解。",
        "已为来电人解答{leaf}的申领条件。",
        "来电人关于{leaf}的诉求已记录。",
        "来电人时常听到楼上有异响，怀疑漏水。",
        "来电人全家都是{district}户籍。",
        "来电人尚未收到补贴，已告知发放时间。",
        "来电人陆续收到多条催缴短信。",
        "来电人焦急地说家里老人需要用电。",
        "来电人高兴地说问题终于解决了。",
        "来电人应该在{date}前提交材料。",
        "来电人认为收费不合理，要求核查。",
        "来电人同意等待处理结果。",
        "来电人所在小区为{place}。",
        "来电人今日第三次来电。",
        "来电人称其于{date}在商场购物时被多收{amount}。",
        "来电人情绪平稳，已做好解释工作。",
        "已向来电人说明情况，来电人不再坚持。",
        "已向来电人解释清楚，来电人表示明白。",
    ),
    "unit_note": (
        "经核实，已联系诉求人，约定{date}上门查看。",
        "已联系诉求人{hon}，告知处理进展。",
        "已电话联系诉求人{hon}，了解具体情况。",
        "诉求人{hon}表示满意。",
        "诉求人家属表示认可处理结果。",
        "联系人电话无法接通，已发送短信告知。",
        "诉求人单位已整改完毕。",
        "诉求人房屋漏水问题已由物业维修。",
        "诉求人于{date}{time}来电，再次反映{leaf}问题。",
        "诉求人向物业多次反映，物业未处理。",
        "经与诉求人沟通，诉求人同意延期。",
        "诉求人和物业已达成一致意见。",
        "已向诉求人解释相关情况，诉求人表示理解。",
        "诉求人对办理结果表示满意。",
        "诉求人表示问题基本解决。",
        "请尽快联系诉求人核实处理。",
        "已与诉求人取得联系，约定上门查看。",
        "已安排工作人员到{building}现场核实情况。",
        "{hon}已带维修人员于{time}到场处置。",
        "工作人员于{date}{time}到现场，{hon}在场。",
        "已联系物业{hon}，要求三日内整改。",
        "经核实，工单{order}与工单{order}反映同一问题。",
        "诉求人所述情况属实，已督促{unit}处理。",
        "诉求人车辆被剐蹭一事已移交交警部门。",
        "诉求人曾经投诉过同一问题，本次已一并处理。",
        "联系人单位电话无人接听，已留言。",
        "诉求人明天上午在家，约定届时上门。",
        "诉求人严重不满，要求上级部门介入。",
        "诉求人马上要搬家，希望尽快退还押金。",
        "已约谈{hon}，要求限期整改。",
        "户主同意施工方案。",
        "反映人称楼道堆物已清理。",
        "诉求人要求赔偿{amount}，双方正在协商。",
        "已电话联系诉求人，了解具体情况。",
        "经现场核实，{building}电梯已恢复运行。",
        "诉求人尚未提供相关材料，已告知补充。",
        "诉求人常年居住在外地，房屋由亲属代管。",
        "诉求人车位被占一事已协调物业处理。",
        "诉求人房东已同意退还押金{amount}。",
        "联系人单位地址有误，已重新核实。",
        "诉求人钱款被骗一事已告知向公安机关报案。",
        "诉求人麻烦尽快安排，已答复三日内处理。",
        "诉求人方面表示可以接受调解方案。",
        "诉求人同意于{date}{time}在家等候。",
        "诉求人于今年三月购买的商品出现质量问题。",
        "诉求人曾向社区反映，社区已出面协调。",
        "诉求人一直未接电话，已发短信告知。",
        "户主不在家，已电话联系其家属。",
        "诉求人就{leaf}问题再次来电。",
    ),
    "completion_reply": (
        "{unit}已联系诉求人，就所咨询问题进行了详细解答。",
        "{unit}已将诉求人的表扬转达相关工作人员。",
        "经{unit}核实，已安排工作人员到现场处理，问题已解决。",
        "{unit}已协调相关单位完成维修，并向诉求人反馈。",
        "{unit}已督促责任主体整改完毕，诉求人表示认可。",
        "{unit}已向诉求人解释相关情况，问题涉及历史遗留原因，将持续跟进。",
        "{unit}已约谈责任主体，要求其限期整改。",
        "经核实，商家已退还诉求人预付款{amount}。",
        "已为诉求人办理退费{amount}，诉求人表示满意。",
        "{unit}于{date}完成维修，{hon}确认问题已解决。",
        "经协调，物业已于{date}恢复供水，诉求人表示认可。",
        "已责令施工单位22:00后停止施工，诉求人表示满意。",
        "已联系诉求人，告知补贴将于{date}前发放。",
        "{unit}已向诉求人解答{leaf}相关政策。",
        "经查，诉求人反映的{leaf}问题属实，已依法立案调查。",
    ),
    "reason": (
        "该诉求不属于本单位职责范围，建议转{unit}办理。",
        "诉求地点不在本辖区，请重新派单。",
        "经核实，该事项由{unit}负责。",
        "该事项不属于本单位职责，派单有误。",
        "诉求涉及产权单位，不属于本单位管辖范围。",
        "涉及多个部门协调，申请延期至{date}。",
        "需等待施工队进场维修，预计{date}完成。",
        "天气原因暂时无法施工，申请延期办理。",
        "需要产权单位出具意见，申请延期。",
        "诉求人提供的地址有误，无法核实。",
        "工单{order}与工单{order}重复，申请合并办理。",
        "诉求人联系电话空号，无法联系，申请退单。",
        "经多次联系，诉求人均未接听电话，申请延期。",
        "涉及多部门职责，吹哨召集相关部门现场会商。",
        "问题涉及跨部门协调，申请提级统筹。",
        "诉求人申请延期处理，待其返京后上门。",
        "维修费用{amount}需业主大会表决，申请延期。",
    ),
    "citizen_text": (
        "我是张家口人，在{district}打工，{leaf}问题一直没人管。",
        "我是江西人，在北京租房，房东不退押金{amount}。",
        "我是党员，反映一下小区{leaf}的问题。",
        "我是房东，租客拖欠房租三个月。",
        "我是司机，在路边打车被出租车拒载。",
        "我是车主，小区车位被长期占用。",
        "我是高三学生，晚上工地太吵没法学习。",
        "我是{district}居民，{leaf}问题{duration}了还没解决。",
        "我家住在{place}{building}，楼上漏水已经一周。",
        "物业费从每平米2.5元涨到3.8元，不合理。",
        "工单号{order}一直没有回复，请催办。",
        "我在{date}{time}拨打过12345，至今没有答复。",
        "已经交了{amount}，商家不给开发票。",
        "小区共有1200户居民，只有两部电梯能用。",
        "公交车牌号京A{plate}的司机态度很差。",
        "快递单号SF{express}一直显示派送中。",
        "押金{amount}不退，合同编号HT{year}-0{n3}。",
        "邮编100020附近的路灯{duration}不亮。",
        "请拨打400-810-5888的客服一直占线。",
        "找{hon}修了三次还是漏水。",
        "{hon}说下周来修，到现在也没来。",
        "张师傅和王师傅都来看过了，说是管道老化。",
        "联系人电话打不通，物业也找不到人。",
        "第一二三四五六排的路灯不亮。",
        "二〇二四年五月六日下午三点开始停水。",
        "{date}{time}开始停电，冰箱里的东西都坏了。",
        "统一社会信用代码91110105MA01ABCD2X的公司拖欠工资。",
        "订单号{order}的商品质量有问题，平台客服不处理。",
        "健身房突然关门，预付卡里还有{amount}。",
        "楼下饭店排风机噪音很大，晚上{time}以后也不停。",
        "{building}暖气温度只有16度，屋里很冷。",
        "电动车在{place}被盗，价值{amount}。",
        "地铁10号线早高峰太挤了。",
        "52路公交车间隔太长，一等就是40分钟。",
        "编号110105901307123的井盖丢了。",
        "共计1380000元的工程款至今未结算。",
        "我叫了物业三次都没人来。",
        "诉求人家属反映老人腿脚不便。",
        "诉求人张先生表示满意。",
        "房租每月{amount}，房东突然要涨价。",
        "小区有{n3}辆共享单车乱停乱放。",
        "从{date}到现在已经{duration}了。",
        "家里有老人，血压高，需要尽快恢复供暖。",
        "孩子今年6岁，想咨询入学政策。",
        "我是商户，门口被人堆了很多杂物。",
        "我是程序员，晚上加班回来楼道灯不亮。",
        "我是宁夏人，想咨询居住证办理。",
        "我是业主，物业不让装修。",
        "第138号楼门口的下水道堵了。",
        "电费单上显示本月386.5元，比上月多了一倍。",
        "{date} 13:45左右停电，到现在还没来电。",
        "涉及12户居民，大家都很着急。",
        "发票号码04400123456789开错了。",
        "工号1380的客服态度很差。",
        "车牌号京N{plate}的车一直占着消防通道。",
        "我打了三次12345，每次都说会转给相关部门。",
        "小区的门牌号是{n3}号，快递总是送错。",
    ),
    "rating_comment": (
        "处理很及时，谢谢！",
        "工作人员态度很好。",
        "问题解决了，点赞。",
        "问题基本解决了，希望以后注意。",
        "处理得还行，就是慢了点。",
        "问题还是没有解决。",
        "一直拖着没人管。",
        "只打了电话，没人来处理。",
        "{hon}很负责，上门三次。",
        "感谢{unit}，{duration}的问题终于解决了。",
        "打了12345第二天就有人来修了。",
        "给5星，{hon}服务很好。",
    ),
}

PERSONAL = {
    "hotline_reply": (
        "来电人{xie_name}反映{leaf}问题，已告知处理流程。",
        "已向来电人{xie_name}解释{leaf}相关政策，来电人表示理解。",
        "来电人{name}称楼上漏水，联系电话{mobile}。",
        "来电人{name}咨询{leaf}，已为其解答。",
        "已为来电人{name}解答{leaf}的办理条件。",
        "来电人{xie_name}表示不满意，要求回电{mobile}。",
        "来电人{name}（{mobile}）反映{leaf}问题。",
        "来电人：{name}，电话：{mobile}。",
        "来电人{name}于昨日再次来电。",
        "反映人{name}要求尽快处理，电话{mobile}。",
        "来电人{name}可以在工作日前往办理。",
        "来电人{name}今天第二次来电。",
        "来电人{name}曾向物业反映过。",
        "来电人{name}和物业发生纠纷。",
        "来电人{name}向社区求助未果。",
        "来电人{name}不同意处理意见。",
        "来电人{name}一直联系不上物业。",
        "来电人{xie_name}解释说家中无人。",
        "已告知来电人{name}可到{district}政务服务中心办理。",
        "来电人{name}提供身份证号{id}，咨询社保缴费。",
        "来电人{name}的邮箱是{email}，要求书面答复。",
        "来电人称其银行卡{card}被商家重复扣款。",
        "来电人座机{landline}，手机{mobile}。",
        "回电请拨{landline}找{hon}。",
        "姓名：{name}，身份证：{id}，电话：{mobile}",
        "来电人{name}反映退款应退至银行卡{card}。",
    ),
    "unit_note": (
        "已电话联系诉求人{name}（{mobile}），约定上门时间。",
        "经核实，已联系诉求人{name}，告知处理进展。",
        "诉求人{name}表示满意。",
        "联系人：{name}，电话：{mobile}",
        "联系人{name}{mobile}",
        "联系人为{name}，联系电话{landline}。",
        "诉求人{name}反映的问题已整改完毕。",
        "诉求人{xie_name}称物业已维修。",
        "联系人{name}电话打不通，改拨座机{landline}。",
        "诉求人{name}的身份证号{id}已核验。",
        "户主{name}同意施工方案，电话{mobile}。",
        "已将结果发送至诉求人邮箱{email}。",
        "诉求人{name}提供的退款账户为{card}。",
        "经与诉求人{name}沟通，诉求人同意延期。",
        "诉求人{name}身份证号{id}，已登记。",
        "诉求人{name}于{date}签收。",
        "诉求人{name}所在单位已补发工资。",
        "诉求人{name}家属代为签字。",
        "诉求人{name}房屋已维修完毕。",
        "联系人{name}，{landline}。",
        "诉求人{xie_name}（身份证{id}）为房屋产权人。",
    ),
    "completion_reply": (
        "{unit}已联系诉求人{name}，就所咨询问题进行了详细解答。",
        "{unit}已向诉求人{name}解释相关情况。",
        "经{unit}核实，已安排工作人员到现场处理，诉求人{name}确认问题已解决。",
        "已退还预付款{amount}至诉求人银行卡{card}。",
        "{unit}已将处理结果发送至{email}。",
        "{unit}已告知诉求人{name}补贴发放时间，经办人手机{mobile}。",
    ),
    "reason": (
        "诉求人{name}提供的电话{mobile}为空号，申请退单。",
        "联系人{name}电话{mobile}无法接通，申请延期。",
        "诉求人{name}要求暂缓处理，申请延期。",
        "诉求人{name}身份证号{id}与产权登记不符，需进一步核实。",
        "诉求人{xie_name}不在京，待其返京后上门。",
    ),
    "citizen_text": (
        "我叫{name}，住在{place}{building}，电话{mobile}。",
        "我叫{name}，{leaf}问题{duration}了还没解决。",
        "我是{name}，楼下饭店太吵。",
        "我是{name}。",
        "我的电话{mobile}，请尽快联系。",
        "电话{mobile}找{hon}。",
        "手机：{mobile}",
        "有问题请打{mobile}，我白天上班。",
        "回电{mobile}谢谢",
        "家里座机{landline}，白天没人。",
        "座机{landline}转分机",
        "我的身份证号是{id}。",
        "身份证{id}丢了，想补办。",
        "老身份证{id15}，现在还能用吗？",
        "卡号{card}，被扣了{amount}。",
        "退款请打到{card}，谢谢。",
        "邮箱{email}，请发电子发票。",
        "有事发邮件到{email}也可以。",
        "我叫{name}，手机{mobile}，邮箱{email}。",
        "名叫{name}的房东不退押金，他电话{mobile}。",
        "联系人：{name} 电话{mobile}",
        "姓名:{name}",
        "我叫{name}，身份证{id}，卡号{card}。",
        "工单号{order}，联系电话{mobile}。",
        "{mobile}是我的手机，{landline}是家里座机。",
        "我的手机号是{mobile}，身份证号是{id}。",
        "请联系我{mobile}，或者我爱人{mobile}。",
        "银行卡{card}在{date}被盗刷{amount}。",
    ),
    "rating_comment": (
        "联系人{name}态度很好，问题解决了！",
        "有问题联系我{mobile}。",
        "后续情况请发到{email}。",
        "我叫{name}，对结果不满意。",
    ),
}

SLOT_RE = re.compile(r"\{(\w+)\}")
PII_SLOTS = {
    "mobile": "mobile",
    "landline": "landline",
    "id": "id",
    "id15": "id",
    "card": "card",
    "email": "email",
    "name": "name",
    "xie_name": "name",
}


def fill(gen: Gen, template: str) -> tuple[str, list[dict]]:
    rng = gen.rng
    plain = {
        "leaf": lambda: rng.choice(LEAVES),
        "unit": lambda: rng.choice(UNITS),
        "district": lambda: rng.choice(DISTRICTS),
        "place": lambda: rng.choice(COMMUNITIES + STREETS),
        "date": gen.date_text,
        "time": gen.time_text,
        "order": gen.order_no,
        "amount": gen.amount,
        "building": gen.building,
        "hon": gen.honorific,
        "duration": lambda: rng.choice(("两天", "一周", "半个月", "三个多月", "大半年")),
        "plate": lambda: f"{rng.randrange(10000, 99999)}",
        "express": lambda: f"{rng.randrange(10**11, 10**12)}",
        "year": lambda: str(rng.randrange(2019, 2026)),
        "n3": lambda: str(rng.randrange(100, 999)),
    }
    values = {
        "mobile": gen.mobile,
        "landline": gen.landline,
        "id": gen.id18,
        "id15": gen.id15,
        "card": gen.card,
        "email": gen.email,
        "name": gen.name,
        "xie_name": gen.xie_name,
    }
    text, spans, last = "", [], 0
    for m in SLOT_RE.finditer(template):
        text += template[last : m.start()]
        slot = m.group(1)
        if slot in PII_SLOTS:
            value = values[slot]()
            spans.append(
                {"kind": PII_SLOTS[slot], "start": len(text), "end": len(text) + len(value)}
            )
        else:
            value = plain[slot]()
        text += value
        last = m.end()
    text += template[last:]
    for span in spans:
        span["text"] = text[span["start"] : span["end"]]
    return text, spans


def redacted(text: str, spans: list[dict]) -> str:
    out, last = [], 0
    for span in sorted(spans, key=lambda s: s["start"]):
        out.append(text[last : span["start"]])
        out.append(LABELS[span["kind"]])
        last = span["end"]
    out.append(text[last:])
    return "".join(out)


def build(rng: random.Random) -> list[dict]:
    gen = Gen(rng)
    rows: list[dict] = []
    seen: set[str] = set()

    def add(prefix: str, style: str, template: str) -> None:
        for _ in range(20):  # a template without slots gives one sentence only
            text, spans = fill(gen, template)
            if text not in seen:
                break
        else:
            return
        seen.add(text)
        rows.append(
            {
                "id": f"{prefix}{sum(r['id'][0] == prefix for r in rows) + 1:04d}",
                "style": style,
                "text": text,
                "pii": spans,
                "expected": redacted(text, spans),
            }
        )

    for style, templates in CLEAN.items():
        for template in templates:
            for _ in range(2 if "{" in template else 1):
                add("c", style, template)
    for style, templates in PERSONAL.items():
        for template in templates:
            for _ in range(4 if style == "citizen_text" else 3):
                add("p", style, template)
    return rows


def main() -> None:
    rows = build(random.Random(SEED))
    with OUT.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    clean = sum(not r["pii"] for r in rows)
    print(f"{len(rows)} sentences, {clean} clean, {len(rows) - clean} with personal data -> {OUT}")


if __name__ == "__main__":
    main()
