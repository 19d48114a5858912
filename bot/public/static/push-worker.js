/* civicast's service worker: shows each pushed notice as a notification, in the language the browser subscribed
   in (the server writes the text), and opens the notice's public page when it is tapped. A later push with the
   same tag replaces the notification instead of adding another. */
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function pushed(event) {
  if (!event.data) {
    return {};
  }
  try {
    return event.data.json();
  } catch (error) {
    return { body: event.data.text() };
  }
}

self.addEventListener("push", function (event) {
  var notice = pushed(event);
  var options = {
    body: notice.body || "",
    icon: notice.icon || "/public/static/push-icon.png",
    badge: notice.icon || "/public/static/push-icon.png",
    tag: notice.tag || "civicast",
    renotify: false,
    lang: notice.lang || "",
    dir: notice.dir || "auto",
    requireInteraction: notice.severity === "Extreme",
    data: { url: notice.url || "/notices", noticeId: notice.notice_id || null, training: !!notice.training }
  };
  event.waitUntil(self.registration.showNotification(notice.title || "", options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/notices";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i += 1) {
        if (windows[i].url === url && "focus" in windows[i]) {
          return windows[i].focus();
        }
      }
      return self.clients.openWindow(url);
    })
  );
});
