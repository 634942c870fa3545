/* 阳光办理 H5: 长辈版 (large text) is remembered on the device; this runs in <head>, before
 * the page is drawn, so that the page never flashes in the small size first. */
(function () {
  "use strict";
  try {
    var on = window.localStorage.getItem("yg-elder") === "1";
    if (on) document.documentElement.classList.add("elder");
    // The server's error pages run no script: they read the same choice from a cookie.
    if (document.cookie.indexOf("yg-elder=" + (on ? "1" : "0")) < 0 && (on || document.cookie.indexOf("yg-elder=1") >= 0)) {
      document.cookie = "yg-elder=" + (on ? "1" : "0") + "; path=/m; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* storage refused (private mode): the standard page */ }
})();
