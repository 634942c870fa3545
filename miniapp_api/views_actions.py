"""Citizen API: photos, 催办, 补充说明 and 撤回 on the caller's own orders.

A photo is uploaded on its own (``POST /photos``, multipart, one photo per request) and then
named by id in the request it belongs to (``POST /orders``, ``…/information``). Each view
parses with a schema, calls one service and dumps with a schema; limits per phone and per
address sit next to it.
"""

from __future__ import annotations

import re
from itertools import chain

from flask import Response, g, jsonify, request

from hotline.errors import ApiError, Invalid, NotFound
from hotline.media.images import MAX_PHOTO_BYTES
from hotline.schemas import json_body
from hotline.services.citizen import actions, photos
from hotline.web.auth import citizen_required
from hotline.web.input import accepts_body
from miniapp_api import bp, detail_cache
from miniapp_api import schemas as s
from miniapp_api.limits import limit
from miniapp_api.openapi import doc

PHOTOS, ACTIONS = "照片", "催办、补充与撤回"
# One photo (10 MB) and the multipart framing around it.
UPLOAD_BODY_BYTES = MAX_PHOTO_BYTES + 64 * 1024
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class NotMultipart(ApiError):
    status, code = 415, "unsupported_media_type"


def _detail(order, status: int = 201):
    return jsonify(detail_cache.render(order)[0]), status


def _photo_id(photo_id: str) -> str:
    if not _UUID.fullmatch(photo_id):
        raise NotFound(photos.PHOTO_NOT_FOUND, code="photo_not_found")
    return photo_id


def _upload() -> bytes:
    if request.mimetype != "multipart/form-data":
        raise NotMultipart("请以 multipart/form-data 格式上传照片（字段名 photo）")
    files = request.files.getlist("photo")
    try:
        if len(files) > 1:
            raise Invalid("每次只能上传一张照片", details={"field": "photo"})
        given = {**request.form.to_dict(), **({"photo": files[0]} if files else {})}
        return s.load(s.PhotoUploadIn, given)["photo"].read()
    finally:  # a large part is spooled to a temporary file: close them all now
        for part in chain.from_iterable(request.files.listvalues()):
            part.close()


# -- photos -------------------------------------------------------------------------------
@bp.post("/photos")
@doc(
    "上传照片",
    tag=PHOTOS,
    status=201,
    body=s.PhotoUploadIn,
    body_type="multipart/form-data",
    out=s.PhotoUploadOut,
    auth=True,
    errors={
        400: "multipart 请求格式不正确",
        409: "已上传但未提交的照片已达上限（too_many_uploads），请先提交或删除",
        413: "照片超过 10 MB（image_too_large），或请求体超过 10 MB 加 64 KB",
        415: "不是 JPEG、PNG 或 HEIC 照片（image_unsupported_type，按文件内容识别），"
        "或请求不是 multipart/form-data",
        422: "照片为空、损坏或不完整、末尾附带其他数据、像素超过 5000 万，"
        "或缺少 photo 字段、一次上传了多张",
        503: "照片处理繁忙（photo_busy），请按 Retry-After 稍后再试",
    },
    description="multipart/form-data，字段名 photo，每次一张：JPEG、PNG 或 HEIC（按文件内容识别，"
    "不看文件名），最大 10 MB（超出返回 413），最多 5000 万像素。照片经检查后重新编码保存，"
    "GPS 位置、拍摄设备等全部元数据都被去除，并生成缩略图。返回的 photo_id 在提交诉求"
    "（POST /orders）或补充说明时引用，24 小时内未使用的照片将被删除；未使用的照片最多 12 张"
    "（409）。损坏、截断、夹带其他数据的文件返回 422；服务器繁忙时返回 503 与 Retry-After。",
)
@accepts_body(UPLOAD_BODY_BYTES)
@limit("photo_client")
@limit("photo_phone")
@citizen_required
def upload_photo():
    att = photos.stage_for_citizen(g.citizen.phone_bidx, _upload())
    return jsonify(s.dump(s.PhotoUploadOut, photos.staged(att))), 201


@bp.delete("/photos/<photo_id>")
@doc(
    "删除未提交的照片",
    tag=PHOTOS,
    status=204,
    auth=True,
    errors={404: "照片不存在、已提交、已过期，或不是本人上传的（photo_not_found）"},
    description="只能删除尚未随诉求或补充说明提交的照片。",
)
@limit("act_client")
@limit("act_phone")
@citizen_required
def discard_photo(photo_id: str):
    photos.discard_staged(g.citizen.phone_bidx, _photo_id(photo_id))
    return "", 204


