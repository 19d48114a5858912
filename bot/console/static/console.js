// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Ask before the buttons that reach residents or stop a notice.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // The delivery page refreshes its figures every two seconds while the notice is sending, with a pause button.
  var live = document.getElementById("delivery-live");
  if (!live || live.getAttribute("data-refresh-while") !== "yes") {
    return;
  }
  var paused = false;
  var toggle = document.createElement("button");
  toggle.type = "button";
  toggle.textContent = live.getAttribute("data-pause-label") || "Pause updates";
  toggle.addEventListener("click", function () {
    paused = !paused;
    toggle.setAttribute("aria-pressed", paused ? "true" : "false");
  });
  toggle.setAttribute("aria-pressed", "false");
  live.parentNode.insertBefore(toggle, live);
  var timer = window.setInterval(function () {
    if (paused) {
      return;
    }
    fetch(live.getAttribute("data-refresh-url"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) {
          return;
        }
        live.innerHTML = html;
        var summary = live.querySelector("[data-outstanding]");
        if (summary && summary.getAttribute("data-outstanding") === "0") {
          window.clearInterval(timer);
          toggle.remove();
        }
      });
  }, 2000);
})();
