"""The data dictionary: every column a report table can have, and the value conventions.

Each table in a snapshot carries its columns' definitions from here, so that the JSON
download explains itself and the CSV header uses the same Chinese labels as the page.
"""

from __future__ import annotations

from hotline.reports.suppression import HIDDEN, SMALL

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
    "dispatched": ("派单量（件）", "count", "派至承办单位办理的诉求件数"),
    "share": ("占比（%）", "percent", "占本表合计的百分比，保留一位小数"),
    "previous_received": ("对比期受理量（件）", "count", "对比期内的受理量"),
    "change_pct": ("增减幅度（%）", "percent", "(本期 − 对比期) ÷ 对比期 × 100；对比期为0时为空"),
    "rank": ("排名", "rank", "按数量或综合得分由高到低的名次，并列时名次相同"),
    "code": ("编码", "text", "分类或区划编码"),
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
    "ranked": ("参与排名街乡镇数", "count", "当月综合得分可计算的街道乡镇数"),
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
}

CONVENTIONS = {
    "encoding": "JSON 为 UTF-8；CSV 为带 BOM 的 UTF-8，可直接用 Excel 打开",
    "time_zone": "所有日期和月份均为北京时间（UTC+8）",
    "null": "空值（JSON 为 null，页面为“—”）：不予显示（评价或派单不足规定件数）或无可比数据",
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
