// The board's start-up requests, sent while the app's WebAssembly downloads rather
// than after it: config.json (through the preload in index.html) and, for a reader
// whose session is already in this tab and who opens the front page, their profile
// and the first page of posts. The app takes them from `window.boardStart`
// (frontend/src/start.rs) and asks again itself for anything missing, refused or
// failed here, so this file only ever saves time. The session's shape and the renewal margin are the app's own
// (`Session` and `EXPIRY_MARGIN_SECS` in frontend/src/auth.rs).
"use strict";
(function () {
  var EXPIRY_MARGIN_SECS = 30;
  var start = (window.boardStart = {});
  // The same request as the preload (CORS mode, same-origin credentials), so the
  // browser answers it from there.
  start.config = fetch("/config.json", { mode: "cors", credentials: "same-origin" });

  if (location.pathname !== "/" || location.search || location.hash) return;
  var session = null;
  try {
    session = JSON.parse(sessionStorage.getItem("board.session"));
  } catch (_) {
    return;
  }
  if (
    !session ||
    typeof session.id_token !== "string" ||
    !(Date.now() / 1000 + EXPIRY_MARGIN_SECS < session.expires_at)
  ) {
    return;
  }
  var apiBase = start.config
    .then(function (response) {
      return response.clone().json();
    })
    .then(function (config) {
      return String(config.api_base).replace(/\/+$/, "");
    });
  function get(path) {
    var answer = apiBase.then(function (base) {
      return fetch(base + path, {
        headers: { Authorization: "Bearer " + session.id_token },
      });
    });
    // The app may never take it (a config it refuses): no unhandled rejection then.
    answer.catch(function () {});
    return answer;
  }
  // What the app's own calls would send: the same URLs, the same token.
  start.token = session.id_token;
  start.me = get("/me");
  start.firstPage = get("/posts");
})();
