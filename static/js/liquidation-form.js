// Shows only the fields that belong to the chosen kind of liquidation event.
(function () {
  "use strict";
  var form = document.getElementById("liquidation-form");
  if (!form) return;
  var kind = form.querySelector("select[name=event_type]");
  function update() {
    form.querySelectorAll("fieldset[data-for]").forEach(function (set) {
      set.hidden = kind.value !== "" && set.dataset.for !== kind.value;
    });
  }
  kind.addEventListener("change", update);
  update();
})();
