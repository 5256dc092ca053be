// The sign-in pages' script (served without a session). On a login link's page it sends the
// form at once (a chat's link preview, which runs no script, never spends the link). Opened as
// a Telegram Mini App it hands Telegram's signed initData to the desk, then opens the dashboard.
// Its texts come with the page, in the page's language (data-signing, data-refused), and the
// desk answers in that language too.
"use strict";
(function () {
  const form = document.getElementById("login");
  if (form) {
    form.submit();
    return;
  }
  const hash = new URLSearchParams(window.location.hash.slice(1));
  const initData = hash.get("tgWebAppData");
  if (!initData) return;
  const status = document.getElementById("miniapp-status");
  const language = document.documentElement.lang || "en";
  if (status) status.textContent = status.dataset.signing || "Signing in through Telegram…";
  fetch("/ui/api/miniapp", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Dashboard-Language": language },
    credentials: "same-origin",
    body: JSON.stringify({ init_data: initData }),
  }).then(async (response) => {
    if (response.ok) {
      window.location.replace("/ui/");
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (status) status.textContent = body.error || status.dataset.refused || "Telegram's sign-in was refused.";
  });
})();
