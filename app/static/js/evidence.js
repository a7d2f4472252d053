// Evidence on the tablet: a photo is sent as soon as it is taken (one tap, no "Attach" button), and
// shrunk first: a 5 MB camera JPEG becomes ~300 KB, which a weak 3G link can send. The server
// re-encodes every photo anyway, so without canvas or DataTransfer (or on any error) the original
// files are sent unchanged.
(function () {
  var MAX_SIDE = 2000;
  var QUALITY = 0.85;
  var canShrink = !!(window.DataTransfer && window.URL && HTMLCanvasElement.prototype.toBlob);
  try { new DataTransfer(); } catch (e) { canShrink = false; }  // older Safari: the name, no constructor

  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("unreadable")); };
      img.src = url;
    });
  }

  // A smaller JPEG of a large JPEG or PNG photo; any other file (PDF, small photo) as it is.
  function shrink(file) {
    if (file.type !== "image/jpeg" && file.type !== "image/png") return Promise.resolve(file);
    return loadImage(file).then(function (img) {
      // Browsers draw images upright (EXIF orientation applied), so the sizes are the displayed ones.
      var scale = MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight);
      if (scale >= 1) return file;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(img.naturalWidth * scale);
      canvas.height = Math.round(img.naturalHeight * scale);
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";  // transparent parts of a PNG become white, as on the server
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(blob && blob.size < file.size ? new File([blob], name, {type: "image/jpeg"}) : file);
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });
  }

  function evidenceInput(target) {
    return target && target.matches && target.matches("form.evidence-upload input[type=file]") ? target : null;
  }

  // Replace the chosen files by their shrunk versions as soon as they are picked.
  document.addEventListener("change", function (event) {
    var input = evidenceInput(event.target);
    if (!input || !input.files.length) return;
    var form = input.form;
    var send = function () { form.requestSubmit ? form.requestSubmit() : form.submit(); };
    if (!canShrink) { send(); return; }
    form.dataset.shrinking = "true";
    Promise.all(Array.prototype.map.call(input.files, shrink)).then(function (files) {
      var transfer = new DataTransfer();
      files.forEach(function (file) { transfer.items.add(file); });
      input.files = transfer.files;
    }).catch(function () { /* keep the originals */ }).then(function () {
      delete form.dataset.shrinking;
      send();
    });
  });

  // A submit while shrinking waits for it (capture phase: before htmx sees the event).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form.evidence-upload") || !form.dataset.shrinking) return;
    event.preventDefault();
    event.stopPropagation();
    form.dataset.sendWhenReady = "true";
  }, true);
})();

// A photo that could not be sent (no connection) stays chosen, is marked, and is sent again when the
// tablet is back online; leaving the page before that warns (checklist.js looks for .failed).
(function () {
  function uploadForm(element) {
    return element && element.matches && element.matches("form.evidence-upload") ? element : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = uploadForm(event.detail.elt);
    if (form) { form.classList.remove("failed"); form.classList.add("saving"); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = uploadForm(event.detail.elt);
    if (!form) return;
    form.classList.remove("saving");
    if (event.detail.successful || (event.detail.xhr && event.detail.xhr.status)) return;
    form.classList.add("failed");
    var note = document.getElementById("upload-failed-note");  // the page's one copy of the message
    if (note && !form.querySelector(".upload-failed")) form.append(note.content.cloneNode(true));
  });
  function retryUploads() {
    document.querySelectorAll("form.evidence-upload.failed").forEach(function (form) {
      form.requestSubmit ? form.requestSubmit() : htmx.trigger(form, "submit");
    });
  }
  window.addEventListener("online", retryUploads);
  setInterval(function () { if (navigator.onLine !== false) retryUploads(); }, 10000);
})();
