// Application form pages: progressive enhancement only (HTMX autosave is declared in the markup).
(function () {
  "use strict";

  // Bring the reader to what needs attention: a refused save, then the error summary.
  function focusAttention() {
    var target = document.getElementById("stale-warning") || document.getElementById("error-summary");
    if (target) target.focus();
  }

  // Tell the reader that typing is being saved (the status region is aria-live).
  function markPending(evt) {
    var status = document.getElementById("autosave-status");
    var form = evt.target && evt.target.closest ? evt.target.closest("form[hx-post]") : null;
    if (status && form && form.dataset.pendingText) status.textContent = form.dataset.pendingText;
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusAttention();
    document.querySelectorAll("form[hx-post]").forEach(function (form) {
      form.addEventListener("input", markPending);
    });
  });
})();
