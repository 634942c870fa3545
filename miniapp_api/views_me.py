"""Citizen API: my data — who read it, a download of all of it, asking to erase it."""

from __future__ import annotations

from flask import g, jsonify, request

from hotline.schemas import json_body
from hotline.services.citizen import my_data
from hotline.services.privacy_office import erasure
from hotline.web.auth import citizen_required
from hotline.web.pipeline import writes
from miniapp_api import bp
from miniapp_api import schemas as s
from miniapp_api.limits import limit
from miniapp_api.openapi import doc
from privacy.orm import utcnow

MINE = "我的数据"


@bp.get("/me/reads")
@doc(
    "谁查看了我的信息",
    tag=MINE,
    query=s.ReadsIn,
    out=s.ReadPageOut,
    auth=True,
    errors={422: "page 或 per_page 超出范围（per_page 为 1 到 100）"},
    description="本人工单的个人信息每一次被查看明文的记录，取自不可悄悄修改的哈希链访问日志："
    "时间、查看人所在单位和角色（姓名脱敏、工号）、查看的信息项和说明的用途，最新的在前；"
    "本人下载数据也在其中。",
)
@limit("mydata_client")
@limit("mydata_phone")
@citizen_required
def my_reads():
    data = s.load(s.ReadsIn, request.args.to_dict())
    items, total = my_data.reads(g.citizen.phone_bidx, data["page"], data["per_page"])
    page = {"items": items, "page": data["page"], "per_page": data["per_page"], "total": total}
    return jsonify(s.dump(s.ReadPageOut, page))


@bp.get("/me/export")
@doc(
    "下载我的数据",
    tag=MINE,
    auth=True,
    description="以本手机号保存的全部个人信息，一个 JSON 文件：工单及其个人信息明文、办理过程、"
    "本人填写的内容、评价、照片链接、删除申请和查看记录。本次读取记入访问日志（本人查阅）。",
)
@writes  # the plaintext read writes its access-log entries in the same transaction
@limit("export_client")
@limit("export_phone")
@citizen_required
def export():
    response = jsonify(my_data.export(g.citizen.phone_bidx))
    day = utcnow().astimezone(my_data.SHANGHAI).strftime("%Y%m%d")
    response.headers["Content-Disposition"] = f'attachment; filename="my-data-{day}.json"'
    return response


@bp.post("/me/erasure-requests")
@doc(
    "申请删除个人信息",
    tag=MINE,
    status=201,
    body=s.ErasureIn,
    out=s.ErasureOut,
    auth=True,
    errors={
        409: "已有待处理的删除申请（erasure_pending），或没有已结束的工单（nothing_to_erase）",
        422: "所列工单不是本人已结束的工单、个人信息已删除，或编号格式不正确",
    },
    description="申请删除本人已结束工单（已归档、已直接解答、已撤回，或办结后评价期已过）的个人"
    "信息，可指定工单编号，不填为全部。由隐私保护专员审核：同意后删除姓名、电话、身份证号、"
    "地址、诉求内容、补充说明、评价内容和照片，统计数据不受影响；依法须保存的可不予删除，"
    "并说明理由和保存期限。同一时间只能有一份待处理的申请（409）。",
)
@limit("erasure_client")
@limit("erasure_phone")
@citizen_required
def ask_erasure():
    data = s.load(s.ErasureIn, json_body())
    req = erasure.request_erasure(g.citizen.phone_bidx, data.get("order_nos"))
    return jsonify(s.dump(s.ErasureOut, erasure.view(req))), 201


@bp.get("/me/erasure-requests")
@doc("我的删除申请", tag=MINE, out=s.ErasureListOut, auth=True, description="最新的在前。")
@limit("mydata_client")
@limit("mydata_phone")
@citizen_required
def my_erasure_requests():
    items = [erasure.view(r) for r in erasure.requests_of(g.citizen.phone_bidx)]
    return jsonify(s.dump(s.ErasureListOut, {"items": items}))
