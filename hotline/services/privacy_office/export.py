"""The access-log export: the entries matching a search as CSV, written as an access-log
entry itself (who exported what) in the same transaction."""

from __future__ import annotations

import csv
import io

from hotline.extensions import db
from hotline.services.actors import Actor
from hotline.services.privacy_office.search import LogFilter, field_labels, shown_time, statement
from privacy import accesslog
from privacy.roles import role_label
from privacy.runtime import runtime

ACTION_LABELS = {"reveal": "查看明文", "erase": "到期删除", "export": "导出日志"}
HEADER = ("序号", "时间", "操作", "操作人", "角色", "单位", "工单编号", "字段", "用途")
# Text starting with these is a formula to a spreadsheet; such cells get a leading "'".
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA) else text


def export_csv(flt: LogFilter, officer: Actor) -> bytes:
    """The matching entries as UTF-8 CSV with a BOM (Excel reads the Chinese), after
    logging the export."""
    ctx = accesslog.AccessContext.for_staff(
        officer.user_id, officer.role, officer.unit_id, purpose=f"导出访问日志：{flt.describe()}"
    ).with_request()
    entries = list(db.session.scalars(statement(flt)))
    accesslog.append_entry(
        db.session, runtime().ring, ctx, action="export", records=[], fields=[], value_hashes={}
    )
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for e in entries:
        writer.writerow(
            [
                e.seq,
                shown_time(e.occurred_at),
                ACTION_LABELS.get(e.action, e.action),
                _cell(e.actor),
                role_label(e.role),
                e.unit_id or "",
                _cell(e.order_no or ""),
                _cell(field_labels(e.fields)),
                _cell(e.purpose or ""),
            ]
        )
    return out.getvalue().encode("utf-8")
