// The tablet checklist: every answer saves itself (htmx posts the card on change). This file adds
// what htmx cannot know: a fresh save id per change, the saving/unsaved/error marks, retries after a
// dropped connection, a warning before leaving with unsaved answers, and the live target check.
(function () {
  function newSaveId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();  // secure contexts only
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function card(el) { return el && el.closest && el.closest(".item-card"); }
  // The notes that say so (unsaved, saving, not saved — try again) are the page's one copy in
  // <template id="save-notes">, put into a card's save state when it first needs them.
  function mark(el, state) {
    el.classList.remove("unsaved", "saving", "failed");
    if (!state) return;
    el.classList.add(state);
    var saveState = el.querySelector(".save-state"), notes = document.getElementById("save-notes");
    if (saveState && notes && !saveState.querySelector(".unsaved-note")) saveState.append(notes.content.cloneNode(true));
  }

  // One id per change of an answer's field, kept for its retries; then the card saves.
  document.addEventListener("change", function (event) {
    var item = card(event.target);
    if (!item || !event.target.name || event.target.name.indexOf("a" + item.dataset.item + "-") !== 0) return;
    var saveId = item.querySelector("input[name$='-save']");
    var base = item.querySelector("input[name$='-base']");
    // The previous save's id goes along: if its answer was lost, the server knows the write was ours.
    if (saveId && base && saveId.value) base.value = saveId.value;
    if (saveId) saveId.value = newSaveId();
    mark(item, "unsaved");
    // The card saves on this event (hx-trigger): an htmx event filter would need eval, which the CSP forbids.
    if (window.htmx) htmx.trigger(item, "answerChanged");
  }, true);

  // Typing in a note marks the card before the change (blur) event, so leaving the page warns.
  document.addEventListener("input", function (event) {
    var item = card(event.target);
    if (item && event.target.tagName === "TEXTAREA") mark(item, "unsaved");
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var item = event.detail.elt.classList && event.detail.elt.classList.contains("item-card") && event.detail.elt;
    if (item) mark(item, "saving");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var item = event.detail.elt;
    if (!item.classList || !item.classList.contains("item-card")) return;
    if (event.detail.successful) { mark(item, null); item.classList.add("done-flash"); }
    else if (!event.detail.xhr || !event.detail.xhr.status) mark(item, "failed");  // network: retry later
  });

  // The card's colour follows its save state (done, or still missing a result or evidence).
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll(".save-state[data-done]").forEach(function (state) {
      var item = card(state);
      if (item) item.classList.toggle("done", state.dataset.done === "1");
    });
  });

  // A refused save redraws its card (409, 422) from the request's values: whatever is being typed
  // in that card right now is newer, so it is put back after the swap.
  var typing = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target, active = document.activeElement;
    typing = target && target.classList && target.classList.contains("item-card") && active &&
      active.name && target.contains(active) ? {card: target.id, name: active.name, value: active.value} : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!typing) return;
    var item = document.getElementById(typing.card);
    var field = item && item.querySelector("[name='" + typing.name + "']");
    if (field && field.type !== "radio" && field.type !== "checkbox") {
      field.value = typing.value;
      field.focus();
      mark(item, "unsaved");
    }
    typing = null;
  });

  function retryFailed() {
    document.querySelectorAll(".item-card.failed").forEach(function (item) { htmx.trigger(item, "retry"); });
  }
  window.addEventListener("online", retryFailed);
  setInterval(function () { if (navigator.onLine !== false) retryFailed(); }, 10000);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".retry");
    if (button && card(button)) htmx.trigger(card(button), "retry");
  });

  // Answers and photos in the outbox are safe on the tablet: only what is typed but not yet changed,
  // or sent without an outbox, warns.
  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector(".item-card.unsaved, .item-card.saving:not(.queued), .item-card.failed, " +
                               "form.evidence-upload.saving, form.evidence-upload.failed")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Number and percentage items show at once whether the target is met, before the save answers.
  var compare = {
    ">=": function (a, b) { return a >= b; }, ">": function (a, b) { return a > b; },
    "=": function (a, b) { return a === b; }, "<=": function (a, b) { return a <= b; },
    "<": function (a, b) { return a < b; }
  };
  function parse(input) { return input ? parseFloat(String(input.value).replace(",", ".")) : NaN; }
  document.addEventListener("input", function (event) {
    var item = card(event.target);
    if (!item || !item.dataset.op) return;
    var value;
    if (item.dataset.kind === "percent") {
      var n = parse(item.querySelector("input[name$='-numerator']"));
      var d = parse(item.querySelector("input[name$='-denominator']"));
      value = d > 0 ? Math.round(n / d * 10000) / 100 : NaN;
    } else {
      value = parse(item.querySelector("input[name$='-value']"));
    }
    var out = item.querySelector(".live-check");
    if (!out) return;
    if (isNaN(value)) { out.textContent = ""; out.className = "live-check"; return; }
    var met = compare[item.dataset.op](value, parseFloat(item.dataset.target));
    out.textContent = (item.dataset.kind === "percent" ? value + "% " : "") + (met ? "✓" : "✗");
    out.className = "live-check " + (met ? "met" : "missed");
  });
})();

