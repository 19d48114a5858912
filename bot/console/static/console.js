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

  // A refused form: the error summary takes the focus (autofocus does it too, where the browser honours it), and
  // each of its links moves the focus into the field it names, not only the scroll position.
  var summary = document.getElementById("error-summary");
  if (summary) {
    if (document.activeElement !== summary) {
      summary.focus();
    }
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
      if (!target) {
        return;
      }
      var control = target.matches("input, select, textarea, button") ? target :
        target.querySelector("input:not([type=hidden]):not([tabindex='-1']), select, textarea");
      if (control) {
        event.preventDefault();
        var details = control.closest("details");
        if (details) {
          details.open = true;
        }
        target.scrollIntoView({ block: "start" });
        control.focus();
      }
    });
  }

  document.querySelectorAll("[data-district-picker]").forEach(enhanceDistrictPicker);

  // The masthead's menu is open on a wide screen; on a phone it stays folded until the officer opens it.
  var menu = document.querySelector(".masthead-menu");
  var wide = window.matchMedia("(min-width: 48.01rem)");
  if (menu) {
    menu.open = wide.matches;
    wide.addEventListener("change", function () { menu.open = wide.matches; });
  }

  // The preview grid's language switcher: the link of the language shown is marked as the current one.
  var switcher = document.querySelector(".lang-switch");
  if (switcher) {
    var markShown = function () {
      switcher.querySelectorAll("a").forEach(function (link) {
        var shown = link.getAttribute("href") === window.location.hash;
        if (shown) {
          link.setAttribute("aria-current", "true");
        } else {
          link.removeAttribute("aria-current");
        }
      });
    };
    window.addEventListener("hashchange", markShown);
    markShown();
  }

  // Live figures refresh themselves, with a pause button (WCAG 2.2.2): the delivery page every two seconds while
  // the notice is sending, the check-in page every 30 s. Without JavaScript each page has a Refresh link.
  function refreshLive(live, url, everyMs, finished) {
    var paused = false;
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.textContent = live.getAttribute("data-pause-label") || "Pause updates";
    toggle.setAttribute("aria-pressed", "false");
    toggle.addEventListener("click", function () {
      paused = !paused;
      toggle.setAttribute("aria-pressed", paused ? "true" : "false");
    });
    live.parentNode.insertBefore(toggle, live);
    var timer = window.setInterval(function () {
      if (paused) {
        return;
      }
      fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) {
            return;
          }
          live.innerHTML = html;
          if (finished(live)) {
            window.clearInterval(timer);
            toggle.remove();
          }
        });
    }, everyMs);
  }

  var delivery = document.getElementById("delivery-live");
  if (delivery && delivery.getAttribute("data-refresh-while") === "yes") {
    refreshLive(delivery, delivery.getAttribute("data-refresh-url"), 2000, function (live) {
      var outstanding = live.querySelector("[data-outstanding]");
      return outstanding !== null && outstanding.getAttribute("data-outstanding") === "0";
    });
  }
  document.querySelectorAll("[data-live-refresh]").forEach(function (live) {
    var every = parseInt(live.getAttribute("data-refresh-ms"), 10) || 30000;
    refreshLive(live, live.getAttribute("data-live-refresh"), every, function () { return false; });
  });

  // The district picker (bot/console/district_picker.py): the filter box, tri-state area boxes, one Tab stop per
  // area with the arrow keys inside it (a roving tabindex), and map tiles that tick their district.
  function fold(text) {
    // As messages.district_map.fold: the page's data-search holds names folded the same way.
    return text.normalize("NFKC").toLowerCase().replace(/[\s'\u2019\-\u2013\u2014.,()\uff08\uff09|]+/g, "")
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "").normalize("NFC").replace(/\u0111/g, "d");
  }

  function enhanceDistrictPicker(picker) {
    var wholeCity = picker.querySelector("[data-whole-city]");
    var areas = Array.prototype.slice.call(picker.querySelectorAll(".district-area"));
    var filterBox = picker.querySelector(".district-filter");
    var filter = picker.querySelector("[data-district-filter]");
    var count = filterBox.querySelector(".filter-count");
    var map = picker.querySelector("svg.district-map");

    function members(area) {
      return Array.prototype.slice.call(area.querySelectorAll(".district-option input"));
    }
    function items(area) {  // what the arrow keys move through: the area's box, then its shown districts
      return [area.querySelector(".area-toggle")].concat(members(area).filter(function (box) {
        return !box.closest(".district-option").hidden;
      }));
    }
    function rove(area, current) {
      items(area).forEach(function (item) { item.tabIndex = item === current ? 0 : -1; });
      members(area).forEach(function (box) { if (box !== current) { box.tabIndex = -1; } });
    }
    function sync() {
      areas.forEach(function (area) {
        var boxes = members(area);
        var ticked = boxes.filter(function (box) { return box.checked; }).length;
        var toggle = area.querySelector(".area-toggle");
        toggle.checked = ticked === boxes.length;
        toggle.indeterminate = ticked > 0 && ticked < boxes.length;
        boxes.forEach(function (box) {
          var tile = map && map.querySelector('.tile[data-district="' + box.value + '"]');
          if (tile) {
            tile.classList.toggle("marked", box.checked || wholeCity.checked);
          }
        });
      });
    }

    areas.forEach(function (area) {
      var toggle = area.querySelector(".area-toggle");
      toggle.removeAttribute("name");  // with the script, the district boxes alone say what is chosen
      toggle.addEventListener("change", function () {
        members(area).forEach(function (box) { box.checked = toggle.checked; });
        sync();
      });
      area.addEventListener("focusin", function (event) {
        if (event.target.matches("input[type=checkbox]")) {
          rove(area, event.target);
        }
      });
      area.addEventListener("keydown", function (event) {
        var list = items(area);
        var at = list.indexOf(document.activeElement);
        if (at < 0) {
          return;
        }
        var next = {ArrowDown: at + 1, ArrowRight: at + 1, ArrowUp: at - 1, ArrowLeft: at - 1,
                    Home: 0, End: list.length - 1}[event.key];
        if (next === undefined) {
          return;
        }
        event.preventDefault();
        list[(next + list.length) % list.length].focus();
      });
      rove(area, toggle);
    });
    picker.addEventListener("change", sync);

    filterBox.hidden = false;
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();  // Enter in the filter box must not send the form
      }
    });
    filter.addEventListener("input", function () {
      var query = fold(filter.value);
      var shown = 0;
      areas.forEach(function (area) {
        var any = false;
        members(area).forEach(function (box) {
          var option = box.closest(".district-option");
          var match = !query || option.getAttribute("data-search").split("|").some(function (name) {
            return name.indexOf(query) >= 0;
          });
          option.hidden = !match;
          any = any || match;
          shown += match ? 1 : 0;
        });
        area.hidden = !any;
        var current = items(area).filter(function (item) { return item.tabIndex === 0; })[0];
        rove(area, current || area.querySelector(".area-toggle"));
      });
      count.textContent = query ? filterBox.getAttribute("data-filter-count").replace("{count}", shown) : "";
    });

    if (map) {
      map.addEventListener("click", function (event) {
        var tile = event.target.closest(".tile[data-district]");
        var box = tile && picker.querySelector('.district-option input[value="' + tile.getAttribute("data-district") + '"]');
        if (box) {
          box.checked = !box.checked;
          sync();
        }
      });
    }
    sync();
  }
})();
