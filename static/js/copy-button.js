// A button with data-copy="<id>" copies that field's value to the clipboard and says so in
// its status element (data-copy-status="<id>", aria-live). Without JavaScript the button
// stays hidden and the read-only field can still be selected and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.copyStatus);
    if (!field) return;
    function say(text) {
      if (status) status.textContent = text;
    }
    function byHand() {
      // Older browsers, or a page served over plain http from another host.
      field.select();
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (e) {
        copied = false;
      }
      say(copied ? "Copied." : "Press Ctrl+C (or \u2318C) to copy the selected address.");
    }
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () {
          say("Copied.");
        }, byHand);
      } else {
        byHand();
      }
    });
    button.hidden = false;
  });
})();