// Offline: with the outbox (offline.js), every save and every upload is written to the tablet first
// and sent from there in order, instead of by htmx directly. Answers waiting on the tablet are put back
// on their cards when the page opens, even from the worker's copy without signal.
(function () {
  "use strict";
  var holder = document.getElementById("checklist");
  var offline = window.KiemtraOffline;
  if (!holder || !offline || !offline.owner || !window.KiemtraOutbox) return;
  var inspection = Number(holder.dataset.inspection);
  var messages = offline.messages;
  var lastSaveId = {};  // per item: the newest save made on this tablet, the base of the next one
  var queue = Promise.resolve();  // saves are written in the order they were made

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function cardOf(item) { return document.getElementById("item-" + item); }
  function note(card) {
    card.classList.add("queued");
    var state = card.querySelector(".save-state");
    if (state && !state.querySelector(".queued-note")) {
      var span = document.createElement("span");
      span.className = "queued-note";
      span.textContent = messages.queued;
      state.append(span);
    }
  }

  // The card's fields as its form would send them (checked boxes only), without the CSRF token: the
  // outbox sends the token of the session it sends in.
  function fieldsOf(card, prefix) {
    var fields = [];
    card.querySelectorAll("[name^='" + prefix + "']").forEach(function (input) {
      if (input.disabled || ((input.type === "radio" || input.type === "checkbox") && !input.checked)) return;
      fields.push([input.name, input.value]);
    });
    return fields;
  }

  function queueAnswer(card) {
    var item = Number(card.dataset.item), prefix = "a" + item + "-";
    card.classList.remove("unsaved", "failed");
    card.classList.add("saving", "queued");
    queue = queue.then(function () {
      var saveId = newId(), base = lastSaveId[item] || "";
      lastSaveId[item] = saveId;
      var fields = fieldsOf(card, prefix).filter(function (field) {
        return field[0] !== prefix + "save" && field[0] !== prefix + "base";
      }).concat([[prefix + "save", saveId], [prefix + "base", base]]);
      return KiemtraOutbox.add({id: saveId, owner: offline.owner, inspection: inspection, item: item,
                                code: card.dataset.code, kind: "answer", url: card.getAttribute("hx-post"),
                                fields: fields});
    }).then(function () { offline.refresh(); return offline.send(); });
  }

  function queueUpload(form) {
    var card = form.closest(".item-card"), item = Number(card.dataset.item);
    var input = form.querySelector("input[type=file]");
    var files = Array.prototype.map.call(input.files, function (file) { return {name: file.name, blob: file}; });
    if (!files.length) return;
    var uploadId = newId();
    queue = queue.then(function () {
      return KiemtraOutbox.add({id: uploadId, owner: offline.owner, inspection: inspection, item: item,
                                code: card.dataset.code, kind: "upload", url: form.getAttribute("hx-post"),
                                fields: [["upload_id", uploadId]], files: files});
    }).then(function (entry) {
      showQueuedFiles(entry);
      form.reset();
      offline.refresh();
      return offline.send();
    });
  }

  // Photos waiting on the tablet, shown under the item's evidence until the server has them.
  function showQueuedFiles(entry) {
    var evidence = document.getElementById("evidence-" + entry.item);
    if (!evidence) return;
    var list = document.createElement("ul");
    list.className = "evidence-queued";
    list.dataset.upload = entry.id;
    entry.files.forEach(function (file) {
      var li = document.createElement("li");
      if (/^image\//.test(file.blob.type)) {
        var img = document.createElement("img");
        img.src = URL.createObjectURL(file.blob);
        img.alt = file.name;
        li.append(img);
      } else {
        li.textContent = file.name;
      }
      list.append(li);
    });
    var text = document.createElement("li");
    text.className = "queued-note";
    text.textContent = messages.queued;
    list.append(text);
    evidence.insertBefore(list, evidence.querySelector("form.evidence-upload"));
  }

  // The server's answer to one entry, on its card. True when the card is on this page.
  function apply(entry, status, html) {
    if (entry.inspection !== inspection) return false;
    var card = cardOf(entry.item);
    if (!card) return false;
    var target = entry.kind === "upload" ? document.getElementById("evidence-" + entry.item)
      : status === 200 ? document.getElementById("state-" + entry.item) : card;
    if (!target) return false;
    htmx.swap(target, html, {swapStyle: "outerHTML"});
    card = cardOf(entry.item);
    var newest = entry.kind === "answer" && lastSaveId[entry.item] === entry.id;
    if (status === 200 && (newest || entry.kind === "upload")) {
      card.classList.remove("saving", "queued", "failed");
      card.classList.add("done-flash");
    }
    if (status === 200) {
      htmx.trigger(document.body, "answerSaved");
      keptCopyIsOld = true;
    }
    return true;
  }

  // The tablet's copy of this page shows the answers as they were when it was stored: after saves,
  // store it again when the inspector leaves the page, so that the next open starts from them.
  var keptCopyIsOld = false;
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "hidden" || !keptCopyIsOld) return;
    keptCopyIsOld = false;
    offline.keep([location.pathname]).catch(function () { /* kept at the next visit */ });
  });
  window.KiemtraChecklist = {apply: apply};

  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    if (elt.classList && elt.classList.contains("item-card")) {
      event.preventDefault();
      queueAnswer(elt);
    } else if (elt.matches && elt.matches("form.evidence-upload")) {
      event.preventDefault();
      queueUpload(elt);
    }
  });

  // Values of a waiting answer back on its card, as the inspector left them.
  function restore(entry) {
    var card = cardOf(entry.item);
    if (!card) return;
    var prefix = "a" + entry.item + "-", values = {};
    entry.fields.forEach(function (field) { (values[field[0]] = values[field[0]] || []).push(field[1]); });
    card.querySelectorAll("[name^='" + prefix + "']").forEach(function (input) {
      if (input.type === "hidden") return;
      var posted = values[input.name] || [];
      if (input.type === "radio" || input.type === "checkbox") input.checked = posted.indexOf(input.value) >= 0;
      else input.value = posted[0] || "";
    });
    lastSaveId[entry.item] = entry.id;
    note(card);
  }

  // Progress and score count only what the server has: say so while answers wait on the tablet.
  function provisional(counts) {
    var progress = document.getElementById("progress");
    if (!progress) return;
    var line = progress.querySelector(".provisional");
    if (!counts.answers && !counts.files) { if (line) line.remove(); return; }
    if (!line) {
      line = document.createElement("span");
      line.className = "provisional";
      progress.querySelector("p").append(line);
    }
    line.textContent = offline.format(messages.provisional, {n: counts.answers + counts.files});
  }
  var lastCounts = {answers: 0, files: 0};
  document.addEventListener("outbox:counted", function (event) { lastCounts = event.detail; provisional(lastCounts); });
  document.addEventListener("htmx:afterSettle", function () { provisional(lastCounts); });
  document.addEventListener("outbox:sent", function (event) {
    if (!event.detail.stopped) return;
    document.querySelectorAll(".item-card.queued").forEach(function (card) {
      card.classList.remove("saving");
      note(card);
    });
  });

  // The kept copy was older than the server's: reload it when nothing is being typed, else offer to.
  document.addEventListener("offline:newer", function () {
    if (document.querySelector(".item-card.unsaved, .item-card.saving") ||
        (document.activeElement && document.activeElement.closest && document.activeElement.closest(".item-card"))) {
      document.getElementById("newer-answers").hidden = false;
    } else {
      location.reload();
    }
  });

  KiemtraOutbox.list(offline.owner).then(function (entries) {
    entries.forEach(function (entry) {
      if (entry.inspection !== inspection) return;
      if (entry.state === "reply") {
        if (apply(entry, entry.status, entry.reply)) KiemtraOutbox.remove(entry.seq);
      } else if (entry.state !== "waiting") {
        return;  // refused: set aside on the queue page
      } else if (entry.kind === "answer") {
        restore(entry);
      } else {
        showQueuedFiles(entry);
      }
    });
  });
})();
