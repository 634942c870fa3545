"""Chinese wording for requests, replies and notes, built from the category and place.

Requests read like what agents type while a citizen talks: where, what, for how long,
who has not helped. A few mention a phone number or an ID number in the text, as real
callers do, so that redaction has something to find.
"""

from __future__ import annotations

import random
import re

from hotline.services.repeats import normalise_content
from hotline.synth import names
from hotline.synth.weighted import between, pick

# Every character these texts are made of: CJK ideographs, ASCII, and a few full-width
# punctuation marks. For such a text, ``repeats.normalise_content`` (NFKC, lower case, then
# whitespace, punctuation and ``_`` dropped) only drops the punctuation and lowers ASCII
# letters: NFKC leaves ideographs and ASCII as they are and turns the full-width marks into
# punctuation, which is dropped either way. ``normalised`` does just that, without NFKC's
# decomposition of the whole text; any other text goes through ``normalise_content``.
_WRITTEN = re.compile(r"[\u4e00-\u9fff\x20-\x7e“”。！（），？]*")
_DROPPED = str.maketrans(
    {c: None for c in "“”。！（），？_" + "".join(map(chr, range(0x20, 0x7F))) if not c.isalnum()}
)

DURATIONS = ("两天", "三天", "一周", "十多天", "半个月", "一个多月", "好几个月", "大半年")
WHO = ("物业", "物业公司", "社区", "商家", "施工单位", "房东", "相关部门", "管理方")
WHEN = ("昨天晚上", "今天早上", "前天", "上周五", "这两天", "三天前")

# Specific complaints for common leaves; {b} is a building, {d} a duration.
PROBLEMS = {
    "电梯维修": ("小区{b}电梯已经停运{d}，物业一直不修", "{b}电梯经常困人，存在安全隐患"),
    "物业服务质量": ("物业公司服务很差，楼道卫生长期没人打扫", "小区门禁坏了{d}，物业不管"),
    "物业收费": ("物业公司擅自上涨物业费", "物业乱收停车费，不给开票"),
    "供暖温度不达标": ("家里暖气温度只有十五六度，屋里很冷", "{b}暖气不热已经{d}"),
    "暖气漏水": ("{b}暖气管道漏水，楼下已经被淹",),
    "停水": ("{b}从{w}开始停水，没有任何通知", "小区停水{d}，也没人解释原因"),
    "水压低": ("高层水压太低，晚上基本用不上水",),
    "水质": ("自来水发黄有异味", "水龙头放出的水有很多杂质"),
    "停电": ("{b}从{w}开始停电，冰箱里的东西都坏了", "小区频繁停电"),
    "电压不稳": ("家里电压不稳，电器经常跳闸",),
    "燃气泄漏": ("楼道里燃气味很大，怀疑燃气泄漏",),
    "停气": ("{b}停气{d}了，没法做饭",),
    "夜间施工噪音": ("附近工地每天夜里施工到凌晨，噪音很大", "工地夜间施工扰民，孩子没法睡觉"),
    "渣土运输": ("渣土车夜间运输遗撒严重，路面全是泥",),
    "施工扬尘": ("工地没有覆盖防尘网，扬尘很大",),
    "违章停车": ("小区门口长期有车辆违章停放，堵塞通道",),
    "占用消防通道停车": ("消防通道被私家车长期占用",),
    "私搭乱建": ("{b}一楼住户私搭乱建，占用公共绿地", "楼顶有人违规加盖房屋"),
    "小区违建": ("小区内有人违建车棚",),
    "拖欠工资": ("公司拖欠{m}个月工资一直不发", "工地包工头拖欠农民工工资"),
    "预付卡退费": ("健身房突然关门，预付卡无法退费", "理发店办的会员卡不给退钱"),
    "退换货纠纷": ("买的商品有质量问题，商家拒绝退换",),
    "商业噪音": ("楼下饭店排风机噪音很大，晚上也不停",),
    "邻里噪音": ("楼上住户夜间经常有很大噪音",),
    "广场舞噪音": ("小区广场舞音响声音太大，每天晚上到九点多",),
    "垃圾清运不及时": ("小区垃圾桶满了{d}没人清运，味道很大",),
    "占道经营": ("路边有商贩长期占道经营，行人只能走机动车道",),
    "道路积雪": ("路面积雪没有及时清扫，行人容易滑倒",),
    "信号灯故障": ("路口信号灯不亮，交通很乱",),
    "积水点": ("雨后路面严重积水，车辆无法通行",),
    "群租房": ("{b}有群租房，住了十几个人，存在安全隐患",),
    "租金押金纠纷": ("退租时房东不退押金",),
    "出租车拒载": ("在路边打车被出租车拒载",),
    "网约车纠纷": ("网约车司机绕路多收费，平台不处理",),
    "公交线路调整": ("公交线路调整后附近没有站点，老人出行不便",),
    "地铁拥挤": ("早高峰地铁过于拥挤，存在安全隐患",),
    "商品质量问题": ("网购的商品质量有问题，平台客服不处理",),
    "餐饮卫生": ("小区附近饭馆卫生条件很差，后厨有老鼠",),
    "盗窃": ("小区内电动车经常被盗",),
    "健身器材损坏": ("小区健身器材损坏{d}，有安全隐患",),
}
QUESTIONS = (
    "请问需要到哪里办理？",
    "具体政策是怎样规定的？",
    "需要准备哪些材料？",
    "办理时限是多长时间？",
    "有没有网上办理的渠道？",
)
SUGGESTIONS = (
    "希望加强日常巡查。",
    "建议在周边增设相关设施。",
    "希望出台更细致的管理办法。",
    "建议加大宣传力度，让居民知晓。",
)
PRAISES = (
    "处理问题认真负责，很快就解决了",
    "工作人员态度很好，多次上门了解情况",
    "帮助我们解决了困扰多年的问题",
)


