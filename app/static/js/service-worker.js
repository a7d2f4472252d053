// The service worker, loaded by /sw.js (which sets self.KIEMTRA). It keeps what field work needs when
// the signal is gone: the assets (precached by their hashed URLs), the inspector's checklist pages and
// their photo thumbnails (one user's at a time), and our offline page for every other address. It
// also sends the outbox on Background Sync, when no page is open.
/* global KIEMTRA, workbox, KiemtraOutbox */
importScripts(KIEMTRA.workbox + "workbox-sw.js");
workbox.setConfig({modulePathPrefix: KIEMTRA.workbox, debug: false});
importScripts.apply(self, KIEMTRA.libraries);

var PAGES = "pages";  // one user's checklist pages and thumbnails
var CHECKLIST = /^\/inspections\/\d+\/checklist$/;
var THUMBNAIL = /^\/inspections\/evidence\/\d+\/thumb$/;

// Modules are loaded now: a worker may not import scripts after it is installed.
var precaching = workbox.precaching, routing = workbox.routing, strategies = workbox.strategies;
var BroadcastUpdatePlugin = workbox.broadcastUpdate.BroadcastUpdatePlugin;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

precaching.cleanupOutdatedCaches();
precaching.precacheAndRoute(KIEMTRA.precache);

// --- one user's pages ----------------------------------------------------------------------------
// Each page the server sends names its user (X-User). Pages of the last user are kept; a page of
// another user, or a logout, drops them all first.
var pagesOwner;
async function claimPages(user) {
  if (pagesOwner === undefined) pagesOwner = (await KiemtraOutbox.getMeta("pagesOwner")) || null;
  if (!user || user === pagesOwner) return;
  await caches.delete(PAGES);
  pagesOwner = user;
  await KiemtraOutbox.setMeta("pagesOwner", user);
}

async function dropPages() {
  await caches.delete(PAGES);
  pagesOwner = null;
  await KiemtraOutbox.setMeta("pagesOwner", null);
}

// A copy of a page worth keeping (a 200 for a logged-in user), with when it was stored and its title.
async function keepable(response) {
  var user = response && response.status === 200 && response.headers.get("X-User");
  if (!user) return null;
  await claimPages(user);
  var headers = new Headers(response.headers);
  headers.set("X-Stored-At", String(Date.now()));
  var body = await response.clone().blob();
  if ((headers.get("Content-Type") || "").indexOf("text/html") === 0) {
    var title = /<title>([^<]*)<\/title>/.exec(await body.text());
    if (title) headers.set("X-Title", encodeURIComponent(title[1].trim()));
  }
  return new Response(body, {status: response.status, statusText: response.statusText, headers: headers});
}

var keepPages = {cacheWillUpdate: function (params) { return keepable(params.response); }};
// Any page from the network tells who is logged in now: another user's arrival drops the old pages.
var watchUser = {
  fetchDidSucceed: async function (params) {
    await claimPages(params.response.headers.get("X-User"));
    return params.response;
  }
};

// A checklist opens at once from the tablet and is refreshed behind it; the open page hears when
// the server's answers differ from the kept copy (X-Answers-Stamp) and offers the newer one.
routing.registerRoute(function (options) { return CHECKLIST.test(options.url.pathname); },
  new strategies.StaleWhileRevalidate({cacheName: PAGES, plugins: [
    watchUser, keepPages, new BroadcastUpdatePlugin({headersToCheck: ["X-Answers-Stamp"]})
  ]}));

// Photo thumbnails are kept only for the checklists they appear on, never other files.
routing.registerRoute(function (options) {
  var referrer = options.request.referrer ? new URL(options.request.referrer) : null;
  return THUMBNAIL.test(options.url.pathname) && referrer && CHECKLIST.test(referrer.pathname);
}, new strategies.CacheFirst({cacheName: PAGES, plugins: [keepPages]}));

// Logging out drops the user's pages (the outbox stays, for its owner).
routing.registerRoute(function (options) { return KIEMTRA.logouts.indexOf(options.url.pathname) >= 0; },
  async function (options) {
    await dropPages();
    return fetch(options.request);
  }, "POST");

// Every other page comes from the network; without it, from the kept pages or our offline page.
routing.registerRoute(function (options) { return options.request.mode === "navigate"; },
  new strategies.NetworkOnly({plugins: [watchUser]}));

routing.setCatchHandler(async function (options) {
  if (options.request.mode !== "navigate") return Response.error();
  var kept = await caches.match(options.request, {cacheName: PAGES});
  return kept || (await precaching.matchPrecache(KIEMTRA.offlinePage)) || Response.error();
});

// --- messages from pages -------------------------------------------------------------------------
// "download": keep these checklists (and their thumbnails) now; "drop": the user logged out.
async function download(urls) {
  var stored = 0;
  var cache = await caches.open(PAGES);
  for (var i = 0; i < urls.length; i++) {
    try {
      var response = await fetch(urls[i], {credentials: "same-origin", cache: "no-store"});
      var copy = await keepable(response);
      if (!copy) continue;
      cache = await caches.open(PAGES);  // claimPages may have dropped the old one
      var html = await copy.clone().text();
      await cache.put(urls[i], copy);
      stored += 1;
      var thumbnails = html.match(/\/inspections\/evidence\/\d+\/thumb(\?[^"']*)?/g) || [];
      for (var j = 0; j < thumbnails.length; j++) {
        var thumbnail = await fetch(thumbnails[j], {credentials: "same-origin"});
        var kept = await keepable(thumbnail);
        if (kept) await cache.put(thumbnails[j], kept);
      }
    } catch (error) { /* no connection: what was stored stays */ }
  }
  return {stored: stored, total: urls.length};
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "download") {
    event.waitUntil(download(data.urls).then(function (result) { event.ports[0].postMessage(result); }));
  } else if (data.type === "drop") {
    event.waitUntil(dropPages().then(function () { if (event.ports[0]) event.ports[0].postMessage({}); }));
  }
});

// --- the outbox, when no page sends it -----------------------------------------------------------
async function tellPages(message) {
  var pages = await self.clients.matchAll({type: "window"});
  pages.forEach(function (page) { page.postMessage(message); });
}

async function sendOutbox() {
  var current = await KiemtraOutbox.session(KIEMTRA.session);
  if (current.reason) throw new Error(current.reason);  // Background Sync tries again later
  var result = await KiemtraOutbox.flush({
    owner: current.user, csrf: current.csrf, sessionUrl: KIEMTRA.session,
    onReply: function (entry, status, html) {
      // An open page shows a saved answer itself; a conflict waits in the entry for the page.
      if (status < 300) tellPages({type: "outbox-reply", entry: {item: entry.item, kind: entry.kind,
        inspection: entry.inspection, id: entry.id}, status: status, html: html});
      return false;
    }
  });
  await tellPages({type: "outbox-changed"});
  if (result.stopped) throw new Error(result.stopped);
}

self.addEventListener("sync", function (event) {
  if (event.tag === "outbox") event.waitUntil(sendOutbox());
});
