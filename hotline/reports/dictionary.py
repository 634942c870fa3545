"""The data dictionary: every column a report table can have, and the value conventions.

Each table in a snapshot carries its columns' definitions from here, so that the JSON
download explains itself and the CSV header uses the same Chinese labels as the page.
"""

from __future__ import annotations

from hotline.reports.suppression import HIDDEN, SMALL

# Markers a cell may hold instead of a number, each saying why there is no number.
NO_DATA = "无数据"  # the comparison period has no data (never shown as 0)
TOO_FEW = "样本不足"  # too few rated orders to rank
NEW = "新增"  # a hotspot whose baseline weeks had no request at all

# key: (label, type, description)
COLUMNS: dict[str, tuple[str, str, str]] = {
    "indicator": ("指标", "text", "指标名称"),
    "value": ("数值", "number", "指标数值，单位见“单位”列"),
    "unit": ("单位", "text", "数值的单位"),
    "current": ("本期", "number", "本报告期的数值"),
    "previous": ("对比期", "number", "对比期（同比为上年同期，环比为上月同期）的数值"),
    "change": ("变化", "number", "本期相对对比期的变化，单位见“变化单位”列"),
    "change_unit": ("变化单位", "text", "“%”为增减幅度，“个百分点”为比率之差"),
    "month": ("月份", "month", "北京时间的自然月，格式 YYYY-MM"),
    "date": ("日期", "date", "北京时间的自然日，格式 YYYY-MM-DD"),
    "received": ("受理量（件）", "count", "报告期内受理的诉求件数，重复诉求合并后计一件"),
    "answered": ("直接解答（件）", "count", "由热线直接解答办结、未派单的诉求件数"),
    "dispatched": ("派单量（件）", "count", "派至承办单位办理的诉求件数（不含诉求人撤回的）"),
    "urged": (
        "催办（次）",
        "count",
        "诉求人催办的次数，计入工单受理的月份和工单当前的主办单位；街道乡镇的1至9次显示为“<10”",
    ),
    "withdrawn": ("撤回（件）", "count", "诉求人在承办单位签收前撤回的诉求件数，只计入受理量"),
    "share": ("占比（%）", "percent", "占本表合计的百分比，保留一位小数"),
    "previous_received": (
        "对比期受理量（件）",
        "count",
        "对比期内的受理量；对比期没有数据时为“无数据”（不是0）",
    ),
    "change_pct": (
        "增减幅度（%）",
        "percent",
        "(本期 − 对比期) ÷ 对比期 × 100；对比期为0或无数据时为空（“—”）",
    ),
    "rank": ("排名", "rank", "按数量或综合得分由高到低的名次，并列时名次相同"),
    "code": ("编码", "text", "分类或区划编码"),
    "district_code": ("区划代码", "code", "区的行政区划代码（6位）"),
    "street_code": ("街乡镇代码", "code", "街道乡镇的区划代码（9位）；空为未明确街道"),
    "channel": ("渠道", "text", "诉求来源渠道"),
    "kind": ("诉求类型", "text", "咨询、建议、举报、投诉、求助、表扬"),
    "category": ("分类", "text", "诉求分类名称"),
    "level1": ("一级分类", "text", "所属一级分类"),
    "district": ("区", "text", "诉求发生地所在区"),
    "street": (
        "街道（乡镇）",
        "text",
        "诉求发生地所在街道乡镇；“（未明确街道）”为未填写街道的诉求",
    ),
    "unit_kind": ("承办单位类型", "text", "主办单位的类型"),
    "response_rate": ("响应率（%）", "percent", "按时联系诉求人的派单件数 ÷ 派单件数 × 100"),
    "resolution_rate": ("解决率（%）", "percent", "已评价办理轮次的解决得分平均值 × 100"),
    "satisfaction_rate": ("满意率（%）", "percent", "已评价办理轮次的满意得分平均值 × 100"),
    "composite": ("综合得分", "score", "响应率、解决率、满意率的加权和（0–100），保留两位小数"),
    "on_time_rate": (
        "按期办结率（%）",
        "percent",
        "在办理时限内办结的派单件数 ÷ 已办结派单件数 × 100",
    ),
    "overdue": ("超期件数", "count", "办结晚于时限，或截至统计时点仍未办结且已过时限的派单件数"),
    "previous_rank": ("上月排名", "rank", "上月的名次；上月未参与排名时为空"),
    "class": ("类别", "text", "先进类、进步类、整改类、治理类；未列入任何类别时为空"),
    "remark": ("说明", "text", "“样本不足”：当月评价件数不足排名所需的最低件数，不参与排名"),
    "insufficient": (
        "样本不足街乡镇数",
        "count",
        "当月有综合得分但评价件数不足、未参与排名的街道乡镇数",
    ),
    "ranked": ("参与排名街乡镇数", "count", "当月参与排名（评价件数达到最低要求）的街道乡镇数"),
    "advanced": ("先进类", "count", "当月先进类街道乡镇数"),
    "improving": ("进步类", "count", "当月进步类街道乡镇数"),
    "rectify": ("整改类", "count", "当月整改类街道乡镇数"),
    "governance": ("治理类", "count", "当月治理类街道乡镇数"),
    "governance_months": ("列入治理类月数", "count", "报告期内被列为治理类的月份数"),
    "months": ("月份", "text", "被列为治理类的月份"),
    "title": ("题目", "text", "“每月一题”的题目"),
    "lead_department": ("牵头部门", "text", "牵头主责的市级部门"),
    "status": ("进展", "text", "未启动、推进中、已完成、持续治理"),
    "summary": ("进展说明", "text", "发布人填写的进展说明"),
    "week": ("周", "text", "ISO 周（周一至周日，北京时间），格式 YYYY-Www"),
    "baseline_total": (
        "基线合计（件）",
        "count",
        "本周之前各基线周的受理量合计；1至9件显示为“<10”",
    ),
    "baseline_weeks": ("基线周数", "count", "参与比较的此前周数（通常为8周）"),
    "baseline_mean": ("基线周均（件）", "number", "基线各周的平均受理量；基线合计不足10件时不显示"),
    "ratio": (
        "增长倍数",
        "text",
        "本周受理量 ÷ 基线周均；“新增”为基线各周均为0；“≥x”为基线合计不足10件时的下限",
    ),
    "p_value": ("p 值", "pvalue", "单侧条件精确检验（二项分布）的 p 值"),
    "q_value": ("q 值", "pvalue", "Benjamini–Hochberg 校正后的 p 值（错误发现率）"),
    "edition": ("来源版本", "text", "该行数字所出自的已发布报告版本"),
    "sha256": ("版本摘要", "digest", "来源版本数据的 SHA-256"),
}

