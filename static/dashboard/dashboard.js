// The countdown to respond_by ticks here, once a second, from the ISO timestamp the server
// wrote; the server's text is what shows without JavaScript. A missed deadline says "missed"
// in words and turns the row red.
(function () {
  "use strict";
  // Tell the server the browser's zone, for viewers without a Person of their own.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) document.cookie = "tz=" + encodeURIComponent(zone) + ";path=/;max-age=31536000;samesite=lax";
  } catch (e) { /* an old browser: the server falls back to UTC */ }

  function span(seconds) {
    var s = Math.floor(Math.abs(seconds));
    if (s < 60) return s + " s";
    var m = Math.floor(s / 60), rest = s % 60;
    if (m < 60) return m + " min " + (rest < 10 ? "0" : "") + rest + " s";
    return Math.floor(m / 60) + " h " + (m % 60) + " min";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-respond-by]").forEach(function (el) {
      var left = (Date.parse(el.dataset.respondBy) - now) / 1000;
      var missed = left <= 0;
      el.textContent = missed ? "missed respond-by by " + span(left) : "respond within " + span(left);
      el.classList.toggle("missed", missed);
      var row = el.closest(".event");
      if (row) row.classList.toggle("missed", missed);
    });
  }
  tick();
  setInterval(tick, 1000);
  // After htmx morphs in a new board, tick at once so the server's coarser text never shows.
  document.addEventListener("htmx:afterSettle", tick);

  // The board's poll says which board it shows (the ETag of the last one drawn), and the
  // server answers 204, nothing to swap, while that is still the board it would draw
  // (edrops/dashboard/freshness.py). A board drawn by a button's answer has no ETag: the next
  // poll draws it again.
  var shown = null;
  function isBoard(el) { return el && el.id === "board"; }
  document.addEventListener("htmx:configRequest", function (evt) {
    if (shown && isBoard(evt.detail.elt) && evt.detail.verb === "get") {
      evt.detail.headers["If-None-Match"] = shown;
    }
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var xhr = evt.detail.xhr;
    if (!isBoard(evt.detail.target) || !xhr || xhr.status === 204) return;
    shown = xhr.getResponseHeader("ETag");
  });
})();
