/* Alerts in this browser: registers the service worker (/push/worker.js), subscribes through the browser's push
   service with the city's key and sends the subscription, with the chosen language, topics and districts, to
   /push/subscriptions. Without this script, or in a browser without Web Push, the form says what alerts need. */
(function () {
  "use strict";
  var form = document.getElementById("push-form");
  if (!form) {
    return;
  }
  var note = form.querySelector(".push-note");
  var status = form.querySelector(".push-status");
  var on = form.querySelector("button[type=submit]");
  var off = form.querySelector(".push-off");

  function say(key) {
    status.textContent = form.dataset[key] || "";
  }

  if (!("serviceWorker" in navigator && "PushManager" in window && "Notification" in window)) {
    note.textContent = form.dataset.unsupported;
    return;
  }
  note.hidden = true;
  on.disabled = false;

  function keyBytes(base64url) {
    var base64 = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function chosen(name) {
    return Array.prototype.map.call(form.querySelectorAll("input[name=" + name + "]:checked"), function (input) {
      return input.value;
    });
  }

  // The worker's scope is /push/, not this page: wait for it to be active rather than for navigator.serviceWorker.ready.
  function activeRegistration() {
    return navigator.serviceWorker.register(form.dataset.worker).then(function (registration) {
      if (registration.active) {
        return registration;
      }
      var worker = registration.installing || registration.waiting;
      return new Promise(function (resolve) {
        worker.addEventListener("statechange", function () {
          if (worker.state === "activated") {
            resolve(registration);
          }
        });
      });
    });
  }

  function send(method, body) {
    return fetch(form.dataset.subscribe, {
      method: method,
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("refused: " + response.status);
      }
      return response;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var topics = chosen("topic");
    if (!topics.length) {
      say("chooseTopic");
      return;
    }
    on.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        throw new Error("denied");
      }
      return activeRegistration();
    }).then(function (registration) {
      return registration.pushManager.getSubscription().then(function (existing) {
        return existing || registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(form.dataset.key)
        });
      });
    }).then(function (subscription) {
      return send("POST", {
        subscription: subscription.toJSON(),
        language: form.dataset.language,
        topics: topics,
        districts: chosen("district")
      });
    }).then(function () {
      say("done");
      off.hidden = false;
    }).catch(function (error) {
      say(error && error.message === "denied" ? "denied" : "failed");
    }).then(function () {
      on.disabled = false;
    });
  });

  off.addEventListener("click", function () {
    off.disabled = true;
    navigator.serviceWorker.getRegistration(form.dataset.worker).then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    }).then(function (subscription) {
      if (!subscription) {
        return null;
      }
      return send("DELETE", { endpoint: subscription.endpoint }).then(function () {
        return subscription.unsubscribe();
      });
    }).then(function () {
      say("off");
      off.hidden = true;
    }).catch(function () {
      say("failed");
    }).then(function () {
      off.disabled = false;
    });
  });

  // Already subscribed in this browser: offer to turn alerts off.
  navigator.serviceWorker.getRegistration(form.dataset.worker).then(function (registration) {
    return registration ? registration.pushManager.getSubscription() : null;
  }).then(function (subscription) {
    off.hidden = !subscription;
  }).catch(function () {});
})();
