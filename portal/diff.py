"""What changed between two published editions of a period: every cell, table by table.

Rows are matched by their codes where the tables have them (district, street, category,
month or date), else by their label columns; a row only one edition has is listed as added
or removed. Key figures and rules are compared too, so that a correction's erratum can be
read beside exactly what it changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KEY_GROUPS = (
    ("district_code", "street_code", "code", "month", "date", "week"),
    ("indicator",),
    ("channel",),
    ("kind",),
    ("unit_kind",),
    ("district", "street", "category", "month", "title"),
)
REPORT_FIELDS = {
    "title": "标题",
    "start": "数据起始日",
    "end": "数据截止日",
    "days": "天数",
    "complete": "报告期已结束",
    "as_of": "统计时点",
}


@dataclass
class TableDiff:
    id: str
    title: str
    changes: list[dict] = field(default_factory=list)  # row, column, old, new, type
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.changes or self.added or self.removed)


def _key_columns(old: dict, new: dict) -> list[str]:
    have = {c["key"] for c in old["columns"]} & {c["key"] for c in new["columns"]}
    for group in KEY_GROUPS:
        keys = [k for k in group if k in have]
        if keys:
            return keys
    return []


def _keyed(table: dict, keys: list[str]) -> dict[tuple, dict]:
    out: dict[tuple, dict] = {}
    for i, row in enumerate(table["rows"]):
        key = tuple(row.get(k) for k in keys) if keys else (i,)
        n = 0
        while (key + (n,)) in out:
            n += 1
        out[key + (n,)] = row
    return out


def _label(row: dict, columns: list[dict]) -> str:
    parts = [
        str(row[c["key"]])
        for c in columns
        if c["type"] in ("text", "month", "date") and row.get(c["key"]) not in (None, "")
    ]
    return " · ".join(parts[:3]) or "（行）"


def diff_tables(old_id: str, old: dict, new: dict) -> TableDiff:
    out = TableDiff(old_id, new["title"])
    keys = _key_columns(old, new)
    before, after = _keyed(old, keys), _keyed(new, keys)
    columns = {c["key"]: c for c in old["columns"]}
    columns.update({c["key"]: c for c in new["columns"]})
    for key, row in after.items():
        if key not in before:
            out.added.append(_label(row, new["columns"]))
            continue
        prior = before[key]
        for col in new["columns"]:
            k = col["key"]
            if k in keys or prior.get(k) == row.get(k):
                continue
            out.changes.append(
                {
                    "row": _label(row, new["columns"]),
                    "column": col["label"],
                    "type": col["type"],
                    "old": prior.get(k),
                    "new": row.get(k),
                }
            )
    out.removed = [_label(row, old["columns"]) for key, row in before.items() if key not in after]
    return out


def diff(old: dict, new: dict) -> dict:
    report = [
        {"field": label, "old": old["report"].get(k), "new": new["report"].get(k)}
        for k, label in REPORT_FIELDS.items()
        if old["report"].get(k) != new["report"].get(k)
    ]
    rules = [
        {"field": k, "old": old["rules"].get(k), "new": new["rules"].get(k)}
        for k in sorted(set(old["rules"]) | set(new["rules"]))
        if old["rules"].get(k) != new["rules"].get(k)
    ]
    tables = []
    for tid in list(new["tables"]) + [t for t in old["tables"] if t not in new["tables"]]:
        if tid not in old["tables"]:
            tables.append(TableDiff(tid, new["tables"][tid]["title"], added=["（整表新增）"]))
        elif tid not in new["tables"]:
            tables.append(TableDiff(tid, old["tables"][tid]["title"], removed=["（整表删除）"]))
        else:
            tables.append(diff_tables(tid, old["tables"][tid], new["tables"][tid]))
    changed = [t for t in tables if not t.empty]
    return {
        "report": report,
        "rules": rules,
        "tables": changed,
        "unchanged": [t.title for t in tables if t.empty],
        "cells": sum(len(t.changes) for t in changed),
    }
