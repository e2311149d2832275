// Polls a running loan-tape import and moves its progress bar; reloads when it ends.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) return;
  var bar = box.querySelector("[data-role=bar]");
  var phase = box.querySelector("[data-role=phase]");
  var rows = box.querySelector("[data-role=rows]");
  var holder = bar.parentElement;

  function show(percent) {
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    holder.setAttribute("aria-valuenow", String(percent));
  }
  show(Number(bar.dataset.width || 0));

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.finished) { window.location.reload(); return; }
        show(s.progress);
        if (s.phase) phase.textContent = s.phase + "…";
        if (s.rows_total) rows.textContent = s.rows_done.toLocaleString("en-US") + " of about " + s.rows_total.toLocaleString("en-US") + " rows checked";
        window.setTimeout(poll, 600);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
})();
