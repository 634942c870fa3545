/* 阳光办理 H5 core: the helpers every screen uses, exposed as window.YG.
 *
 * - h(), show(): plain DOM; every text from the server is inserted as text, never as HTML.
 * - api(): the citizen API; errors carry the server's code and details.
 * - toast(): the message of the last action, in the flow of the page right under the control
 *   that caused it (it never covers a button); it stays in 长辈版 and for errors.
 * - forms: a label, an error and a hint for each field; the server's messages reworded in
 *   plain Chinese (enum values by their labels, "请选择…" for a dropdown).
 * - drafts: what is typed into a form is kept in sessionStorage, so that an expired login or
 *   a reload loses nothing; session: warns before the login expires while a form is open.
 * - elder(): 长辈版, remembered in localStorage (static/m/mode.js applies it before paint).
 *
 * No inline script (the CSP forbids it). The token lives in sessionStorage only. */
(function () {
  "use strict";

  var body = document.body;
  var root = document.documentElement;
  var API = body.getAttribute("data-api") || "/api/v1";
  var view = document.getElementById("view");
  var KEY = {
    token: "yg-token", phone: "yg-phone", expires: "yg-expires", back: "yg-return",
    elder: "yg-elder", draft: "yg-draft:", submitted: "yg-submitted", login: "yg-login-phone"
  };
  var WARN_SECONDS = 5 * 60;  // warn this long before the login expires, while a form is open
  var TOAST_MS = 6000;        // an information toast of the standard page goes after this
  var ENUMS = {};             // enum value -> Chinese label, from /options
  var options = null;

  // -- DOM helpers ------------------------------------------------------------------------
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
      else if (key === "checked" || key === "disabled" || key === "open") el[key] = !!attrs[key];
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

  /* Draw a screen: the previous one's message goes, a message meant for this one shows. */
  function show() {
    hideToast();
    view.textContent = "";
    for (var i = 0; i < arguments.length; i++) append(view, arguments[i]);
    window.scrollTo(0, 0);
    if (pending && !view.querySelector("[data-loading]")) {
      var next = pending;
      pending = null;
      toast(next.text, next.opts);
    }
    session.check();
  }

  function loading() {
    return h("p", { "class": "muted", "data-loading": "1", text: "加载中…" });
  }

  // -- the message of the last action ---------------------------------------------------
  var toastEl = document.getElementById("toast");
  var toastHome = toastEl.parentNode;
  var toastTimer = null;
  var pending = null;

  function hideToast() {
    clearTimeout(toastTimer);
    toastEl.hidden = true;
    if (toastEl.parentNode !== toastHome) toastHome.appendChild(toastEl);
  }

  /* ``opts.near``: the control the message is about (the message goes right after it);
   * ``opts.error``: it stays until closed; ``opts.next``: show it on the next screen. */
  function toast(text, opts) {
    opts = opts || {};
    if (opts.next) { pending = { text: text, opts: { error: opts.error } }; return; }
    clearTimeout(toastTimer);
    toastEl.textContent = "";
    toastEl.className = "toast" + (opts.error ? " error" : "");
    var close = h("button", { type: "button", "class": "toast-close", text: "知道了" });
    close.addEventListener("click", hideToast);
    append(toastEl, [h("span", { text: text }), close]);
    var near = opts.near;
    if (near && view.contains(near)) {
      var after = (near.closest && near.closest(".row, .field, fieldset, .check")) || near;
      after.parentNode.insertBefore(toastEl, after.nextSibling);
    } else {
      view.insertBefore(toastEl, view.firstChild);
    }
    toastEl.hidden = false;
    if (toastEl.scrollIntoView) toastEl.scrollIntoView({ block: "nearest" });
    if (!opts.error && !elder()) toastTimer = setTimeout(hideToast, TOAST_MS);
  }

  // -- the API ----------------------------------------------------------------------------
  function token() { return sessionStorage.getItem(KEY.token); }

  function api(method, path, data) {
    var init = { method: method, headers: { Accept: "application/json" } };
    if (token()) init.headers.Authorization = "Bearer " + token();
    if (data !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(data);
    }
    return fetch(API + path, init).catch(function () {
      throw failure({ message: "网络连接失败，请检查网络后重试" }, 0);
    }).then(function (resp) {
      if (resp.status === 204) return null;
      return resp.json().catch(function () { return {}; }).then(function (json) {
        if (resp.ok) return json;
        if (resp.status === 401 && token()) session.expired();
        throw failure((json && json.error) || { message: "网络异常，请稍后再试" }, resp.status);
      });
    });
  }

  function failure(err, status) {
    var e = new Error(err.message || "网络异常，请稍后再试");
    e.status = status;
    e.code = err.code;
    e.details = err.details || {};
    return e;
  }

  function loadOptions() {
    if (options) return Promise.resolve(options);
    return api("GET", "/options").then(function (o) {
      options = o;
      ["kinds", "statuses", "resolutions", "satisfactions"].forEach(function (k) {
        (o[k] || []).forEach(function (it) { ENUMS[it.value] = it.label; });
      });
      return o;
    });
  }

  // -- times ------------------------------------------------------------------------------
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

  function clock(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  // -- small pieces of screens ----------------------------------------------------------
  function kv(label, value) {
    if (value == null || value === "") return null;
    return h("div", { "class": "kv" }, h("span", { "class": "k", text: label }),
      h("span", { "class": "v" }, value));
  }

  /* A phone number a finger can call. */
  function tel(number, text) {
    var digits = String(number).replace(/[^\d+]/g, "");
    return h("a", { "class": "tel", href: "tel:" + digits, text: text || number });
  }

  function elder() { return root.classList.contains("elder"); }

  /* Kept on the device (localStorage); a cookie tells the server too, so that the H5
   * error pages, which run no script, come in the same size. */
  function setElder(on) {
    root.classList.toggle("elder", on);
    try { localStorage.setItem(KEY.elder, on ? "1" : "0"); } catch (e) { /* not kept */ }
    document.cookie = "yg-elder=" + (on ? "1" : "0") + "; path=/m; max-age=31536000; SameSite=Lax";
  }

  /* In 长辈版 the screen keeps one main action in sight; the rest folds away here. In the
   * standard page the nodes show as they are. */
  function more(title, nodes, open) {
    nodes = (Array.isArray(nodes) ? nodes : [nodes]).filter(Boolean);
    if (!nodes.length) return null;
    if (!elder()) return nodes;
    return h("details", { "class": "more", open: open }, h("summary", { text: title }), nodes);
  }

  // -- fields and their errors ----------------------------------------------------------
  /* A field: its label, the slot of its error, the control and an optional hint. */
  function field(label, input, hint, opts) {
    opts = opts || {};
    input.setAttribute("data-label", label);
    var err = h("span", { "class": "err", id: input.id + "-error", hidden: true });
    var help = hint ? h("small", { "class": "hint", id: input.id + "-hint", text: hint }) : null;
    if (help) input.setAttribute("aria-describedby", help.id);
    return h("div", { "class": "field" + (opts.extra ? " " + opts.extra : "") },
      h("label", { "class": "lbl", "for": input.id }, label,
        opts.optional ? h("span", { "class": "opt", text: "（可选）" }) : null),
      err, input, help);
  }

  /* A group of radio buttons with its name (fieldset + legend) and an error slot. */
  function choiceGroup(id, legend, name, items, onchange) {
    var err = h("span", { "class": "err", id: id + "-error", hidden: true });
    return h("fieldset", { id: id, "data-label": legend },
      h("legend", { text: legend }), err,
      h("div", { "class": "choices" }, items.map(function (it) {
        return h("label", { "class": "choice" },
          h("input", { type: "radio", name: name, value: it.value, on: { change: onchange } }),
          h("span", { text: it.label }));
      })));
  }

  function labelOf(input) {
    return (input && input.getAttribute("data-label")) || "此项";
  }

  function setError(input, message) {
    var box = input.tagName === "FIELDSET" ? input : input.closest(".field") || input.parentNode;
    var slot = box.querySelector(".err");
    box.classList.toggle("invalid", !!message);
    if (slot) {
      slot.textContent = message || "";
      slot.hidden = !message;
    }
    var target = input.tagName === "FIELDSET" ? input.querySelector("input") : input;
    if (!target) return;
    var described = (target.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== (slot && slot.id);
    });
    if (message && slot) described.unshift(slot.id);
    if (described.length) target.setAttribute("aria-describedby", described.join(" "));
    else target.removeAttribute("aria-describedby");
    if (message) target.setAttribute("aria-invalid", "true");
    else target.removeAttribute("aria-invalid");
    if (input.tagName === "FIELDSET") {
      Array.prototype.forEach.call(input.querySelectorAll("input"), function (radio) {
        if (message) radio.setAttribute("aria-invalid", "true");
        else radio.removeAttribute("aria-invalid");
      });
    }
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".invalid"), function (box) {
      var input = box.tagName === "FIELDSET" ? box : box.querySelector("input, select, textarea");
      if (input) setError(input, "");
    });
  }

  /* A marked field that is changed loses its mark (the next submit checks it again); once
   * no mark is left, the summary under the button goes too. */
  function unmarkOnChange(form) {
    if (form.getAttribute("data-unmark")) return;
    form.setAttribute("data-unmark", "1");
    var unmark = function (ev) {
      var el = ev.target;
      var box = el.closest && el.closest("fieldset.invalid, .field.invalid");
      if (!box || !form.contains(box)) return;
      if (box.tagName === "FIELDSET") {
        if (!box.querySelector("input:checked")) return;
        setError(box, "");
      } else {
        if (!el.value || !el.value.trim()) return;  // still empty: the mark stays
        setError(el, "");
      }
      if (!form.querySelector(".invalid") && form.contains(toastEl) &&
          toastEl.classList.contains("error")) hideToast();
    };
    form.addEventListener("change", unmark);
    form.addEventListener("input", unmark);
  }

  /* Mark each field's error and say, next to the submit button, how many need fixing. */
  function report(form, errors, submit) {
    clearErrors(form);
    unmarkOnChange(form);
    var marked = errors.filter(function (e) { return e.input; });
    var loose = errors.filter(function (e) { return !e.input; });
    marked.forEach(function (e) { setError(e.input, e.message); });
    marked.forEach(function (e) {  // a folded group (长辈版) opens to show its error
      var folded = e.input.closest("details");
      if (folded) folded.open = true;
    });
    var text = loose.map(function (e) { return e.message; }).join("；");
    if (marked.length) {
      text = (marked.length === 1 ? "请修改标出的 1 处：" + marked[0].message
        : "有 " + marked.length + " 处需要修改，已在各项上方标出") + (text ? "；" + text : "");
    }
    if (text) toast(text, { near: submit, error: true });
    if (marked.length) {  // then the first field to fix, in sight and focused
      var first = marked[0].input;
      var focus = first.tagName === "FIELDSET" ? first.querySelector("input") : first;
      first.scrollIntoView({ block: "center" });
      if (focus) focus.focus({ preventScroll: true });
    }
  }

  /* The server's reason reworded for a person: no field names, no English values. */
  function plain(input, message) {
    var label = labelOf(input);
    var choice = input && (input.tagName === "SELECT" || input.tagName === "FIELDSET");
    if (choice && /^(取值应为以下之一|此项为必填项|此项不能为空|长度应在 1 到)/.test(message)) {
      return "请选择" + label;
    }
    if (/^(此项为必填项|此项不能为空)$/.test(message)) return "请填写" + label;
    var len = message.match(/^长度应在 (\d+) 到 (\d+) 个字符之间$/);
    if (len && input && "value" in input) {
      var n = input.value.trim().length;
      if (n < +len[1]) return label + "至少 " + len[1] + " 个字，现在 " + n + " 个字";
      return label + "最多 " + len[2] + " 个字，现在 " + n + " 个字";
    }
    return message.replace(/\b[a-z]+(?:_[a-z]+)*\b/g, function (word) {
      return ENUMS[word] || word;
    }).replace(/^取值应为以下之一：/, "请从以下选择：");
  }

  /* A refusal of the API as errors of the form's fields: ``map`` names the control of each
   * field of the request (both details.fields and a single details.field). */
  function serverErrors(e, map) {
    var out = [];
    var fields = e.details && e.details.fields;
    if (fields) {
      Object.keys(fields).forEach(function (name) {
        var input = map[name] || null;
        var msg = fields[name];
        while (msg && typeof msg === "object" && !Array.isArray(msg)) {
          msg = msg[Object.keys(msg)[0]];
        }
        msg = Array.isArray(msg) ? msg[0] : String(msg);
        out.push({ input: input, message: input ? plain(input, msg) : msg });
      });
    } else if (e.details && e.details.field && map[e.details.field]) {
      out.push({ input: map[e.details.field], message: e.message });
    } else {
      out.push({ input: null, message: e.message });
    }
    return out;
  }

  // -- what is typed is kept --------------------------------------------------------------
  function values(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.type === "file" || el.type === "submit" || el.type === "button") return;
      if (el.type === "radio") { if (el.checked) out["radio:" + el.name] = el.value; return; }
      if (!el.id) return;
      out[el.id] = el.type === "checkbox" ? el.checked : el.value;
    });
    return out;
  }

  var drafts = {
    load: function (name) {
      try { return JSON.parse(sessionStorage.getItem(KEY.draft + name) || "null"); }
      catch (e) { return null; }
    },
    save: function (form, name) {
      sessionStorage.setItem(KEY.draft + name, JSON.stringify(values(form)));
    },
    clear: function (name) { sessionStorage.removeItem(KEY.draft + name); },
    clearAll: function () {
      Object.keys(sessionStorage).forEach(function (k) {
        if (k.indexOf(KEY.draft) === 0 || k === KEY.submitted) sessionStorage.removeItem(k);
      });
    },
    /* Keep ``form``'s values under ``name`` as they are typed, and put back what was kept
     * (controls whose options are not there yet are left to the caller: returned). */
    keep: function (form, name) {
      form.setAttribute("data-draft", name);
      var save = function () { drafts.save(form, name); };
      form.addEventListener("input", save);
      form.addEventListener("change", save);
      var saved = drafts.load(name);
      if (saved) drafts.restore(form, saved);
      return saved;
    },
    restore: function (form, saved) {
      Object.keys(saved).forEach(function (key) {
        if (key.indexOf("radio:") === 0) {
          var radio = form.querySelector("input[name='" + key.slice(6) + "'][value='" + saved[key] + "']");
          if (radio) { radio.checked = true; radio.dispatchEvent(new Event("change", { bubbles: true })); }
          return;
        }
        var el = form.querySelector("#" + key);
        if (!el) return;
        if (el.type === "checkbox") el.checked = !!saved[key];
        else if (el.tagName !== "SELECT" || el.querySelector("option[value='" + saved[key] + "']")) {
          el.value = saved[key];
          el.dispatchEvent(new Event("input", { bubbles: true }));
        }
      });
    }
  };

  // -- the login session ----------------------------------------------------------------
  var session = {
    /* ``typed``: the phone number as typed, kept in this tab until 退出 so that logging in
     * again after an expiry needs only a new code. */
    start: function (r, typed) {
      sessionStorage.setItem(KEY.token, r.token);
      if (typed) sessionStorage.setItem(KEY.login, typed);
      sessionStorage.setItem(KEY.phone, r.phone);
      if (r.expires_at) sessionStorage.setItem(KEY.expires, r.expires_at);
    },
    end: function () {
      [KEY.token, KEY.phone, KEY.expires, KEY.back, KEY.login].forEach(function (k) {
        sessionStorage.removeItem(k);
      });
      drafts.clearAll();
    },
    expiresAt: function () {
      var v = sessionStorage.getItem(KEY.expires);
      return v ? Date.parse(v) : null;
    },
    /* Where to go after logging in again: the screen the form was on. */
    backTo: function () {
      var back = sessionStorage.getItem(KEY.back);
      sessionStorage.removeItem(KEY.back);
      return back && back.indexOf("#/login") !== 0 ? back : "#/orders";
    },
    /* Log in again without losing what was typed: the drafts stay, the token goes. */
    relogin: function (text) {
      sessionStorage.setItem(KEY.back, location.hash || "#/orders");
      [KEY.token, KEY.expires].forEach(function (k) { sessionStorage.removeItem(k); });
      toast(text || "请重新登录。您填写的内容已保存在本机，登录后回到原来的页面继续。",
        { next: true });
      location.hash = "#/login";
    },
    expired: function () {
      session.relogin("登录已过期，请重新登录。您填写的内容已保存在本机，登录后回到原来的页面继续。");
    },
    /* While a form is open: warn before the login expires, offer to log in again. */
    check: function () {
      var old = document.getElementById("session-warning");
      var form = view.querySelector("form[data-draft]");
      var at = session.expiresAt();
      if (!token() || !at || !form) { if (old) old.parentNode.removeChild(old); return; }
      var left = Math.round((at - Date.now()) / 1000);
      if (left > WARN_SECONDS) { if (old) old.parentNode.removeChild(old); return; }
      var text = left > 0
        ? "登录将在 " + clock(at) + " 到期（约 " + Math.max(1, Math.ceil(left / 60)) + " 分钟后）。" +
          "您填写的内容会自动保存在本机；到期前后都可以重新登录，回来继续填写。"
        : "登录已到期。您填写的内容已保存在本机，请重新登录后再提交。";
      var box = old || h("div", { id: "session-warning", "class": "session-warning", role: "status" },
        h("p", { id: "session-text" }),
        h("button", { type: "button", "class": "ghost", id: "relogin", text: "重新登录，保留已填内容",
          on: { click: function () { session.relogin(); } } }));
      box.querySelector("#session-text").textContent = text;
      var submit = form.querySelector("button[type=submit]");
      if (!submit) form.appendChild(box);
      else if (box.nextSibling !== submit) submit.parentNode.insertBefore(box, submit);
    },
    /* The expiry of a token from before this page kept it (a reload of an old tab). */
    learn: function () {
      if (!token() || session.expiresAt()) return;
      api("GET", "/me").then(function (me) {
        if (me && me.expires_at) sessionStorage.setItem(KEY.expires, me.expires_at);
        session.check();
      }).catch(function () { /* a 401 already sent the page to the login */ });
    }
  };
  setInterval(session.check, 15000);

  // Hooks for the screens (app.js, messages.js, actions.js): routes they add, blocks they
  // add to an order's detail, to a timeline entry (photos) and to the submission form.
  window.YG = {
    h: h, append: append, show: show, loading: loading, toast: toast, hideToast: hideToast,
    api: api, token: token, loadOptions: loadOptions, fmtTime: fmtTime, fmtSpan: fmtSpan,
    kv: kv, tel: tel, field: field, choiceGroup: choiceGroup, setError: setError,
    clearErrors: clearErrors, report: report, plain: plain, serverErrors: serverErrors,
    drafts: drafts, session: session, elder: elder, setElder: setElder, more: more,
    KEY: KEY, view: view, routes: [], extras: [], entryExtras: [], submitExtras: []
  };
})();