CONVENTIONS = {
    "encoding": "JSON 为 UTF-8；CSV 为带 BOM 的 UTF-8，可直接用 Excel 打开",
    "time_zone": "所有日期和月份均为北京时间（UTC+8）",
    "null": "空值（JSON 为 null，页面为“—”）：不予计算（评价或派单不足规定件数，或对比期为0）",
    NO_DATA: "对比期没有数据（数据尚未开始或不完整），不是0",
    TOO_FEW: "当月评价件数不足排名所需的最低件数，不参与排名（与隐私保护无关）",
    SMALL: "区级以下（街道乡镇、社区、单位）1至9件的数量显示为“<10”",
    HIDDEN: "为防止通过合计相减推算出“<10”的数值而一并隐藏的数量（不少于10件）",
    "sha256": "版本的 SHA-256 是对本 JSON 文件全部字节计算的摘要，可用于核验数据未被改动",
}


def columns(*keys: str) -> list[dict]:
    return [
        {"key": k, "label": COLUMNS[k][0], "type": COLUMNS[k][1], "description": COLUMNS[k][2]}
        for k in keys
    ]


def table(title: str, keys: tuple[str, ...], rows: list[dict], note: str | None = None) -> dict:
    return {
        "title": title,
        "columns": columns(*keys),
        "rows": [{k: row.get(k) for k in keys} for row in rows],
        "note": note,
    }
