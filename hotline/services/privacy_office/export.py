"""The access-log export: the entries matching a search as CSV, written as an access-log
entry itself (who exported what) in the same transaction. People, units, fields and
actions carry the same names as on the console's pages."""

from __future__ import annotations

import csv
import io

from hotline.extensions import db
from hotline.services.actors import Actor
from hotline.services.privacy_office import people
from hotline.services.privacy_office.search import LogFilter, field_labels, shown_time, statement
from privacy import accesslog
from privacy.roles import role_label
from privacy.runtime import runtime

ACTION_LABELS = {
    "reveal": "查看明文",
    "erase": "删除个人信息",  # at the end of retention, or on the requester's request
    "export": "导出日志",
    "owner_read": "本人查阅",  # the requester downloading their own data
}
HEADER = (
    "序号",
    "时间（北京）",
    "操作",
    "操作人",
    "用户名",
    "操作人编号",
    "角色",
    "单位",
    "工单编号",
    "字段",
    "用途",
)
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
    names = people.names_of_entries(entries)
    for e in entries:
        person = names.person(e.actor)
        writer.writerow(
            [
                e.seq,
                shown_time(e.occurred_at),
                ACTION_LABELS.get(e.action, e.action),
                _cell(person.name),
                _cell(person.username or ""),
                _cell(e.actor),
                role_label(e.role),
                _cell(names.unit(e.unit_id)),
                _cell(e.order_no or ""),
                _cell(field_labels(e.fields)),
                _cell(e.purpose or ""),
            ]
        )
    return out.getvalue().encode("utf-8")
