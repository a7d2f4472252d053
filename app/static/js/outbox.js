// The outbox: every autosave and every photo or PDF is written to IndexedDB before it is sent, and
// leaves only when the server has answered it. Used by the pages (offline.js, checklist.js) and by the
// service worker (Background Sync), with idb's UMD build loaded before it.
//
// An entry: {seq, id (the save or upload id made on the tablet), owner (user id), inspection, item,
// code, kind ("answer" | "upload"), url, fields [[name, value]…], files [{name, blob}…], savedAt,
// state ("waiting" | "reply" | "refused"), status, reply, message}.
// Entries of one user go out in the order they were made, one at a time, whoever sends them: a lock
// (Web Locks) keeps the page and the worker from sending at once.
(function (scope) {
  "use strict";
  var DB_NAME = "kiemtra-offline";
  var LOCK = "kiemtra-outbox";
  var database = null;

  function db() {
    database = database || idb.openDB(DB_NAME, 1, {
      upgrade: function (upgrade) {
        upgrade.createObjectStore("entries", {keyPath: "seq", autoIncrement: true}).createIndex("owner", "owner");
        upgrade.createObjectStore("meta");
      }
    });
    return database;
  }

  function add(entry) {
    entry.state = "waiting";
    entry.savedAt = Date.now();
    return db().then(function (d) { return d.add("entries", entry); }).then(function (seq) {
      entry.seq = seq;
      return entry;
    });
  }

  function list(owner) {  // in the order they were made (the index keeps the primary key's order)
    return db().then(function (d) { return d.getAllFromIndex("entries", "owner", owner); });
  }

  function remove(seq) { return db().then(function (d) { return d.delete("entries", seq); }); }
  function put(entry) { return db().then(function (d) { return d.put("entries", entry); }); }
  function getMeta(key) { return db().then(function (d) { return d.get("meta", key); }); }
  function setMeta(key, value) { return db().then(function (d) { return d.put("meta", value, key); }); }

  function counts(owner) {
    return list(owner).then(function (entries) {
      var result = {answers: 0, files: 0, stuck: 0};
      entries.forEach(function (entry) {
        if (entry.state !== "waiting") result.stuck += 1;
        else if (entry.kind === "upload") result.files += entry.files.length;
        else result.answers += 1;
      });
      return result;
    });
  }

  function withLock(work) {
    var locks = scope.navigator && scope.navigator.locks;
    return locks ? locks.request(LOCK, work) : work();
  }

  // Who is logged in now and the session's CSRF token ({user, csrf}), or why not ({reason}).
  function session(url) {
    return fetch(url, {credentials: "same-origin", cache: "no-store"}).then(function (response) {
      if (response.status === 401) return {reason: "login"};
      if (!response.ok) return {reason: "server"};
      return response.json();
    }, function () { return {reason: "offline"}; });
  }

  function send(entry, csrf) {
    var body = new FormData();
    entry.fields.forEach(function (field) { body.append(field[0], field[1]); });
    (entry.files || []).forEach(function (file) { body.append("file", file.blob, file.name); });
    return fetch(entry.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: {"X-CSRFToken": csrf, "HX-Request": "true"}
    });
  }

  function text(html) { return html.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300); }

  // Send the owner's waiting entries in order. `options`: owner, csrf (the page's token, or none),
  // sessionUrl, and onReply(entry, status, html) → true when it showed the server's answer on a page.
  // Resolves to {sent, stopped: undefined | "offline" | "login" | "server"}.
  function flush(options) {
    return withLock(function () { return flushLocked(options); });
  }

  async function flushLocked(options) {
    var entries = (await list(options.owner)).filter(function (entry) { return entry.state === "waiting"; });
    var current = options.csrf ? {user: options.owner, csrf: options.csrf, fresh: false} : null;
    var sent = 0;
    for (var i = 0; i < entries.length; i++) {
      var entry = entries[i];
      if (!current) {
        current = await session(options.sessionUrl);
        if (current.reason) return {sent: sent, stopped: current.reason};
        // Another user is logged in on this tablet: their session never sends this owner's entries.
        if (current.user !== options.owner) return {sent: sent, stopped: "login"};
        current.fresh = true;
      }
      var response;
      try {
        response = await send(entry, current.csrf);
      } catch (error) {
        return {sent: sent, stopped: "offline"};
      }
      var status = response.type === "opaqueredirect" ? 401 : response.status;
      if (status === 401 || status === 400) {
        // The token or the login is from an older session: ask for the session once, then decide.
        if (!current.fresh) { current = null; i--; continue; }
        if (status === 401) return {sent: sent, stopped: "login"};
      }
      if (status === 429 || status >= 500) return {sent: sent, stopped: "server"};
      var html = await response.text();
      if (status >= 200 && status < 300) {
        await remove(entry.seq);
        await setMeta("lastSync:" + options.owner, Date.now());
        if (options.onReply) options.onReply(entry, status, html);
        sent += 1;
      } else if (status === 409 || status === 422) {
        // The server kept what it had (a teammate's newer answer, or an invalid value): the card must
        // show it. An open page shows it now; otherwise the entry waits for the page with the reply.
        if (options.onReply && options.onReply(entry, status, html)) {
          await remove(entry.seq);
        } else {
          entry.state = "reply"; entry.status = status; entry.reply = html;
          await put(entry);
        }
        sent += 1;
      } else {  // refused for good (no longer allowed, gone, too large): set aside, never blocks the rest
        entry.state = "refused"; entry.status = status; entry.message = text(html);
        await put(entry);
      }
    }
    return {sent: sent};
  }

  scope.KiemtraOutbox = {
    add: add, list: list, remove: remove, put: put, counts: counts, flush: flush, session: session,
    getMeta: getMeta, setMeta: setMeta
  };
})(self);