def _problem(rng: random.Random, leaf: str, level2: str) -> str:
    options = PROBLEMS.get(leaf)
    if options:
        text = pick(rng, options)
    else:
        text = pick(
            rng,
            (
                "{l}方面的问题{d}了一直没有解决",
                "遇到{l}的问题，找了{who}也没有结果",
                "存在{l}问题，影响居民正常生活",
                "{l2}方面有{l}的问题",
            ),
        )
    return text.format(
        b=f"{between(rng, 1, 30)}号楼",
        d=pick(rng, DURATIONS),
        w=pick(rng, WHEN),
        m=between(rng, 2, 7),
        l=leaf,
        l2=level2,
        who=pick(rng, WHO),
    )


def content(
    rng: random.Random,
    kind: str,
    leaf: str,
    level2: str,
    district: str,
    street: str,
    community: str | None,
) -> str:
    """The request as an agent records it."""
    place = community or street
    if kind == "consultation":
        text = pick(
            rng,
            (
                f"咨询{leaf}相关政策，{pick(rng, QUESTIONS)}",
                f"想了解{leaf}的办理流程，{pick(rng, QUESTIONS)}",
                f"来电人住在{district}{street}，咨询{leaf}问题，{pick(rng, QUESTIONS)}",
            ),
        )
    elif kind == "suggestion":
        text = f"建议有关部门重视{place}一带的{leaf}问题，{pick(rng, SUGGESTIONS)}"
    elif kind == "tip_off":
        where = f"{district}{street}{community or ''}"
        text = f"举报{where}{_problem(rng, leaf, level2)}，请相关部门依法查处。"
    elif kind == "praise":
        text = f"表扬{street}的工作人员，{pick(rng, PRAISES)}，特此致谢。"
    elif kind == "help":
        text = pick(
            rng,
            (
                f"我家住在{place}，{_problem(rng, leaf, level2)}，家里有老人，希望尽快帮忙解决。",
                f"来电人称{district}{place}{_problem(rng, leaf, level2)}，请求帮助协调。",
            ),
        )
    else:
        who = pick(rng, WHO)
        text = pick(
            rng,
            (
                f"我是{place}居民，{_problem(rng, leaf, level2)}，{who}一直不管，请尽快处理。",
                f"反映{district}{street}{_problem(rng, leaf, level2)}，"
                f"已向{who}反映多次，至今没有解决。",
                f"{place}{_problem(rng, leaf, level2)}，严重影响居民生活，要求有关部门尽快解决。",
            ),
        )
    roll = rng.random()
    if roll < 0.04:
        text += pick(rng, ("联系电话", "我的手机号是", "有问题请打")) + names.mobile(rng) + "。"
    elif roll < 0.045:
        text += "我的身份证号是" + names.id_number(rng) + "。"
    return text


def answer_reply(rng: random.Random, leaf: str) -> str:
    return pick(
        rng,
        (
            f"已向来电人解释{leaf}相关政策，来电人表示理解。",
            f"已告知来电人{leaf}的办理流程及所需材料。",
            f"经查询政策知识库，已就{leaf}问题为来电人解答。",
            "已告知来电人可通过“北京通”或政务服务网在线办理。",
        ),
    )


