/* 阳光办理 H5: the 消息 tab — progress notifications (the in-app inbox), the unread count on
 * the tab, notification settings — and following an order merged from a repeat request.
 * Uses the helpers app.js exposes as window.YG; no inline script, text inserted as text. */
(function () {
  "use strict";

  var YG = window.YG;
  if (!YG) return;
  var h = YG.h, api = YG.api;
  var POLL_MS = 10000; // the unread count refreshes this often while the page is visible
  var PER_PAGE = 20;
  var badge = document.getElementById("unread-count");

  // -- the unread count on the tab ---------------------------------------------------------
  function showUnread(n) {
    if (!badge) return;
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = !n;
  }

  function refreshUnread() {
    if (!YG.token()) { showUnread(0); return; }
    if (document.hidden) return;
    api("GET", "/me/messages?per_page=1").then(function (r) { showUnread(r.unread); })
      .catch(function () {});
  }

  // -- the inbox -----------------------------------------------------------------------------
  function messageCard(m, onOpen) {
    var card = h("div", { "class": "card msg" + (m.read_at ? "" : " new"), "data-message": m.id },
      h("div", { "class": "t-head" },
        h("b", { text: m.title }), h("time", { text: YG.fmtTime(m.created_at) })),
      h("p", { text: m.body || "" }),
      h("div", { "class": "meta" },
        h("span", { text: m.kind_label + (m.following ? " · 关注的工单" : "") }),
        h("a", { href: "#/order/" + m.order_no, text: "查看工单 " + m.order_no,
          on: { click: function () { onOpen(m); } } })));
    return card;
  }

  function messagesScreen() {
    if (!YG.token()) { location.hash = "#/login"; return; }
    YG.setChrome("messages");
    var list = h("div", { id: "message-list" });
    var more = h("button", { type: "button", "class": "ghost", id: "more-messages", hidden: true,
      text: "加载更多" });
    var allRead = h("button", { type: "button", "class": "ghost", id: "read-all",
      text: "全部标为已读" });
    var page = 1;

    function markRead(ids) {
      var body = ids ? { ids: ids } : { all: true };
      return api("POST", "/me/messages/read", body).then(function (r) {
        showUnread(r.unread);
        return r;
      });
    }

    function load() {
      api("GET", "/me/messages?per_page=" + PER_PAGE + "&page=" + page).then(function (r) {
        showUnread(r.unread);
        allRead.hidden = !r.unread;
        if (page === 1 && !r.items.length) {
          list.appendChild(h("p", { "class": "card muted", id: "no-messages",
            text: "暂无消息。工单有新进展时会通知您。" }));
        }
        r.items.forEach(function (m) {
          list.appendChild(messageCard(m, function () { if (!m.read_at) markRead([m.id]); }));
        });
        more.hidden = r.page * r.per_page >= r.total;
      }).catch(function (e) { YG.toast(e.message, { error: true }); });
    }

    allRead.addEventListener("click", function () {
      markRead(null).then(function (r) {
        YG.toast(r.marked ? "已将 " + r.marked + " 条消息标为已读" : "没有未读消息", { near: allRead });
        Array.prototype.forEach.call(list.querySelectorAll(".msg.new"), function (el) {
          el.classList.remove("new");
        });
        allRead.hidden = true;
      }).catch(function (e) { YG.toast(e.message, { near: allRead, error: true }); });
    });
    more.addEventListener("click", function () { page += 1; load(); });
    YG.show(
      h("div", { "class": "head" }, h("h1", { text: "消息" }),
        h("a", { href: "#/messages/settings", id: "message-settings", text: "消息设置" })),
      allRead, list, more);
    load();
  }

  // -- settings ------------------------------------------------------------------------------
  function toggle(id, label, checked, hint) {
    return h("label", { "class": "toggle" },
      h("span", {}, label, hint ? h("small", { "class": "hint", text: hint }) : null),
      h("input", { type: "checkbox", id: id, checked: checked }));
  }

  function settingsScreen() {
    if (!YG.token()) { location.hash = "#/login"; return; }
    YG.setChrome("messages");
    YG.show(YG.loading());
    api("GET", "/me/preferences").then(function (p) {
      var quiet = p.quiet_hours[0] === p.quiet_hours[1] ? "" :
        "晚 " + p.quiet_hours[0] + " 点至早 " + p.quiet_hours[1] + " 点不发短信（紧急工单除外），早上补发";
      var kinds = Object.keys(p.kinds);
      var form = h("form", { "class": "card", id: "settings-form" },
        h("h1", { text: "消息设置" }),
        h("h2", { text: "推送渠道" }),
        h("p", { "class": "muted small", text: "站内消息始终保留；下面的设置决定是否同时推送。" }),
        toggle("pref-wechat", "微信订阅消息", p.wechat,
          p.wechat_bound ? "已绑定微信；需在小程序中允许订阅" : "在微信小程序中登录并允许订阅后可用"),
        toggle("pref-sms", "短信", p.sms, quiet),
        h("h2", { text: "推送哪些进展" }),
        kinds.map(function (k) { return toggle("kind-" + k, p.labels[k] || k, p.kinds[k]); }),
        h("button", { type: "submit", id: "save-settings", text: "保存" }));
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var data = { wechat: form.querySelector("#pref-wechat").checked,
          sms: form.querySelector("#pref-sms").checked, kinds: {} };
        kinds.forEach(function (k) { data.kinds[k] = form.querySelector("#kind-" + k).checked; });
        var save = form.querySelector("#save-settings");
        api("PUT", "/me/preferences", data).then(function () {
          YG.toast("消息设置已保存", { near: save });
        }).catch(function (e) { YG.toast(e.message, { near: save, error: true }); });
      });
      YG.show(form, h("a", { "class": "button ghost back", href: "#/messages", text: "返回消息" }));
    }).catch(function (e) { YG.toast(e.message, { error: true }); });
  }

  // -- following an order (a repeat request merged into it) ---------------------------------
  YG.extras.push(function (o) {
    if (!o.following) return null;
    var stop = h("button", { type: "button", "class": "ghost", id: "unfollow", text: "取消关注" });
    stop.addEventListener("click", function () {
      api("DELETE", "/orders/" + encodeURIComponent(o.order_no) + "/follow").then(function () {
        YG.toast("已取消关注", { next: true });
        location.hash = "#/orders";
      }).catch(function (e) { YG.toast(e.message, { near: stop, error: true }); });
    });
    return h("div", { "class": "card following", id: "following" },
      h("h2", { text: "关注的工单" }),
      h("p", { "class": "muted small",
        text: "您提交的相同诉求已并入此工单合并办理。您会收到它的进度通知；评价由首位诉求人进行。" }),
      stop);
  });

  YG.routes.push({ pattern: /^#\/messages\/settings$/, screen: settingsScreen });
  YG.routes.push({ pattern: /^#\/messages$/, screen: messagesScreen });
  window.addEventListener("hashchange", refreshUnread);
  document.addEventListener("visibilitychange", refreshUnread);
  document.addEventListener("DOMContentLoaded", refreshUnread);
  setInterval(refreshUnread, POLL_MS);
})();
