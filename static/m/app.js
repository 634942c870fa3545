/* 阳光办理 H5: login, my orders, the order timeline, rating, submission, lookup.
 * Plain DOM, no framework and no inline script (the CSP forbids it). Every text from the
 * server is inserted as text, never as HTML. The token lives in sessionStorage only. */
(function () {
  "use strict";

  var body = document.body;
  var API = body.getAttribute("data-api") || "/api/v1";
  var DEV = body.getAttribute("data-dev") === "1";
  var DEMO_PHONE = body.getAttribute("data-demo-phone") || "";
  var view = document.getElementById("view");
  var TOKEN_KEY = "yg-token";
  var PHONE_KEY = "yg-phone";
  var options = null;

  // -- helpers ---------------------------------------------------------------------------
  function h(tag, attrs) {
    var el = document.createElement(tag);
    var key;
    attrs = attrs || {};
    for (key in attrs) {
      if (!Object.prototype.hasOwnProperty.call(attrs, key) || attrs[key] == null) continue;
      if (key === "text") el.textContent = attrs[key];
      else if (key === "on") {
        Object.keys(attrs.on).forEach(function (ev) { el.addEventListener(ev, attrs.on[ev]); });
      } else if (key === "hidden") el.hidden = !!attrs[key];
      else if (key === "checked" || key === "disabled") el[key] = !!attrs[key];
      else el.setAttribute(key, attrs[key]);
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  function append(el, child) {
    if (child == null || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(el, c); }); return; }
    el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }

  function show() {
    view.textContent = "";
    for (var i = 0; i < arguments.length; i++) append(view, arguments[i]);
    window.scrollTo(0, 0);
  }

  function toast(text) {
    var el = document.getElementById("toast");
    el.textContent = text;
    el.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { el.hidden = true; }, 3500);
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function api(method, path, data) {
    var init = { method: method, headers: { Accept: "application/json" } };
    if (token()) init.headers.Authorization = "Bearer " + token();
    if (data !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(data);
    }
    return fetch(API + path, init).then(function (resp) {
      if (resp.status === 204) return null;
      return resp.json().catch(function () { return {}; }).then(function (json) {
        if (resp.ok) return json;
        var err = (json && json.error) || { message: "网络异常，请稍后再试", details: {} };
        if (resp.status === 401 && token()) {
          sessionStorage.removeItem(TOKEN_KEY);
          location.hash = "#/login";
        }
        var e = new Error(explain(err));
        e.status = resp.status;
        throw e;
      });
    });
  }

  function explain(err) {
    var fields = err.details && err.details.fields;
    if (!fields) return err.message;
    var parts = [];
    Object.keys(fields).forEach(function (k) {
      var v = fields[k];
      parts.push((LABELS[k] || k) + "：" + (Array.isArray(v) ? v.join("；") : JSON.stringify(v)));
    });
    return err.message + "（" + parts.join("，") + "）";
  }

  var LABELS = {
    phone: "手机号", code: "验证码", order_no: "工单编号", query_code: "查询码",
    kind: "诉求类型", district_code: "区", street_code: "街道乡镇", community_code: "社区村",
    content: "诉求内容", address: "地址", comment: "评价内容", resolution: "解决情况",
    satisfaction: "满意度", category_code: "分类"
  };

  function fmtTime(iso) {
    if (!iso) return "";
    return iso.slice(0, 10) + " " + iso.slice(11, 16);
  }

  function fmtSpan(seconds) {
    var s = Math.abs(seconds);
    var d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60);
    if (d) return d + "天" + (hr ? hr + "小时" : "");
    if (hr) return hr + "小时" + (m ? m + "分" : "");
    return Math.max(m, 1) + "分钟";
  }

  function timeState(o) {
    if (o.overdue) {
      var late = o.overdue_seconds || (o.seconds_remaining < 0 ? -o.seconds_remaining : 0);
      return h("span", { "class": "badge late", text: late ? "已超期 " + fmtSpan(late) : "已超期" });
    }
    if (o.seconds_remaining != null) return h("span", { "class": "badge left", text: "剩余 " + fmtSpan(o.seconds_remaining) });
    return null;
  }

  function field(label, input, hint) {
    return h("label", { "class": "field" }, h("span", { "class": "lbl", text: label }), input,
      hint ? h("small", { "class": "hint", text: hint }) : null);
  }

  function loadOptions() {
    if (options) return Promise.resolve(options);
    return api("GET", "/options").then(function (o) { options = o; return o; });
  }

  function setChrome(tab) {
    var logged = !!token();
    document.getElementById("tabs").hidden = !logged && tab !== "lookup";
    document.getElementById("logout").hidden = !logged;
    document.getElementById("who").textContent = logged ? (sessionStorage.getItem(PHONE_KEY) || "") : "";
    Array.prototype.forEach.call(document.querySelectorAll("#tabs a"), function (a) {
      a.classList.toggle("on", a.getAttribute("data-tab") === tab);
    });
  }

  // -- login -----------------------------------------------------------------------------
  function loginScreen() {
    setChrome("login");
    var phone = h("input", { id: "phone", type: "tel", inputmode: "numeric", maxlength: "13",
      placeholder: "请输入手机号", autocomplete: "tel", value: DEMO_PHONE });
    var code = h("input", { id: "code", type: "text", inputmode: "numeric", maxlength: "6",
      placeholder: "6位验证码", autocomplete: "one-time-code" });
    var devBox = h("p", { id: "dev-code", "class": "devcode", hidden: true });
    var send = h("button", { type: "button", id: "send-code", "class": "ghost", text: "获取验证码" });
    var go = h("button", { type: "submit", id: "login", text: "登录" });
    var wait = 0;

    function tick() {
      if (wait <= 0) { send.disabled = false; send.textContent = "重新获取"; return; }
      send.textContent = wait + "秒后重新获取";
      wait -= 1;
      setTimeout(tick, 1000);
    }

    send.addEventListener("click", function () {
      send.disabled = true;
      api("POST", "/auth/sms-code", { phone: phone.value }).then(function (r) {
        toast("验证码已发送，" + Math.round(r.expires_in / 60) + "分钟内有效");
        if (r.dev_code) {
          devBox.textContent = "开发模式验证码：" + r.dev_code;
          devBox.setAttribute("data-code", r.dev_code);
          devBox.hidden = false;
        }
        wait = r.resend_after || 60;
        tick();
        code.focus();
      }).catch(function (e) { send.disabled = false; toast(e.message); });
    });

    var form = h("form", { "class": "card", id: "login-form" },
      h("h1", { text: "手机号登录" }),
      h("p", { "class": "muted", text: "登录后可查看本人诉求的办理进度、评价办理结果和提交新的诉求。" }),
      field("手机号", phone),
      h("div", { "class": "row" }, field("验证码", code), send),
      devBox, go,
      h("p", { "class": "muted small" }, "没有登录？也可以",
        h("a", { href: "#/lookup", text: "凭工单编号和查询码查询" }), "。"));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      go.disabled = true;
      api("POST", "/auth/token", { phone: phone.value, code: code.value }).then(function (r) {
        sessionStorage.setItem(TOKEN_KEY, r.token);
        sessionStorage.setItem(PHONE_KEY, r.phone);
        location.hash = "#/orders";
      }).catch(function (e) { go.disabled = false; toast(e.message); });
    });
    show(form);
  }

  // -- my orders -------------------------------------------------------------------------
  function ordersScreen(status) {
    if (!token()) { location.hash = "#/login"; return; }
    setChrome("orders");
    var list = h("div", { id: "order-list" });
    var more = h("button", { type: "button", "class": "ghost", id: "more", hidden: true, text: "加载更多" });
    var filter = h("select", { id: "status-filter" }, h("option", { value: "", text: "全部状态" }));
    var page = 1;

    loadOptions().then(function (o) {
      o.statuses.forEach(function (s) {
        filter.appendChild(h("option", { value: s.value, text: s.label }));
      });
      filter.value = status || "";
    });
    filter.addEventListener("change", function () {
      location.hash = filter.value ? "#/orders?status=" + filter.value : "#/orders";
    });

    function load() {
      var q = "?page=" + page + "&per_page=10" + (status ? "&status=" + encodeURIComponent(status) : "");
      api("GET", "/orders" + q).then(function (r) {
        if (page === 1 && !r.items.length) list.appendChild(h("p", { "class": "card muted", text: "暂无工单。" }));
        r.items.forEach(function (o) { list.appendChild(orderCard(o)); });
        more.hidden = r.page * r.per_page >= r.total;
      }).catch(function (e) { toast(e.message); });
    }
    more.addEventListener("click", function () { page += 1; load(); });
    show(h("div", { "class": "head" }, h("h1", { text: "我的工单" }), filter), list, more);
    load();
  }

  function orderCard(o) {
    return h("a", { "class": "card order", href: "#/order/" + o.order_no, "data-order": o.order_no },
      h("div", { "class": "line" },
        h("span", { "class": "status s-" + o.status, text: o.status_label }),
        h("span", { "class": "kind", text: o.kind_label + (o.category ? " · " + o.category : "") }),
        timeState(o)),
      h("p", { "class": "summary", text: o.summary || "" }),
      h("div", { "class": "meta" },
        h("span", { text: "工单 " + o.order_no }),
        h("span", { text: fmtTime(o.received_at) })),
      o.unit ? h("div", { "class": "meta", text: "承办：" + o.unit }) : null);
  }

  // -- order detail ----------------------------------------------------------------------
  function detailScreen(orderNo) {
    if (!token()) { location.hash = "#/login"; return; }
    setChrome("orders");
    show(h("p", { "class": "muted", text: "加载中…" }));
    api("GET", "/orders/" + encodeURIComponent(orderNo)).then(function (o) {
      renderDetail(o, true);
    }).catch(function (e) {
      show(h("div", { "class": "card" }, h("p", { text: e.message }), h("a", { href: "#/orders", text: "返回我的工单" })));
    });
  }

  function kv(label, value) {
    if (value == null || value === "") return null;
    return h("div", { "class": "kv" }, h("span", { "class": "k", text: label }), h("span", { "class": "v", text: value }));
  }

  function renderDetail(o, canRate) {
    var unit = o.unit || {};
    var hd = o.handler || {};
    var place = [o.district, o.street, o.community].filter(Boolean).join(" ");
    var blocks = [
      h("div", { "class": "card", id: "detail" },
        h("div", { "class": "line" },
          h("span", { "class": "status s-" + o.status, text: o.status_label }),
          h("span", { "class": "kind", text: o.kind_label }), timeState(o)),
        h("h1", { "class": "no", text: "工单 " + o.order_no }),
        kv("受理时间", fmtTime(o.received_at)),
        kv("办理时限", o.time_limit_label),
        kv("办理期限", fmtTime(o.deadline_at)),
        kv("办结时间", fmtTime(o.completed_at)),
        kv("分类", o.category),
        kv("地点", place),
        o.repeat_count ? kv("重复诉求", o.repeat_count + " 次") : null,
        h("p", { "class": "content", text: o.content || "" })),
      h("div", { "class": "card" },
        h("h2", { text: "承办信息" }),
        kv("承办单位", unit.name || "待派单"),
        kv("承办人", hd.name ? hd.name + (hd.staff_no ? "（工号 " + hd.staff_no + "）" : "") : null),
        kv("服务电话", hd.service_phone || unit.service_phone)),
      o.requester ? h("div", { "class": "card" },
        h("h2", { text: "诉求人" }),
        kv("姓名", o.requester.name), kv("电话", o.requester.phone), kv("地址", o.requester.address))
        : (o.confidential ? h("div", { "class": "card muted", text: "保密工单：不显示诉求人信息。" }) : null),
      o.reply ? h("div", { "class": "card reply" }, h("h2", { text: "办理答复" }), h("p", { text: o.reply })) : null,
      o.extensions.length ? h("div", { "class": "card" }, h("h2", { text: "延期" }),
        o.extensions.map(function (e) {
          return h("p", { text: fmtTime(e.occurred_at) + " 延期至 " + fmtTime(e.new_deadline) + (e.reason ? "，原因：" + e.reason : "") });
        })) : null,
      h("div", { "class": "card" }, h("h2", { text: "办理过程" }), timeline(o.timeline)),
      ratingBlock(o, canRate)
    ];
    show(blocks, canRate ? h("a", { "class": "back", href: "#/orders", text: "‹ 返回我的工单" }) : null);
  }

  function timeline(entries) {
    return h("ol", { "class": "timeline", id: "timeline" }, entries.slice().reverse().map(function (e) {
      var text = [];
      if (e.unit) text.push(e.unit);
      if (e.target_unit && e.target_unit !== e.unit) text.push("→ " + e.target_unit);
      return h("li", { "data-type": e.type },
        h("div", { "class": "t-head" }, h("b", { text: e.label }), h("time", { text: fmtTime(e.occurred_at) })),
        text.length ? h("div", { "class": "t-unit", text: text.join(" ") }) : null,
        e.resolution_label ? h("div", { text: e.resolution_label + " · " + e.satisfaction_label }) : null,
        e.note ? h("div", { "class": "t-note", text: e.note }) : null,
        e.reason ? h("div", { "class": "t-note", text: "原因：" + e.reason }) : null,
        e.new_deadline ? h("div", { "class": "t-note", text: "新的办理期限：" + fmtTime(e.new_deadline) }) : null);
    }));
  }

  function choice(name, items, onchange) {
    return h("div", { "class": "choices", role: "radiogroup" }, items.map(function (it) {
      return h("label", { "class": "choice" },
        h("input", { type: "radio", name: name, value: it.value, on: { change: onchange } }),
        h("span", { text: it.label }));
    }));
  }

  function ratingBlock(o, canRate) {
    var r = o.rating;
    if (r.mine) {
      return h("div", { "class": "card", id: "my-rating" }, h("h2", { text: "我的评价" }),
        kv("解决情况", r.mine.resolution_label), kv("满意度", r.mine.satisfaction_label),
        kv("评价内容", r.mine.comment), r.mine.reopen_requested ? h("p", { "class": "muted", text: "已申请重新办理" }) : null);
    }
    if (!canRate || !r.can_rate) return null;
    var comment = h("textarea", { id: "comment", maxlength: "500", rows: "3", placeholder: "可选，500字以内；请勿填写电话、身份证号等个人信息" });
    var count = h("small", { "class": "hint", text: "0/500" });
    var reopenBox = h("label", { "class": "check", hidden: true },
      h("input", { type: "checkbox", id: "reopen" }), h("span", { text: "申请重新办理（每个工单仅一次）" }));
    var form;
    function update() {
      var res = form.querySelector("input[name=resolution]:checked");
      var sat = form.querySelector("input[name=satisfaction]:checked");
      reopenBox.hidden = !(r.can_request_reopen && res && sat && res.value === "no" && sat.value === "dissatisfied");
    }
    comment.addEventListener("input", function () { count.textContent = comment.value.length + "/500"; });
    form = h("form", { "class": "card", id: "rating-form" },
      h("h2", { text: "评价办理结果" }),
      h("p", { "class": "muted small", text: "请在 " + fmtTime(r.rate_until) + " 前评价" }),
      h("span", { "class": "lbl", text: "问题是否解决" }),
      choice("resolution", [{ value: "yes", label: "已解决" }, { value: "partly", label: "部分解决" }, { value: "no", label: "未解决" }], update),
      h("span", { "class": "lbl", text: "是否满意" }),
      choice("satisfaction", [{ value: "satisfied", label: "满意" }, { value: "basically", label: "基本满意" }, { value: "dissatisfied", label: "不满意" }], update),
      field("评价内容", comment), count, reopenBox,
      h("button", { type: "submit", id: "submit-rating", text: "提交评价" }));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var res = form.querySelector("input[name=resolution]:checked");
      var sat = form.querySelector("input[name=satisfaction]:checked");
      var data = { resolution: res ? res.value : "", satisfaction: sat ? sat.value : "" };
      if (comment.value.trim()) data.comment = comment.value.trim();
      if (!reopenBox.hidden && document.getElementById("reopen").checked) data.reopen = true;
      api("POST", "/orders/" + encodeURIComponent(o.order_no) + "/rating", data).then(function (updated) {
        toast("评价成功，感谢您的反馈");
        renderDetail(updated, true);
      }).catch(function (e) { toast(e.message); });
    });
    return form;
  }

  // -- submission ------------------------------------------------------------------------
  function picker(id, placeholder) {
    return h("select", { id: id }, h("option", { value: "", text: placeholder }));
  }

  function fill(select, items, placeholder) {
    select.textContent = "";
    select.appendChild(h("option", { value: "", text: placeholder }));
    items.forEach(function (it) { select.appendChild(h("option", { value: it.code, text: it.name })); });
  }

  function newScreen() {
    if (!token()) { location.hash = "#/login"; return; }
    setChrome("new");
    var kind = picker("kind", "请选择诉求类型");
    var district = picker("district", "请选择区");
    var street = picker("street", "请选择街道乡镇");
    var community = picker("community", "请选择社区村（可选）");
    var cat1 = picker("category1", "请选择分类（可选）");
    var cat2 = picker("category2", "二级分类（可选）");
    var address = h("input", { id: "address", type: "text", maxlength: "200", placeholder: "如：某小区某号楼（可选）" });
    var content = h("textarea", { id: "content", rows: "5", maxlength: "1000", placeholder: "请描述问题的时间、地点和经过" });
    var confidential = h("input", { type: "checkbox", id: "confidential" });
    var go = h("button", { type: "submit", id: "submit-order", text: "提交" });

    loadOptions().then(function (o) {
      o.kinds.forEach(function (k) { kind.appendChild(h("option", { value: k.value, text: k.label })); });
    });
    api("GET", "/places/districts").then(function (r) { fill(district, r.items, "请选择区"); });
    api("GET", "/categories").then(function (r) { fill(cat1, r.items, "请选择分类（可选）"); });
    district.addEventListener("change", function () {
      fill(street, [], "请选择街道乡镇");
      fill(community, [], "请选择社区村（可选）");
      if (district.value) api("GET", "/places/streets?parent=" + district.value).then(function (r) { fill(street, r.items, "请选择街道乡镇"); });
    });
    street.addEventListener("change", function () {
      fill(community, [], "请选择社区村（可选）");
      if (street.value) api("GET", "/places/communities?parent=" + street.value).then(function (r) { fill(community, r.items, "请选择社区村（可选）"); });
    });
    cat1.addEventListener("change", function () {
      fill(cat2, [], "二级分类（可选）");
      if (cat1.value) api("GET", "/categories?parent=" + cat1.value).then(function (r) { fill(cat2, r.items, "二级分类（可选）"); });
    });

    var form = h("form", { "class": "card", id: "new-form" },
      h("h1", { text: "提交诉求" }),
      field("诉求类型", kind), field("区", district), field("街道乡镇", street), field("社区村", community),
      field("分类", cat1), cat2, field("详细地址", address),
      field("诉求内容", content, "5–1000字；请勿在内容中填写他人的个人信息"),
      h("label", { "class": "check" }, confidential, h("span", { text: "申请保密（承办单位看不到您的身份）" })),
      go);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = { kind: kind.value, district_code: district.value, street_code: street.value,
        content: content.value, confidential: confidential.checked, channel: "web" };
      if (community.value) data.community_code = community.value;
      if (cat2.value || cat1.value) data.category_code = cat2.value || cat1.value;
      if (address.value.trim()) data.address = address.value.trim();
      go.disabled = true;
      api("POST", "/orders", data).then(function (r) {
        show(h("div", { "class": "card", id: "submitted" },
          h("h1", { text: r.merged ? "已合并办理" : "提交成功" }),
          h("p", { text: r.message }),
          kv("工单编号", r.order_no),
          r.query_code ? kv("查询码", r.query_code) : null,
          kv("办理期限", fmtTime(r.deadline_at)),
          h("a", { "class": "button", href: "#/order/" + r.order_no, text: "查看办理进度" })));
      }).catch(function (e) { go.disabled = false; toast(e.message); });
    });
    show(form);
  }

  // -- lookup ----------------------------------------------------------------------------
  function lookupScreen() {
    setChrome("lookup");
    var no = h("input", { id: "lookup-no", type: "text", inputmode: "numeric", maxlength: "24", placeholder: "工单编号" });
    var code = h("input", { id: "lookup-code", type: "text", inputmode: "numeric", maxlength: "8", placeholder: "8位查询码" });
    var out = h("div", { id: "lookup-result" });
    var form = h("form", { "class": "card", id: "lookup-form" },
      h("h1", { text: "工单查询" }),
      h("p", { "class": "muted small", text: "凭受理时获得的工单编号和查询码查询办理进度，无需登录。" }),
      field("工单编号", no), field("查询码", code),
      h("button", { type: "submit", text: "查询" }),
      token() ? null : h("p", { "class": "muted small" }, h("a", { href: "#/login", text: "手机号登录" }), "查看本人全部工单"));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      api("POST", "/lookup", { order_no: no.value.trim(), query_code: code.value.trim() }).then(function (o) {
        renderDetail(o, false);
        append(view, h("a", { "class": "back", href: "#/lookup", text: "‹ 重新查询" }));
      }).catch(function (e) { toast(e.message); });
    });
    show(form, out);
  }

  // -- routing ---------------------------------------------------------------------------
  function route() {
    var hash = location.hash || (token() ? "#/orders" : "#/login");
    var m;
    if ((m = hash.match(/^#\/order\/([^/?#]+)/))) return detailScreen(decodeURIComponent(m[1]));
    if ((m = hash.match(/^#\/orders(?:\?status=(\w+))?/))) return ordersScreen(m[1]);
    if (hash === "#/new") return newScreen();
    if (hash === "#/lookup") return lookupScreen();
    if (token()) { location.hash = "#/orders"; return; }
    return loginScreen();
  }

  document.getElementById("logout").addEventListener("click", function () {
    api("POST", "/auth/logout").catch(function () {}).then(function () {
      sessionStorage.removeItem(TOKEN_KEY);
      sessionStorage.removeItem(PHONE_KEY);
      location.hash = "#/login";
    });
  });
  window.addEventListener("hashchange", route);
  if (DEV) body.classList.add("dev");
  route();
})();