def dispatch_note(rng: random.Random) -> str | None:
    return pick(rng, (None, None, "请尽快联系诉求人核实处理。", "请按时限办结并反馈。"))


def contact_note(rng: random.Random) -> str | None:
    return pick(
        rng, (None, "已电话联系诉求人，了解具体情况。", "已与诉求人取得联系，约定上门查看。")
    )


def progress_note(rng: random.Random) -> str:
    return pick(
        rng,
        (
            "已安排工作人员到现场核实情况。",
            "已与相关责任单位沟通，正在制定处理方案。",
            "已联系责任单位，督促尽快处理。",
            "工作人员正在现场处置。",
            "已约谈相关负责人，要求限期整改。",
        ),
    )


def internal_note(rng: random.Random) -> str:
    surname = names.person_name(rng)[0]
    title = pick(rng, ("先生", "女士"))
    return f"已电话联系诉求人{surname}{title}（{names.mobile(rng)}），约定上门时间。"


def return_reason(rng: random.Random, other: str) -> str:
    return pick(
        rng,
        (
            f"该诉求不属于本单位职责范围，建议转{other}办理。",
            "诉求地点不在本辖区，请重新派单。",
            f"经核实，该事项由{other}负责。",
        ),
    )


def dispute_reason(rng: random.Random) -> str:
    return pick(
        rng, ("该事项不属于本单位职责，派单有误。", "诉求涉及产权单位，不属于本单位管辖范围。")
    )


def dispute_rejection(rng: random.Random) -> str:
    return "经核实，该诉求属于贵单位职责范围，请予以办理。"


def extension_reason(rng: random.Random) -> str:
    return pick(
        rng,
        (
            "涉及多个部门协调，需要更长时间处理。",
            "需等待施工队进场维修，申请延期。",
            "天气原因暂时无法施工，申请延期办理。",
            "需要产权单位出具意见，申请延期。",
        ),
    )


def extension_decision(rng: random.Random, approve: bool) -> str | None:
    if approve:
        return pick(rng, (None, "同意延期，请在新期限内办结。"))
    return "延期理由不充分，请按原期限办结。"


def whistle_note(rng: random.Random) -> str:
    return pick(
        rng,
        ("涉及多部门职责，吹哨召集相关部门现场会商。", "问题需要执法部门配合，请相关部门报到。"),
    )


def escalate_reason(rng: random.Random) -> str:
    return pick(rng, ("问题涉及跨部门协调，申请提级统筹。", "历史遗留问题，需上级统筹解决。"))


def completion_reply(rng: random.Random, kind: str, unit: str, solved: bool) -> str:
    unit = unit.removeprefix("北京市")
    if kind == "consultation":
        return f"{unit}已联系诉求人，就所咨询问题进行了详细解答。"
    if kind == "praise":
        return f"{unit}已将诉求人的表扬转达相关工作人员。"
    if kind == "tip_off":
        return f"{unit}已对被举报情况进行检查，并依法依规作出处理。"
    if solved:
        return pick(
            rng,
            (
                f"经{unit}核实，已安排工作人员到现场处理，问题已解决。",
                f"{unit}已协调相关单位完成维修，并向诉求人反馈。",
                f"{unit}已督促责任主体整改完毕，诉求人表示认可。",
            ),
        )
    return pick(
        rng,
        (
            f"{unit}已向诉求人解释相关情况，问题涉及历史遗留原因，将持续跟进。",
            f"{unit}已约谈责任主体，要求其限期整改。",
        ),
    )


def follow_up_note(rng: random.Random, satisfaction: str) -> str | None:
    if rng.random() < 0.3:
        return None
    return {
        "satisfied": "诉求人对办理结果表示满意。",
        "basically": "诉求人表示问题基本解决。",
        "dissatisfied": "诉求人对办理结果不满意。",
    }[satisfaction]


def rating_comment(rng: random.Random, satisfaction: str) -> str | None:
    if rng.random() < 0.5:
        return None
    return pick(
        rng,
        {
            "satisfied": ("处理很及时，谢谢！", "工作人员态度很好。", "问题解决了，点赞。"),
            "basically": ("问题基本解决了，希望以后注意。", "处理得还行，就是慢了点。"),
            "dissatisfied": ("问题还是没有解决。", "一直拖着没人管。", "只打了电话，没人来处理。"),
        }[satisfaction],
    )


def normalised(text: str) -> str:
    """``repeats.normalise_content(text)``, faster for the texts written here."""
    if _WRITTEN.fullmatch(text):
        return text.translate(_DROPPED).lower()
    return normalise_content(text)
