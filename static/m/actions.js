/* 阳光办理 H5: photos (on a new request, on 补充说明, on the timeline), 催办, 补充说明, 撤回,
 * and the 我的数据 screen (who read my data, download it, ask to erase it).
 * Uses the helpers app.js exposes as window.YG; no inline script, server text inserted as
 * text. Photos are fetched with the token and shown as data: URLs (the CSP allows img-src
 * 'self' data:). */
(function () {
  "use strict";

  var YG = window.YG;
  if (!YG) return;
  var h = YG.h, api = YG.api, toast = YG.toast;
  var API = document.body.getAttribute("data-api") || "/api/v1";
  var MAX_PHOTOS = 6;
  var ACCEPT = "image/jpeg,image/png,image/heic,image/heif";

  function authHeaders() {
    return YG.token() ? { Authorization: "Bearer " + YG.token() } : {};
  }

  function failure(resp) {
    return resp.json().catch(function () { return {}; }).then(function (json) {
      var err = (json && json.error) || {};
      throw new Error(err.message || "网络异常，请稍后再试");
    });
  }

  // -- photos ------------------------------------------------------------------------------
  function asDataUrl(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = reject;
      reader.readAsDataURL(blob);
    });
  }

  function loadImage(url) {
    return fetch(url, { headers: authHeaders() }).then(function (resp) {
      if (!resp.ok) return failure(resp);
      return resp.blob().then(asDataUrl);
    });
  }

  function uploadPhoto(file) {
    var form = new FormData();
    form.append("photo", file);
    return fetch(API + "/photos", { method: "POST", headers: authHeaders(), body: form })
      .then(function (resp) { return resp.ok ? resp.json() : failure(resp); });
  }

  /* A picker that uploads each chosen photo at once (one per request) and hands its ids to
   * the form that submits them. */
  function photoPicker(prefix) {
    var items = [];
    var input = h("input", { type: "file", accept: ACCEPT, multiple: "multiple",
      id: prefix + "-photo-input", "class": "file" });
    var list = h("div", { "class": "photo-list", id: prefix + "-photos" });

    function add(file) {
      if (items.length >= MAX_PHOTOS) {
        toast("每次最多添加 " + MAX_PHOTOS + " 张照片", { near: list, error: true });
        return;
      }
      var item = { id: null };
      var img = h("img", { alt: "所选照片" });
      var state = h("small", { "class": "photo-state", text: "上传中…" });
      var remove = h("button", { type: "button", "class": "photo-x", text: "×", "aria-label": "移除照片" });
      var el = h("div", { "class": "photo pending" }, img, state, remove);
      asDataUrl(file).then(function (src) { img.src = src; }).catch(function () {});
      item.done = uploadPhoto(file).then(function (r) {
        item.id = r.photo_id;
        el.classList.remove("pending");
        el.setAttribute("data-photo", r.photo_id);
        state.textContent = "已上传（已去除位置等信息）";
      }).catch(function (e) {
        el.classList.add("failed");
        state.textContent = e.message;
      });
      remove.addEventListener("click", function () {
        items.splice(items.indexOf(item), 1);
        list.removeChild(el);
        if (item.id) api("DELETE", "/photos/" + item.id).catch(function () {});
      });
      items.push(item);
      list.appendChild(el);
    }

    input.addEventListener("change", function () {
      Array.prototype.slice.call(input.files).forEach(add);
      input.value = "";
    });
    return {
      node: h("div", { "class": "field" },
        h("span", { "class": "lbl", text: "照片（可选）" }),
        h("label", { "class": "button ghost add-photo" }, "＋ 添加照片", input),
        h("small", { "class": "hint",
          text: "JPEG、PNG 或 HEIC，每张不超过 10 MB，最多 " + MAX_PHOTOS + " 张；保存前去除拍摄位置等信息" }),
        list),
      ids: function () {  // once every upload has finished
        return Promise.all(items.map(function (i) { return i.done; })).then(function () {
          return items.filter(function (i) { return i.id; }).map(function (i) { return i.id; });
        });
      }
    };
  }

  function viewer(photo) {
    var close = h("button", { type: "button", "class": "ghost", text: "关闭" });
    var overlay = h("div", { "class": "viewer", id: "photo-viewer", role: "dialog",
      "aria-modal": "true", "aria-label": "查看照片" },
      h("p", { "class": "muted", text: "加载中…" }));
    overlay.addEventListener("click", function () { document.body.removeChild(overlay); });
    document.body.appendChild(overlay);
    loadImage(photo.url).then(function (src) {
      overlay.textContent = "";
      overlay.appendChild(h("img", { src: src, alt: "照片原图" }));
      overlay.appendChild(h("p", { "class": "muted small", text: "点击任意处关闭" }));
      overlay.appendChild(close);
      close.focus();
    }).catch(function (e) { overlay.textContent = e.message; overlay.appendChild(close); });
  }

  function thumbs(photos) {
    if (!photos || !photos.length) return null;
    return h("div", { "class": "photo-list t-photos" }, photos.map(function (p) {
      var img = h("img", { alt: p.source === "staff" ? "承办单位上传的照片" : "我上传的照片",
        "data-photo": p.photo_id, width: p.thumb_width, height: p.thumb_height });
      var box = h("button", { type: "button", "class": "photo", on: { click: function () { viewer(p); } } }, img);
      if (YG.token()) {
        loadImage(p.thumb_url).then(function (src) { img.src = src; })
          .catch(function () { box.appendChild(h("small", { text: "登录本人手机号后可见" })); });
      } else {
        box.appendChild(h("small", { text: "登录后可见" }));
      }
      return box;
    }));
  }

  // -- 催办, 补充说明, 撤回 on the order's detail ----------------------------------------------
  function act(o, path, body, done) {
    return api("POST", "/orders/" + encodeURIComponent(o.order_no) + path, body)
      .then(function (updated) {
        YG.renderDetail(updated);
        toast(done, { near: document.getElementById("order-actions") || document.getElementById("detail") });
      });
  }

  function urgeBlock(o) {
    var a = o.actions;
    if (a.can_urge) {
      var go = h("button", { type: "button", id: "urge", text: "催办" });
      go.addEventListener("click", function () {
        go.disabled = true;
        act(o, "/urge", undefined, "已催办，承办单位会看到您的催办")
          .catch(function (e) { go.disabled = false; toast(e.message, { near: go, error: true }); });
      });
      return h("div", { "class": "act" },
        h("p", { "class": "small", text: o.overdue ? "工单已超期，可以催办（每 24 小时一次）。" :
          "办理时限已过半，可以催办（每 24 小时一次）。" }), go);
    }
    if (a.urge_from) {
      return h("p", { "class": "muted small", id: "urge-later",
        text: "催办：" + YG.fmtTime(a.urge_from) + " 起可以催办。" });
    }
    return null;
  }

  function infoBlock(o) {
    if (!o.actions.can_add_info) return null;
    var text = h("textarea", { id: "info-text", rows: "3", maxlength: "1000" });
    var picker = photoPicker("info");
    var go = h("button", { type: "submit", id: "submit-info", "class": "ghost", text: "提交补充说明" });
    var form = h("form", { id: "info-form", "class": "act", novalidate: "novalidate" },
      h("h2", { text: "补充说明" }),
      YG.field("补充内容", text, "文字和照片至少填一样；请勿填写他人的个人信息"), picker.node, go);
    var draft = "info-" + o.order_no;
    YG.drafts.keep(form, draft);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      go.disabled = true;
      picker.ids().then(function (ids) {
        if (!ids.length && !text.value.trim()) {
          go.disabled = false;
          YG.report(form, [{ input: text, message: "请填写补充内容或添加照片" }], go);
          return null;
        }
        var body = { photo_ids: ids };
        if (text.value.trim()) body.text = text.value.trim();
        return act(o, "/information", body, "补充说明已提交").then(function () { YG.drafts.clear(draft); });
      }).catch(function (e) {
        go.disabled = false;
        YG.report(form, YG.serverErrors(e, { text: text }), go);
      });
    });
    return form;
  }

  function withdrawBlock(o) {
    if (!o.actions.can_withdraw) return null;
    var reason = h("textarea", { id: "withdraw-reason", rows: "2", maxlength: "200" });
    var sure = h("input", { type: "checkbox", id: "withdraw-confirm" });
    var go = h("button", { type: "submit", id: "withdraw", "class": "ghost", text: "撤回诉求" });
    var form = h("form", { id: "withdraw-form", "class": "act", novalidate: "novalidate" },
      h("h2", { text: "撤回诉求" }),
      h("p", { "class": "muted small", text: "尚无承办单位签收，可以撤回。撤回后工单结束，不再办理。" }),
      YG.field("撤回原因", reason, "如：问题已自行解决"),
      YG.field("确认", sure, null, { extra: "check-field" }), go);
    // The confirmation reads as one line: the box, then what it confirms.
    var confirmLabel = form.querySelector("label[for=withdraw-confirm]");
    confirmLabel.textContent = "我确认撤回此诉求";
    confirmLabel.className = "check";
    confirmLabel.insertBefore(sure, confirmLabel.firstChild);
    var draft = "withdraw-" + o.order_no;
    YG.drafts.keep(form, draft);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var errors = [];
      if (!reason.value.trim()) errors.push({ input: reason, message: "请填写撤回原因" });
      if (!sure.checked) errors.push({ input: sure, message: "请先勾选“我确认撤回此诉求”" });
      if (errors.length) { YG.report(form, errors, go); return; }
      go.disabled = true;
      act(o, "/withdraw", { reason: reason.value.trim() }, "诉求已撤回")
        .then(function () { YG.drafts.clear(draft); })
        .catch(function (e) {
          go.disabled = false;
          YG.report(form, YG.serverErrors(e, { reason: reason }), go);
        });
    });
    return form;
  }

  function actionsBlock(o, mine) {
    if (!mine || !o.actions || !YG.token()) return null;
    var urge = urgeBlock(o);
    var rest = [infoBlock(o), withdrawBlock(o)].filter(Boolean);
    if (!urge && !rest.length) return null;
    return h("div", { "class": "card", id: "order-actions" }, h("h2", { text: "办理互动" }), urge,
      YG.more(o.actions.can_withdraw ? "补充说明或撤回诉求" : "补充说明", rest));
  }

  // -- 我的数据 -------------------------------------------------------------------------------
  function readCard(r) {
    return h("li", { "class": "read" + (r.own ? " own" : "") },
      h("div", { "class": "t-head" }, h("b", { text: r.who }), h("time", { text: YG.fmtTime(r.occurred_at) })),
      h("div", { "class": "t-note", text: "查看了：" + r.fields_read.join("、") }),
      r.purpose ? h("div", { "class": "t-unit", text: "用途：" + r.purpose }) : null,
      r.order_no ? h("div", { "class": "t-unit", text: "工单 " + r.order_no }) : null);
  }

  function readsCard() {
    var list = h("ol", { "class": "reads", id: "reads" });
    var more = h("button", { type: "button", "class": "ghost", id: "more-reads", hidden: true, text: "加载更多" });
    var total = h("p", { "class": "muted small", id: "reads-total" });
    var page = 1;
    function load() {
      api("GET", "/me/reads?per_page=20&page=" + page).then(function (r) {
        total.textContent = r.total ? "共 " + r.total + " 次，最新的在前。" :
          "还没有人查看过您工单中的个人信息明文。";
        r.items.forEach(function (item) { list.appendChild(readCard(item)); });
        more.hidden = r.page * r.per_page >= r.total;
      }).catch(function (e) { toast(e.message, { error: true }); });
    }
    more.addEventListener("click", function () { page += 1; load(); });
    load();
    return h("div", { "class": "card", id: "my-reads" },
      h("h2", { text: "谁查看了我的信息" }),
      h("p", { "class": "muted small",
        text: "每一次查看您的电话、姓名等个人信息明文都记入不可篡改的访问日志：谁（单位、角色、工号）、何时、看了什么、为什么。" }),
      total, list, more);
  }

  function exportCard() {
    var go = h("button", { type: "button", id: "export", "class": "ghost", text: "下载我的数据（JSON 文件）" });
    go.addEventListener("click", function () {
      go.disabled = true;
      fetch(API + "/me/export", { headers: authHeaders() }).then(function (resp) {
        if (!resp.ok) return failure(resp);
        var name = (resp.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
        return resp.blob().then(function (blob) {
          var a = h("a", { href: URL.createObjectURL(blob), download: name ? name[1] : "my-data.json" });
          document.body.appendChild(a);
          a.click();
          document.body.removeChild(a);
          toast("已下载，本次下载已记入访问日志", { near: go });
        });
      }).catch(function (e) { toast(e.message, { near: go, error: true }); })
        .then(function () { go.disabled = false; });
    });
    return h("div", { "class": "card", id: "my-export" },
      h("h2", { text: "下载我的数据" }),
      h("p", { "class": "muted small", text: "以本手机号保存的全部个人信息：工单与个人信息明文、办理过程、评价、照片链接、删除申请和查看记录。" }),
      go);
  }

  function erasureItem(r) {
    return h("li", { "class": "erasure", "data-request": r.request_id },
      h("div", { "class": "t-head" }, h("b", { text: r.status_label }), h("time", { text: YG.fmtTime(r.requested_at) })),
      h("div", { "class": "t-unit", text: "工单：" + r.order_nos.join("、") }),
      r.decision_note ? h("div", { "class": "t-note", text: "处理意见：" + r.decision_note }) : null,
      r.retain_until ? h("div", { "class": "t-note", text: "依法保存至 " + r.retain_until }) : null,
      r.status === "approved" ? h("div", { "class": "t-note", text: "已删除 " + r.erased_orders + " 个工单的个人信息" }) : null);
  }

  function erasureCard() {
    var list = h("ul", { "class": "erasures", id: "erasure-requests" });
    var sure = h("input", { type: "checkbox", id: "erasure-confirm" });
    var go = h("button", { type: "submit", id: "ask-erasure", "class": "ghost", text: "申请删除" });
    function load() {
      api("GET", "/me/erasure-requests").then(function (r) {
        list.textContent = "";
        r.items.forEach(function (item) { list.appendChild(erasureItem(item)); });
      }).catch(function (e) { toast(e.message, { error: true }); });
    }
    var form = h("form", { id: "erasure-form", novalidate: "novalidate" },
      YG.field("确认", sure, null, { extra: "check-field" }), go);
    var confirmLabel = form.querySelector("label[for=erasure-confirm]");
    confirmLabel.textContent = "我了解删除后不能恢复，已删除个人信息的工单将不再出现在“我的工单”中";
    confirmLabel.className = "check";
    confirmLabel.insertBefore(sure, confirmLabel.firstChild);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!sure.checked) {
        YG.report(form, [{ input: sure, message: "请先勾选确认" }], go);
        return;
      }
      YG.clearErrors(form);
      go.disabled = true;
      api("POST", "/me/erasure-requests", {}).then(function () {
        toast("删除申请已提交，隐私保护专员审核后将在此告知结果", { near: go });
        sure.checked = false;
        load();
      }).catch(function (e) { toast(e.message, { near: go, error: true }); })
        .then(function () { go.disabled = false; });
    });
    load();
    return h("div", { "class": "card", id: "my-erasure" },
      h("h2", { text: "删除我的个人信息" }),
      h("p", { "class": "muted small",
        text: "可申请删除已结束工单（已归档、已直接解答、已撤回，或办结后评价期已过）中的姓名、电话、身份证号、地址、诉求内容、补充说明、评价内容和照片。由隐私保护专员审核；依法须保存的将告知理由和保存期限。统计数据不受影响。" }),
      form, list);
  }

  function myDataScreen() {
    if (!YG.token()) { location.hash = "#/login"; return; }
    YG.setChrome("me");
    YG.show(h("h1", { text: "我的数据" }), readsCard(),
      YG.more("下载或删除我的数据", [exportCard(), erasureCard()]));
  }

  YG.routes.push({ pattern: /^#\/me(?:$|[/?])/, screen: myDataScreen });
  YG.extras.push(actionsBlock);
  if (YG.entryExtras) YG.entryExtras.push(function (entry) { return thumbs(entry.photos); });
  if (YG.submitExtras) {
    YG.submitExtras.push(function () {
      var picker = photoPicker("new");
      return {
        node: picker.node,
        fill: function (data) {
          return picker.ids().then(function (ids) { if (ids.length) data.photo_ids = ids; });
        }
      };
    });
  }
})();
