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

  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector(".item-card.unsaved, .item-card.saving, .item-card.failed, " +
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
