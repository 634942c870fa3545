/* 阳光办理 H5 screens: login, my orders, the order timeline, rating, submission, lookup,
 * and the hash router (every screen has its own address: tapping a tab always opens it
 * afresh). Helpers come from static/m/core.js (window.YG); the 消息 tab and the citizen's
 * actions are in messages.js and actions.js. */
(function () {
  "use strict";

  var YG = window.YG;
  var h = YG.h, api = YG.api, show = YG.show, toast = YG.toast, kv = YG.kv, field = YG.field;
  var body = document.body;
  var DEV = body.getAttribute("data-dev") === "1";
  var DEMO_PHONE = body.getAttribute("data-demo-phone") || "";
  var PHONE_RE = /^1[3-9]\d{9}$/;
  var lookedUp = null;  // the order found by 查询, shown at #/lookup/result

  function enc(s) { return encodeURIComponent(s); }

  function setChrome(tab) {
    var logged = !!YG.token();
    var elderBtn = document.getElementById("elder-toggle");
    document.getElementById("tabs").hidden = !logged && tab !== "lookup";
    document.getElementById("logout").hidden = !logged;
    document.getElementById("who").textContent = logged ? (sessionStorage.getItem(YG.KEY.phone) || "") : "";
    elderBtn.textContent = YG.elder() ? "标准版" : "长辈版";
    elderBtn.setAttribute("aria-label", YG.elder() ? "切换到标准版" : "切换到长辈版（大字）");
    Array.prototype.forEach.call(document.querySelectorAll("#tabs a"), function (a) {
      var on = a.getAttribute("data-tab") === tab;
      a.classList.toggle("on", on);
      if (on) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
  }

  /* A screen that needs a login: log in first, then come back here. */
  function needLogin() {
    sessionStorage.setItem(YG.KEY.back, location.hash);
    location.hash = "#/login";
  }

  function timeState(o) {
    if (o.status === "answered" || o.status === "withdrawn") return null;
    if (o.overdue) {
      var late = o.overdue_seconds || (o.seconds_remaining < 0 ? -o.seconds_remaining : 0);
      return h("span", { "class": "badge late", text: late ? "已超期 " + YG.fmtSpan(late) : "已超期" });
    }
    if (o.seconds_remaining != null) {
      return h("span", { "class": "badge left", text: "剩余 " + YG.fmtSpan(o.seconds_remaining) });
    }
    return null;
  }

  function maskPhone(p) { return p.length === 11 ? p.slice(0, 3) + "****" + p.slice(7) : p; }

  function digits(value) {
    return value.replace(/[\s-]/g, "").replace(/^(\+?86)(?=1\d{10}$)/, "");
  }

  // -- login -----------------------------------------------------------------------------
  function loginScreen() {
    if (YG.token()) { location.hash = YG.session.backTo(); return; }
    setChrome("login");
    var phone = h("input", { id: "phone", type: "tel", inputmode: "numeric", maxlength: "13",
      autocomplete: "tel", value: sessionStorage.getItem(YG.KEY.login) || DEMO_PHONE });
    var code = h("input", { id: "code", type: "text", inputmode: "numeric", maxlength: "6",
      autocomplete: "one-time-code" });
    var devBox = h("p", { id: "dev-code", "class": "devcode", hidden: true });
    var status = h("p", { id: "code-status", "class": "status-line", hidden: true });
    var send = h("button", { type: "button", id: "send-code", "class": "ghost", text: "获取验证码" });
    var go = h("button", { type: "submit", id: "login", text: "登录" });
    var wait = 0, codeUntil = 0, form;

    function tick() {
      if (!document.body.contains(send)) return;  // the screen was left
      if (wait > 0) {
        send.textContent = wait + "秒后可重新获取";
        wait -= 1;
      } else {
        send.disabled = false;
        send.textContent = "重新获取";
      }
      if (codeUntil) {
        var left = Math.round((codeUntil - Date.now()) / 1000);
        if (left <= 0) {
          codeUntil = 0;
          status.className = "status-line soon";
          status.textContent = "验证码已过期，请点“重新获取”。已填的手机号不会丢失。";
          wait = 0;
          send.disabled = false;
          send.textContent = "重新获取";
        } else if (left <= 60) {
          status.className = "status-line soon";
          status.textContent = "验证码将在 " + left + " 秒后过期；过期后点“重新获取”即可，已填的手机号不会丢失。";
        }
      }
      if (wait > 0 || codeUntil) setTimeout(tick, 1000);
    }

    function checkPhone() {
      return PHONE_RE.test(digits(phone.value)) ? [] : [{ input: phone, message: "请输入 11 位手机号码" }];
    }

    send.addEventListener("click", function () {
      var errors = checkPhone();
      if (errors.length) { YG.report(form, errors, send); return; }
      YG.clearErrors(form);
      send.disabled = true;
      api("POST", "/auth/sms-code", { phone: phone.value }).then(function (r) {
        var until = Date.now() + r.expires_in * 1000;
        codeUntil = until;
        status.className = "status-line";
        var valid = r.expires_in >= 120 ? Math.round(r.expires_in / 60) + " 分钟" : r.expires_in + " 秒";
        status.textContent = "验证码已发送至 " + maskPhone(digits(phone.value)) + "，" + valid +
          "内有效（" + new Date(until).toTimeString().slice(0, 5) + " 前）。";
        status.hidden = false;
        if (r.dev_code) {
          devBox.textContent = "开发模式验证码：" + r.dev_code;
          devBox.setAttribute("data-code", r.dev_code);
          devBox.hidden = false;
        }
        wait = r.resend_after || 60;
        tick();
        code.focus();
      }).catch(function (e) {
        send.disabled = false;
        YG.report(form, YG.serverErrors(e, { phone: phone }), send);
      });
    });

    form = h("form", { "class": "card", id: "login-form", novalidate: "novalidate" },
      h("h1", { text: "手机号登录" }),
      h("p", { "class": "muted", text: "登录后可查看本人诉求的办理进度、评价办理结果和提交新的诉求。" }),
      field("手机号", phone),
      h("div", { "class": "row" }, field("验证码", code, null), send),
      status, devBox, go);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var errors = checkPhone();
      if (!/^\d{6}$/.test(code.value.trim())) errors.push({ input: code, message: "请输入短信中的 6 位数字验证码" });
      if (errors.length) { YG.report(form, errors, go); return; }
      go.disabled = true;
      api("POST", "/auth/token", { phone: phone.value, code: code.value.trim() }).then(function (r) {
        YG.session.start(r, phone.value.trim());
        location.hash = YG.session.backTo();
      }).catch(function (e) {
        go.disabled = false;
        var errors = /^sms_code/.test(e.code || "") ? [{ input: code, message: e.message }]
          : YG.serverErrors(e, { phone: phone, code: code });
        YG.report(form, errors, go);
      });
    });
    show(form, h("div", { "class": "card alt" },
      h("p", { "class": "muted", text: "没有登录，也可以凭受理时得到的工单编号和查询码查询办理进度。" }),
      h("a", { "class": "button ghost", href: "#/lookup", text: "凭工单编号和查询码查询" })));
  }

  // -- my orders -------------------------------------------------------------------------
  function ordersScreen(status) {
    if (!YG.token()) { needLogin(); return; }
    setChrome("orders");
    var list = h("div", { id: "order-list" });
    var more = h("button", { type: "button", "class": "ghost", id: "more", hidden: true, text: "加载更多" });
    var filter = h("select", { id: "status-filter" }, h("option", { value: "", text: "全部" }));
    var page = 1;

    YG.loadOptions().then(function (o) {
      o.statuses.forEach(function (s) {
        filter.appendChild(h("option", { value: s.value, text: s.label }));
      });
      filter.value = status || "";
    });
    filter.addEventListener("change", function () {
      location.hash = filter.value ? "#/orders?status=" + filter.value : "#/orders";
    });

    function load() {
      var q = "?page=" + page + "&per_page=10" + (status ? "&status=" + enc(status) : "");
      api("GET", "/orders" + q).then(function (r) {
        if (page === 1 && !r.items.length) {
          list.appendChild(h("p", { "class": "card muted", text: status ? "没有这种状态的工单。" : "暂无工单。" }));
        }
        r.items.forEach(function (o) { list.appendChild(orderCard(o)); });
        more.hidden = r.page * r.per_page >= r.total;
      }).catch(function (e) { toast(e.message, { error: true }); });
    }
    more.addEventListener("click", function () { page += 1; load(); });
    var head = h("div", { "class": "head" }, h("h1", { text: "我的工单" }),
      YG.elder() && !status ? null : h("div", { "class": "filter" },
        h("label", { "for": "status-filter", text: "状态" }), filter));
    show(head, list, more);
    load();
  }

  function orderCard(o) {
    var handled = o.status === "answered" ? "热线直接解答" : (o.unit ? "承办：" + o.unit : null);
    return h("a", { "class": "card order", href: "#/order/" + o.order_no, "data-order": o.order_no },
      h("div", { "class": "line" },
        h("span", { "class": "status s-" + o.status, text: o.status_label }),
        h("span", { "class": "kind", text: o.kind_label + (o.category ? " · " + o.category : "") }),
        timeState(o), o.following ? h("span", { "class": "badge follow", text: "关注" }) : null),
      h("p", { "class": "summary", text: o.summary || "" }),
      h("div", { "class": "meta" },
        h("span", { text: "工单 " + o.order_no }),
        h("span", { text: YG.fmtTime(o.received_at) })),
      handled ? h("div", { "class": "meta", text: handled }) : null);
  }

  // -- order detail ----------------------------------------------------------------------
  function detailScreen(orderNo) {
    if (!YG.token()) { needLogin(); return; }
    setChrome("orders");
    show(YG.loading());
    api("GET", "/orders/" + enc(orderNo)).then(function (o) {
      renderDetail(o, true);
    }).catch(function (e) {
      if (e.status === 401) return;
      show(h("div", { "class": "card" }, h("h1", { text: "无法打开这个工单" }), h("p", { text: e.message }),
        h("a", { "class": "button ghost", href: "#/orders", text: "返回我的工单" })));
    });
  }

  function place(o) { return [o.district, o.street, o.community].filter(Boolean).join(" "); }

  function handlerText(hd) {
    if (!hd || !hd.name) return null;
    return hd.name + (hd.staff_no ? "（工号 " + hd.staff_no + "）" : "");
  }

  function handlingCard(o) {
    var unit = o.unit || {};
    if (o.status === "answered") {
      return h("div", { "class": "card", id: "handling" }, h("h2", { text: "办理方式" }),
        h("p", { "class": "direct", text: "热线直接解答" }),
        h("p", { "class": "direct-note muted", text: "12345 热线已直接答复您的诉求，没有派往承办单位，也没有办理期限。" }));
    }
    if (!unit.name) {
      return h("div", { "class": "card", id: "handling" }, h("h2", { text: "承办信息" }),
        kv("承办单位", o.status === "withdrawn" ? "已撤回，未派往承办单位" : "待派单"));
    }
    var phone = (o.handler && o.handler.service_phone) || unit.service_phone;
    return h("div", { "class": "card", id: "handling" },
      h("h2", { text: "承办信息" }),
      kv("承办单位", unit.name),
      kv("承办人", handlerText(o.handler)),
      phone ? kv("服务电话", YG.tel(phone)) : null,
      phone && YG.elder() ? h("a", { "class": "button ghost call", href: "tel:" + phone.replace(/[^\d+]/g, ""),
        text: "拨打服务电话" }) : null);
  }

  function mainCard(o) {
    var direct = o.status === "answered";
    return h("div", { "class": "card", id: "detail" },
      h("div", { "class": "line" },
        h("span", { "class": "status s-" + o.status, text: o.status_label }),
        h("span", { "class": "kind", text: o.kind_label }),
        timeState(o)),
      h("h1", { "class": "no", text: "工单 " + o.order_no }),
      kv("受理时间", YG.fmtTime(o.received_at)),
      direct || YG.elder() ? null : kv("办理时限", o.time_limit_label),
      direct ? null : kv("办理期限", YG.fmtTime(o.deadline_at)),
      kv(direct ? "解答时间" : "办结时间", YG.fmtTime(o.completed_at)),
      YG.elder() ? null : kv("分类", o.category),
      YG.elder() ? null : kv("地点", place(o)),
      o.repeat_count ? kv("重复诉求", o.repeat_count + " 次") : null,
      o.content ? h("p", { "class": "content", text: o.content }) : null);
  }

  function requesterCard(o) {
    if (o.requester) {
      return h("div", { "class": "card", id: "requester" },
        h("h2", { text: "诉求人" }),
        kv("姓名", o.requester.name), kv("电话", o.requester.phone), kv("地址", o.requester.address));
    }
    return o.confidential ? h("div", { "class": "card muted", text: "保密工单：不显示诉求人信息。" }) : null;
  }

  function extensionsCard(o) {
    if (!o.extensions || !o.extensions.length) return null;
    return h("div", { "class": "card" }, h("h2", { text: "延期" }), o.extensions.map(function (e) {
      return h("p", { text: YG.fmtTime(e.occurred_at) + " 延期至 " + YG.fmtTime(e.new_deadline) +
        (e.reason ? "，原因：" + e.reason : "") });
    }));
  }

  function renderDetail(o, mine) {
    var elder = YG.elder();
    var extras = YG.extras.map(function (extra) { return extra(o, mine); });  // messages.js, actions.js
    var reply = o.reply ? h("div", { "class": "card reply" },
      h("h2", { text: o.status === "answered" ? "热线答复" : "办理答复" }), h("p", { text: o.reply })) : null;
    var steps = h("div", { "class": "card" }, h("h2", { text: "办理过程" }), timeline(o.timeline));
    var back = mine ? h("a", { "class": "button ghost back", href: "#/orders", text: "返回我的工单" }) : null;
    if (elder) {
      var facts = h("div", { "class": "card" }, h("h2", { text: "工单信息" }),
        kv("办理时限", o.status === "answered" ? null : o.time_limit_label),
        kv("分类", o.category), kv("地点", place(o)));
      show(mainCard(o), handlingCard(o), reply, ratingForm(o, mine), extras, myRatings(o), steps,
        YG.more("更多信息", [facts, requesterCard(o), extensionsCard(o)]), back);
    } else {
      show(mainCard(o), handlingCard(o), requesterCard(o), reply, extensionsCard(o), steps,
        myRatings(o), ratingForm(o, mine), extras, back);
    }
  }

  function timeline(entries) {
    return h("ol", { "class": "timeline", id: "timeline" }, entries.slice().reverse().map(function (e) {
      var text = [];
      if (e.unit) text.push(e.unit);
      if (e.target_unit && e.target_unit !== e.unit) text.push("→ " + e.target_unit);
      var who = handlerText(e.handler);
      return h("li", { "data-type": e.type },
        h("div", { "class": "t-head" }, h("b", { text: e.label }),
          h("time", { datetime: e.occurred_at, text: YG.fmtTime(e.occurred_at) })),
        text.length ? h("div", { "class": "t-unit", text: text.join(" ") }) : null,
        who ? h("div", { "class": "t-who", text: "承办人 " + who }) : null,
        e.resolution_label ? h("div", { text: e.resolution_label + " · " + e.satisfaction_label }) : null,
        e.note ? h("div", { "class": "t-note", text: e.note }) : null,
        e.reason ? h("div", { "class": "t-note", text: "原因：" + e.reason }) : null,
        e.new_deadline ? h("div", { "class": "t-note", text: "新的办理期限：" + YG.fmtTime(e.new_deadline) }) : null,
        YG.entryExtras.map(function (extra) { return extra(e); }));  // photos (actions.js)
    }));
  }

  /* 我的评价: every round's rating, also after the order was reopened. */
  function myRatings(o) {
    var r = o.rating || {};
    var history = r.history || (r.mine ? [r.mine] : []);
    if (!history.length) return null;
    var rounds = history.length > 1 || o.round > 1;
    return h("div", { "class": "card", id: "my-rating" }, h("h2", { text: "我的评价" }),
      h("ol", { "class": "rounds" }, history.map(function (m) {
        return h("li", { "data-round": m.round },
          rounds ? h("b", { text: "第 " + m.round + " 轮办理" }) : null,
          kv("解决情况", m.resolution_label), kv("满意度", m.satisfaction_label),
          kv("评价内容", m.comment), kv("评价时间", YG.fmtTime(m.rated_at)),
          m.reopen_requested ? h("p", { "class": "reopened", text: "已申请重新办理，工单已重新交承办单位办理" }) : null);
      })));
  }

  function ratingForm(o, mine) {
    var r = o.rating || {};
    if (!mine || !r.can_rate) return null;
    var name = "rating-" + o.order_no;
    var comment = h("textarea", { id: "comment", maxlength: "500", rows: "3" });
    var count = h("small", { "class": "hint count", id: "comment-count", text: "0/500" });
    var reopenBox = h("label", { "class": "check", hidden: true },
      h("input", { type: "checkbox", id: "reopen" }), h("span", { text: "申请重新办理（每个工单仅一次）" }));
    var go = h("button", { type: "submit", id: "submit-rating", text: "提交评价" });
    var form;
    function picked(group) { return form.querySelector("input[name=" + group + "]:checked"); }
    function update() {
      var res = picked("resolution"), sat = picked("satisfaction");
      reopenBox.hidden = !(r.can_request_reopen && res && sat && res.value === "no" && sat.value === "dissatisfied");
      if (res) YG.setError(resolution, "");
      if (sat) YG.setError(satisfaction, "");
    }
    var resolution = YG.choiceGroup("resolution-group", "问题是否解决", "resolution",
      [{ value: "yes", label: "已解决" }, { value: "partly", label: "部分解决" }, { value: "no", label: "未解决" }], update);
    var satisfaction = YG.choiceGroup("satisfaction-group", "是否满意", "satisfaction",
      [{ value: "satisfied", label: "满意" }, { value: "basically", label: "基本满意" }, { value: "dissatisfied", label: "不满意" }], update);
    comment.addEventListener("input", function () { count.textContent = comment.value.length + "/500"; });
    form = h("form", { "class": "card", id: "rating-form", novalidate: "novalidate" },
      h("h2", { text: "评价办理结果" }),
      h("p", { "class": "muted small", text: "请在 " + YG.fmtTime(r.rate_until) + " 前评价。" }),
      resolution, satisfaction,
      field("评价内容", comment, "可不填，500 字以内；请勿填写电话、身份证号等个人信息", { optional: true }),
      count, reopenBox, go);
    YG.drafts.keep(form, name);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var res = picked("resolution"), sat = picked("satisfaction");
      var errors = [];
      if (!res) errors.push({ input: resolution, message: "请选择问题是否解决" });
      if (!sat) errors.push({ input: satisfaction, message: "请选择是否满意" });
      if (errors.length) { YG.report(form, errors, go); return; }
      var data = { resolution: res.value, satisfaction: sat.value };
      if (comment.value.trim()) data.comment = comment.value.trim();
      if (!reopenBox.hidden && document.getElementById("reopen").checked) data.reopen = true;
      go.disabled = true;
      api("POST", "/orders/" + enc(o.order_no) + "/rating", data).then(function (updated) {
        YG.drafts.clear(name);
        renderDetail(updated, true);
        toast(data.reopen ? "评价成功，已申请重新办理" : "评价成功，感谢您的反馈",
          { near: document.getElementById("my-rating") });
      }).catch(function (e) {
        go.disabled = false;
        YG.report(form, YG.serverErrors(e,
          { resolution: resolution, satisfaction: satisfaction, comment: comment }), go);
      });
    });
    return form;
  }

  // -- submission ------------------------------------------------------------------------
  function picker(id, placeholder) {
    return h("select", { id: id }, h("option", { value: "", text: placeholder }));
  }

  function fill(select, items, placeholder, value) {
    select.textContent = "";
    select.appendChild(h("option", { value: "", text: placeholder }));
    items.forEach(function (it) { select.appendChild(h("option", { value: it.code, text: it.name })); });
    if (value && select.querySelector("option[value='" + value + "']")) {
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  var CATEGORY_HINTS = ["请选择分类", "请选择二级分类", "请选择三级分类"];

  function newScreen() {
    if (!YG.token()) { needLogin(); return; }
    setChrome("new");
    var kind = picker("kind", "请选择诉求类型");
    var district = picker("district", "请选择区");
    var street = picker("street", "请先选择区");
    var community = picker("community", "请先选择街道乡镇");
    var cats = [picker("category1", CATEGORY_HINTS[0]), picker("category2", CATEGORY_HINTS[1]),
      picker("category3", CATEGORY_HINTS[2])];
    var address = h("input", { id: "address", type: "text", maxlength: "200" });
    var content = h("textarea", { id: "content", rows: "5", maxlength: "1000" });
    var count = h("small", { "class": "hint count", id: "content-count", text: "已写 0 字" });
    var confidential = h("input", { type: "checkbox", id: "confidential" });
    var go = h("button", { type: "submit", id: "submit-order", text: "提交诉求" });
    var saved = YG.drafts.load("new") || {};

    var catFields = [
      field("诉求分类", cats[0], "选不准可以不选，话务员会帮您归类", { optional: true }),
      field("二级分类", cats[1], null, { optional: true }),
      field("三级分类", cats[2], null, { optional: true })
    ];
    catFields[1].hidden = catFields[2].hidden = true;

    function levelOf(select) { return cats.indexOf(select); }

    function loadChildren(level, parent, value) {  // level: the select to fill (1 or 2)
      for (var i = level; i < cats.length; i++) {
        fill(cats[i], [], CATEGORY_HINTS[i]);
        catFields[i].hidden = true;
      }
      if (!parent || level >= cats.length) return;
      api("GET", "/categories?parent=" + enc(parent)).then(function (r) {
        if (!r.items.length) return;
        catFields[level].hidden = false;
        fill(cats[level], r.items, CATEGORY_HINTS[level], value);
      });
    }
    cats.forEach(function (select) {
      select.addEventListener("change", function () {
        var level = levelOf(select) + 1;
        loadChildren(level, select.value, saved["category" + (level + 1)]);
        delete saved["category" + (level + 1)];
      });
    });

    YG.loadOptions().then(function (o) {
      o.kinds.forEach(function (k) { kind.appendChild(h("option", { value: k.value, text: k.label })); });
      if (saved.kind && kind.querySelector("option[value='" + saved.kind + "']")) {
        kind.value = saved.kind;
        kind.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    api("GET", "/places/districts").then(function (r) { fill(district, r.items, "请选择区", saved.district); });
    api("GET", "/categories").then(function (r) { fill(cats[0], r.items, CATEGORY_HINTS[0], saved.category1); });
    district.addEventListener("change", function () {
      fill(street, [], district.value ? "请选择街道乡镇" : "请先选择区");
      fill(community, [], "请先选择街道乡镇");
      var want = saved.street;
      delete saved.street;
      if (district.value) {
        api("GET", "/places/streets?parent=" + enc(district.value)).then(function (r) {
          fill(street, r.items, "请选择街道乡镇", want);
        });
      }
    });
    street.addEventListener("change", function () {
      fill(community, [], street.value ? "请选择社区村" : "请先选择街道乡镇");
      var want = saved.community;
      delete saved.community;
      if (street.value) {
        api("GET", "/places/communities?parent=" + enc(street.value)).then(function (r) {
          fill(community, r.items, "请选择社区村", want);
        });
      }
    });
    content.addEventListener("input", function () {
      count.textContent = "已写 " + content.value.trim().length + " 字";
    });

    var extras = YG.submitExtras.map(function (make) { return make(); });  // photos (actions.js)
    var optional = [
      field("社区村", community, null, { optional: true }),
      catFields,
      field("详细地址", address, "写到小区和楼号即可；您本人查看时只显示到小区，不显示楼号和门牌号", { optional: true }),
      h("label", { "class": "check" }, confidential, h("span", { text: "申请保密（承办单位看不到您的身份）" })),
      extras.map(function (x) { return x.node; })
    ];
    var folded = ["community", "category1", "address", "confidential"].some(function (k) { return saved[k]; });
    var form = h("form", { "class": "card", id: "new-form", novalidate: "novalidate" },
      h("h1", { text: "提交诉求" }),
      h("p", { "class": "muted small", text: "诉求类型、区、街道乡镇和诉求内容必须填写，标有“可选”的可以不填。" }),
      field("诉求类型", kind),
      field("区", district),
      field("街道乡镇", street),
      YG.elder() ? null : optional,
      field("诉求内容", content, "5–1000 字；写清时间、地点和经过，请勿填写他人的个人信息"),
      count,
      YG.elder() ? YG.more("补充地点、分类和照片（可选）", optional, folded) : null,
      go);
    YG.drafts.keep(form, "new");
    content.dispatchEvent(new Event("input", { bubbles: true }));

    var fields = { kind: kind, district_code: district, district: district, street_code: street,
      street: street, community_code: community, community: community, content: content,
      address: address, confidential: confidential };
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var deepest = cats[2].value ? cats[2] : cats[1].value ? cats[1] : cats[0];
      fields.category_code = deepest;
      var errors = [];
      if (!kind.value) errors.push({ input: kind, message: "请选择诉求类型" });
      if (!district.value) errors.push({ input: district, message: "请选择区" });
      if (!street.value) errors.push({ input: street, message: "请选择街道乡镇" });
      var n = content.value.trim().length;
      if (n < 5) errors.push({ input: content, message: n ? "诉求内容至少 5 个字，现在 " + n + " 个字" : "请填写诉求内容" });
      if (errors.length) { YG.report(form, errors, go); return; }
      YG.clearErrors(form);
      var data = { kind: kind.value, district_code: district.value, street_code: street.value,
        content: content.value, confidential: confidential.checked, channel: "web" };
      if (community.value) data.community_code = community.value;
      if (deepest.value) data.category_code = deepest.value;
      if (address.value.trim()) data.address = address.value.trim();
      go.disabled = true;
      Promise.all(extras.map(function (x) { return x.fill(data); })).then(function () {
        return api("POST", "/orders", data);
      }).then(function (r) {
        YG.drafts.clear("new");
        sessionStorage.setItem(YG.KEY.submitted, JSON.stringify(r));
        location.hash = "#/new/done";
      }).catch(function (e) {
        go.disabled = false;
        if (e.status !== 401) YG.report(form, YG.serverErrors(e, fields), go);
      });
    });
    show(form);
  }

  function submittedScreen() {
    var r = null;
    try { r = JSON.parse(sessionStorage.getItem(YG.KEY.submitted) || "null"); } catch (e) { r = null; }
    if (!r) { location.replace("#/new"); return; }
    setChrome("new");
    show(h("div", { "class": "card", id: "submitted" },
      h("h1", { text: r.merged ? "已合并办理" : "提交成功" }),
      h("p", { text: r.message }),
      kv("工单编号", r.order_no),
      r.query_code ? kv("查询码", r.query_code) : null,
      kv("办理期限", YG.fmtTime(r.deadline_at)),
      h("a", { "class": "button", href: "#/order/" + r.order_no, text: "查看办理进度" }),
      h("a", { "class": "button ghost", href: "#/new", id: "another", text: "再提交一条诉求" })));
  }

  // -- lookup ----------------------------------------------------------------------------
  function lookupScreen() {
    setChrome("lookup");
    var no = h("input", { id: "lookup-no", type: "text", inputmode: "numeric", maxlength: "24" });
    var code = h("input", { id: "lookup-code", type: "text", inputmode: "numeric", maxlength: "8" });
    var go = h("button", { type: "submit", text: "查询" });
    var form = h("form", { "class": "card", id: "lookup-form", novalidate: "novalidate" },
      h("h1", { text: "工单查询" }),
      h("p", { "class": "muted", text: "凭受理时得到的工单编号和查询码查询办理进度，无需登录。" }),
      field("工单编号", no, "受理短信或提交成功页上的编号"), field("查询码", code, "8 位数字"), go);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var errors = [];
      if (!/^[0-9A-Za-z-]{1,24}$/.test(no.value.trim())) errors.push({ input: no, message: "请填写工单编号" });
      if (!/^\d{8}$/.test(code.value.trim())) errors.push({ input: code, message: "请填写 8 位数字查询码" });
      if (errors.length) { YG.report(form, errors, go); return; }
      go.disabled = true;
      api("POST", "/lookup", { order_no: no.value.trim(), query_code: code.value.trim() }).then(function (o) {
        lookedUp = o;
        location.hash = "#/lookup/result";
      }).catch(function (e) {
        go.disabled = false;
        YG.report(form, YG.serverErrors(e, { order_no: no, query_code: code }), go);
      });
    });
    show(form, YG.token() ? null : h("div", { "class": "card alt" },
      h("p", { "class": "muted", text: "用手机号登录，可以查看本人的全部工单。" }),
      h("a", { "class": "button ghost", href: "#/login", text: "手机号登录" })));
  }

  function lookupResult() {
    if (!lookedUp) { location.replace("#/lookup"); return; }
    setChrome("lookup");
    renderDetail(lookedUp, false);
    YG.append(YG.view, h("a", { "class": "button ghost back", href: "#/lookup", text: "重新查询" }));
  }

  // -- routing ---------------------------------------------------------------------------
  function route() {
    var hash = location.hash || (YG.token() ? "#/orders" : "#/login");
    var m, i;
    YG.hideToast();
    for (i = 0; i < YG.routes.length; i++) {  // screens of other files (messages.js, actions.js)
      if ((m = hash.match(YG.routes[i].pattern))) {
        if (!YG.token()) { needLogin(); return; }
        YG.routes[i].screen(m);
        return;
      }
    }
    if ((m = hash.match(/^#\/order\/([^/?#]+)/))) return detailScreen(decodeURIComponent(m[1]));
    if ((m = hash.match(/^#\/orders(?:\?status=(\w+))?$/))) return ordersScreen(m[1]);
    if (hash === "#/new") return newScreen();
    if (hash === "#/new/done") return submittedScreen();
    if (hash === "#/lookup") return lookupScreen();
    if (hash === "#/lookup/result") return lookupResult();
    if (hash === "#/login") return loginScreen();
    if (YG.token()) { location.hash = "#/orders"; return; }
    return loginScreen();
  }

  /* Tapping the tab (or the brand) of the screen one is on draws it afresh. */
  function again(ev) {
    var a = ev.target.closest("a");
    if (a && a.getAttribute("href") === location.hash) { ev.preventDefault(); route(); }
  }
  document.getElementById("tabs").addEventListener("click", again);
  document.querySelector(".bar .brand").addEventListener("click", again);

  document.getElementById("logout").addEventListener("click", function () {
    api("POST", "/auth/logout").catch(function () {}).then(function () {
      YG.session.end();
      toast("已退出登录", { next: true });
      if (location.hash === "#/login") route();
      else location.hash = "#/login";
    });
  });
  document.getElementById("elder-toggle").addEventListener("click", function () {
    var on = !YG.elder();
    YG.setElder(on);
    toast(on ? "已切换到长辈版：字更大，按钮更大，每页只留主要操作。再点“标准版”可以切换回来。"
      : "已切换到标准版。", { next: true });
    route();
  });

  YG.setChrome = setChrome;
  YG.needLogin = needLogin;
  YG.renderDetail = function (o) { renderDetail(o, true); };
  window.addEventListener("hashchange", route);
  if (DEV) body.classList.add("dev");
  document.addEventListener("DOMContentLoaded", function () {
    YG.session.learn();
    route();
  });
})();
