// Live preview of a clause being edited: re-rendered with sample terms as the attorney
// types (nothing is saved; the Preview button does the same without JavaScript).
(function () {
  "use strict";
  var form = document.getElementById("clause-form");
  var pane = document.getElementById("clause-preview-pane");
  if (!form || !pane || !form.dataset.previewUrl) return;
  var timer = null;
  function refresh() {
    fetch(form.dataset.previewUrl, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) pane.innerHTML = html; })
      .catch(function () {});
  }
  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
