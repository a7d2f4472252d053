// Tiny glue only: confirmations and htmx error messages. Every page works without this file.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message = button && button.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
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
