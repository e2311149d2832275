// Live preview: re-renders the agreement beside the form as the user types (not saved).
(function () {
  "use strict";
  var form = document.getElementById("step-form");
  var pane = document.getElementById("preview");
  if (!form || !pane || !form.dataset.previewUrl) return;
  var timer = null;
  function refresh() {
    fetch(form.dataset.previewUrl, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html) pane.innerHTML = html; })
      .catch(function () {});
  }
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
})();
