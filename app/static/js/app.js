// Tiny glue only: confirmations and htmx error messages. Every page works without this file.
document.documentElement.classList.add("js");  // lets CSS hide buttons that JavaScript makes unneeded
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message = button && button.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});

// Print buttons (the print views): a listener, since the Content-Security-Policy forbids onclick="…".
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) window.print();
});

// htmx does not swap 4xx/5xx responses: show the server's (translated) error fragment in the flash area.
document.addEventListener("htmx:responseError", function (event) {
  var flash = document.getElementById("flash");
  if (flash && event.detail.xhr.responseText) flash.innerHTML = event.detail.xhr.responseText;
});

document.addEventListener("htmx:sendError", function () {
  var flash = document.getElementById("flash");
  if (!flash) return;
  var p = document.createElement("p");
  p.className = "flash flash-error";
  p.setAttribute("role", "alert");
  p.textContent = document.body.getAttribute("data-msg-offline");
  flash.replaceChildren(p);
});

// Drag and drop to reorder checklist items (the ↑ ↓ buttons do the same without JavaScript).
document.addEventListener("dragstart", function (event) {
  var item = event.target.closest && event.target.closest("li[draggable=true]");
  if (!item) return;
  item.classList.add("dragging");
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", item.dataset.item);  // Firefox starts a drag only with data
});
document.addEventListener("drop", function (event) {
  if (document.querySelector("li.dragging")) event.preventDefault();  // not a link drop
});
document.addEventListener("dragover", function (event) {
  var dragging = document.querySelector("li.dragging");
  var over = event.target.closest && event.target.closest("li[draggable=true]");
  if (!dragging || !over || over === dragging || over.parentNode !== dragging.parentNode) return;
  event.preventDefault();
  var box = over.getBoundingClientRect();
  over.parentNode.insertBefore(dragging, event.clientY > box.top + box.height / 2 ? over.nextSibling : over);
});
document.addEventListener("dragend", function (event) {
  var item = event.target.closest && event.target.closest("li.dragging");
  if (!item) return;
  item.classList.remove("dragging");
  var list = item.parentNode;
  // An item form open in this section would be lost by the redraw, and its item is missing from the list.
  if (list.closest("section").querySelector("form.item-form")) return;
  var ids = Array.prototype.map.call(list.querySelectorAll("li[data-item]"), function (li) { return li.dataset.item; });
  htmx.ajax("POST", list.dataset.reorderUrl, {
    source: list, target: "#section-" + list.dataset.section, swap: "outerHTML", values: {item: ids}
  });
});

// The "More" menu closes on a click elsewhere or Escape (without JavaScript it closes on its own summary).
document.addEventListener("click", function (event) {
  document.querySelectorAll("details.nav-more[open]").forEach(function (menu) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  var menu = document.querySelector("details.nav-more[open]");
  if (menu) { menu.removeAttribute("open"); menu.querySelector("summary").focus(); }
});