@bp.get("/orders/<order_no>/photos/<photo_id>")
@doc(
    "查看工单照片",
    tag=PHOTOS,
    query=s.PhotoQueryIn,
    content_type="image/jpeg",
    also_types=("image/png",),
    auth=True,
    errors={
        404: "工单不存在或不属于当前手机号（order_not_found），或该工单没有这张照片"
        "（photo_not_found）",
        422: "variant 只能是 full 或 thumb",
    },
    description="本人工单的照片（本人上传的和承办单位上传的办理照片），按保存的格式返回；"
    "variant=thumb 为缩略图。不属于本人的工单返回 404。",
)
@limit("photo_read_client")
@limit("photo_read_phone")
@citizen_required
def order_photo(order_no: str, photo_id: str):
    variant = s.load(s.PhotoQueryIn, request.args.to_dict())["variant"]
    served = photos.for_owner(g.citizen.phone_bidx, order_no, _photo_id(photo_id), variant)
    extension = "png" if served.mime == "image/png" else "jpg"
    return Response(
        served.data,
        mimetype=served.mime,
        headers={"Content-Disposition": f'inline; filename="{photo_id}.{extension}"'},
    )


# -- 催办, 补充说明, 撤回 -----------------------------------------------------------------------
@bp.post("/orders/<order_no>/urge")
@doc(
    "催办",
    tag=ACTIONS,
    status=201,
    out=s.OrderDetailOut,
    auth=True,
    errors={
        404: "工单不存在，或不属于当前手机号（order_not_found，两种情况答复相同）",
        409: "工单已结束（illegal_step）、办理时限尚未过半（urge_too_early）或 24 小时内已催办"
        "（urge_too_soon）；details.allowed_from 为可以催办的时间",
    },
    description="办理时限过半或已超期的办理中工单可以催办，同一工单 24 小时内只能催办一次"
    "（409，details.allowed_from 给出可再次催办的时间）。催办记入办理过程，承办单位的待办"
    "列表中标出。",
)
@limit("act_client")
@limit("act_phone")
@citizen_required
def urge(order_no: str):
    return _detail(actions.urge(g.citizen.phone_bidx, order_no))


@bp.post("/orders/<order_no>/information")
@doc(
    "补充说明",
    tag=ACTIONS,
    status=201,
    body=s.InformationIn,
    out=s.OrderDetailOut,
    auth=True,
    errors={
        404: "工单不存在，或不属于当前手机号（order_not_found，两种情况答复相同）",
        409: "工单已结束，不能补充（illegal_step）",
        422: "既没有补充说明也没有照片、说明超过 1000 字、照片编号无效或已过期、"
        "照片超过每次 6 张或每个工单 24 张",
    },
    description="办理中的工单可补充文字说明和/或照片（先上传照片，再在 photo_ids 中引用，"
    "每次最多 6 张，每个工单共 24 张）。补充内容记入办理过程，承办单位可见，显示时去除"
    "电话、身份证号等个人信息。",
)
@limit("act_client")
@limit("act_phone")
@citizen_required
def add_information(order_no: str):
    data = s.load(s.InformationIn, json_body())
    order = actions.add_information(
        g.citizen.phone_bidx, order_no, data.get("text"), data["photo_ids"]
    )
    return _detail(order)


@bp.post("/orders/<order_no>/withdraw")
@doc(
    "撤回诉求",
    tag=ACTIONS,
    status=201,
    body=s.WithdrawIn,
    out=s.OrderDetailOut,
    auth=True,
    errors={
        404: "工单不存在，或不属于当前手机号（order_not_found，两种情况答复相同）",
        409: "承办单位已签收（already_accepted）、工单已结束或正在重新办理，不能撤回",
        422: "未填写撤回原因，或超过 200 字",
    },
    description="尚无承办单位签收的诉求可以撤回，须说明原因；撤回后工单结束（已撤回），"
    "计入受理量，不计入响应率、解决率、满意率。",
)
@limit("act_client")
@limit("act_phone")
@citizen_required
def withdraw(order_no: str):
    data = s.load(s.WithdrawIn, json_body())
    return _detail(actions.withdraw(g.citizen.phone_bidx, order_no, data["reason"]))
