// Offline field work on every page of a logged-in user: registers the service worker, asks the browser
// to keep our storage, sends the outbox when the connection returns, shows what waits to be sent,
// warns before a logout that would leave entries behind, keeps checklists on the tablet ("download"),
// and draws the offline page. Every page works without it (no JavaScript, or no IndexedDB).
/* global KiemtraOutbox */
(function () {
  "use strict";
  var body = document.body;
  var owner = Number(body.dataset.user) || null;
  var bar = document.getElementById("outbox-status");
  var offlinePage = document.getElementById("offline-page");
  var holder = bar || offlinePage;
  if (!holder || !window.KiemtraOutbox || !window.indexedDB) return;
  var messages = JSON.parse(holder.dataset.messages);
  var SESSION_URL = "/offline/session";

  function format(message, values) {
    return message.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }
  function plural(forms, n) { return format(forms[n === 1 ? 0 : 1], {n: n}); }
  function clock(ms) {
    return new Date(ms).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "vi-VN",
      {hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric"});
  }

  // --- the worker and persistent storage -----------------------------------------------------------
  if ("serviceWorker" in navigator && body.dataset.worker) {
    navigator.serviceWorker.register(body.dataset.worker, {scope: "/"}).catch(function () { /* http: no worker */ });
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persisted().then(function (kept) { return kept || navigator.storage.persist(); });
    }
  }
  // A checklist opened before the worker was in charge of the page is kept now, not at the next visit.
  if ("serviceWorker" in navigator && !navigator.serviceWorker.controller && document.getElementById("checklist")) {
    navigator.serviceWorker.ready.then(function () { return keep([location.pathname]); })
      .catch(function () { /* kept at the next visit */ });
  }
  // The active worker, or null: never waits for one that may never come (no HTTPS, no registration).
  function worker() {
    if (!("serviceWorker" in navigator)) return Promise.resolve(null);
    return navigator.serviceWorker.getRegistration().then(function (registration) {
      return registration ? registration.active : null;
    });
  }
  function within(ms, promise) {
    return Promise.race([promise, new Promise(function (resolve) { setTimeout(resolve, ms); })]);
  }
  function ask(message) {  // a message to the worker and its answer
    return worker().then(function (active) {
      if (!active) throw new Error("no worker");
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data); };
        active.postMessage(message, [channel.port2]);
      });
    });
  }

  // --- the outbox's bar ---------------------------------------------------------------------------
  var stopped = null;
  function refresh() {
    if (!owner || !bar) return Promise.resolve();
    return Promise.all([KiemtraOutbox.counts(owner), KiemtraOutbox.getMeta("lastSync:" + owner)]).then(function (r) {
      var counts = r[0], last = r[1], parts = [];
      if (counts.answers) parts.push(plural(messages.answers, counts.answers));
      if (counts.files) parts.push(plural(messages.files, counts.files));
      bar.hidden = !parts.length && !counts.stuck;
      bar.querySelector(".outbox-count").textContent = parts.length
        ? parts.join(", ") + " " + messages.waiting + (stopped === "login" ? ". " + messages.needLogin : "")
        : "";
      bar.querySelector(".outbox-last").textContent = last ? format(messages.lastSync, {time: clock(last)}) : "";
      document.dispatchEvent(new CustomEvent("outbox:counted", {detail: counts}));
    });
  }

  function csrfOfPage() {
    try { return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return null; }
  }

  var sending = null, again = false;
  // Send what waits, one flush at a time; a request while one runs sends again after it.
  function send() {
    if (!owner) return Promise.resolve();
    if (sending) { again = true; return sending; }
    sending = KiemtraOutbox.flush({
      owner: owner, csrf: csrfOfPage(), sessionUrl: SESSION_URL,
      onReply: function (entry, status, html) {
        return window.KiemtraChecklist ? window.KiemtraChecklist.apply(entry, status, html) : false;
      }
    }).then(function (result) {
      stopped = result.stopped || null;
      if (stopped) syncLater();
      document.dispatchEvent(new CustomEvent("outbox:sent", {detail: result}));
    }, function () { stopped = "offline"; }).then(refresh).then(function () {
      sending = null;
      if (again) { again = false; return send(); }
    });
    return sending;
  }

  // Background Sync sends from the worker even after the tab is closed (Chromium); elsewhere the
  // page's own triggers below do it.
  function syncLater() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.getRegistration().then(function (registration) {
      if (registration && registration.sync) return registration.sync.register("outbox");
    }).catch(function () { /* no Background Sync here */ });
  }

  // Keep these pages on the tablet now (the worker fetches and stores them).
  function keep(urls) { return ask({type: "download", urls: urls}); }

  window.KiemtraOffline = {owner: owner, messages: messages, send: send, refresh: refresh, format: format,
                           keep: keep};

  if (owner) {
    KiemtraOutbox.setMeta("owner", owner);
    window.addEventListener("online", send);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") send(); });
    setInterval(function () { if (stopped) send(); }, 20000);
    refresh().then(send);
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "outbox-reply" && window.KiemtraChecklist) {
        window.KiemtraChecklist.apply(data.entry, data.status, data.html);
      }
      if (data.type === "outbox-changed" || data.type === "outbox-reply") refresh();
      if (data.meta === "workbox-broadcast-update" && data.payload &&
          new URL(data.payload.updatedURL).pathname === location.pathname) {
        document.dispatchEvent(new CustomEvent("offline:newer"));
      }
    });
  }

  // --- logging out keeps the queue for its owner, and drops the user's pages ------------------------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form.logout") || form.dataset.confirmed) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    KiemtraOutbox.counts(owner).then(function (counts) {
      var waiting = counts.answers + counts.files + counts.stuck;
      if (waiting && !window.confirm(format(messages.logout, {n: waiting}))) return;
      return within(3000, Promise.all([
        ask({type: "drop"}).catch(function () { return caches.delete("pages"); }),
        KiemtraOutbox.setMeta("owner", null)
      ])).catch(function () { /* logging out matters more */ }).then(function () {
        form.dataset.confirmed = "1";
        form.submit();
      });
    });
  }, true);

  // --- "download for offline work" on the inspections list ----------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#offline-download");
    if (!button) return;
    var status = document.getElementById("offline-download-status");
    status.textContent = messages.downloading;
    button.disabled = true;
    ask({type: "download", urls: JSON.parse(button.dataset.urls)}).then(function (result) {
      status.textContent = result.stored ? format(messages.downloaded, {n: result.stored}) : messages.downloadFailed;
    }, function () { status.textContent = messages.downloadFailed; }).then(function () { button.disabled = false; });
  });

  // --- the offline page: what this tablet keeps and what waits ------------------------------------
  function drawOfflinePage() {
    var pagesList = document.getElementById("offline-pages");
    var rows = document.querySelector("#offline-queue tbody");
    KiemtraOutbox.getMeta("owner").then(function (tabletOwner) {
      owner = owner || tabletOwner || null;
      return Promise.all([window.caches ? caches.open("pages") : null, owner ? KiemtraOutbox.list(owner) : []]);
    }).then(function (r) {
      var cache = r[0], entries = r[1];
      rows.replaceChildren();
      entries.forEach(function (entry) {
        var row = rows.insertRow();
        row.insertCell().textContent = entry.code || "#" + entry.item;
        row.insertCell().textContent = entry.kind === "upload" ? messages.file + " (" + entry.files.length + ")" : messages.answer;
        row.insertCell().textContent = clock(entry.savedAt);
        row.insertCell().textContent = entry.state === "refused" ? format(messages.refused, {message: entry.message})
          : entry.state === "reply" ? messages.stateReply : messages.stateWaiting;
        var action = row.insertCell();
        if (entry.state === "refused") {
          var remove = document.createElement("button");
          remove.type = "button";
          remove.className = "button danger";
          remove.textContent = messages.remove;
          remove.addEventListener("click", function () {
            if (window.confirm(messages.discard)) KiemtraOutbox.remove(entry.seq).then(drawOfflinePage);
          });
          action.append(remove);
        }
      });
      if (!entries.length) rows.insertRow().insertCell().textContent = messages.noQueue;
      if (!cache) return;
      return cache.keys().then(function (requests) {
        var checklists = requests.filter(function (request) { return /\/checklist$/.test(new URL(request.url).pathname); });
        return Promise.all(checklists.map(function (request) { return cache.match(request); })).then(function (responses) {
          pagesList.replaceChildren();
          responses.forEach(function (response, i) {
            var li = document.createElement("li"), link = document.createElement("a");
            link.href = new URL(checklists[i].url).pathname;
            // The page's title without the site's name: "Bộ tiêu chí · <inspection>".
            link.textContent = decodeURIComponent(response.headers.get("X-Title") || "").replace(/ · Kiểm Tra$/, "") ||
              link.href;
            var when = document.createElement("span");
            when.className = "muted";
            when.textContent = " · " + format(messages.storedAt, {time: clock(Number(response.headers.get("X-Stored-At")))});
            li.append(link, when);
            pagesList.append(li);
          });
          if (!responses.length) {
            var empty = document.createElement("li");
            empty.textContent = messages.noPages;
            pagesList.append(empty);
          }
        });
      });
    }).catch(function () {
      var unavailable = document.getElementById("offline-unavailable");
      unavailable.textContent = messages.noStorage;
      unavailable.hidden = false;
    });
  }
  if (offlinePage) {
    drawOfflinePage();
    document.getElementById("offline-send").addEventListener("click", function () { send().then(drawOfflinePage); });
    document.addEventListener("outbox:sent", drawOfflinePage);
  }
})();
