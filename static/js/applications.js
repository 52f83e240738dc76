// Application form pages: progressive enhancement only. Autosave itself is declared in the
// markup (hx-post on the section form); this file keeps it from racing the "Save" button.
(function () {
  "use strict";

  // Bring the reader to what needs attention: a refused save, then the error summary.
  function focusAttention() {
    var target = document.getElementById("stale-warning") || document.getElementById("error-summary");
    if (target) target.focus();
  }

  function autosaveForm(el) {
    return el && el.closest ? el.closest("form[hx-post]") : null;
  }

  // Every save carries the version it was made from. An autosave that is still on its way when
  // the person presses "Save" would make that save look stale, so the submit waits for the
  // autosave's answer (which brings the new version), and no autosave starts once a submit did.
  function guardSubmit(form) {
    form.addEventListener("submit", function (evt) {
      if (form.dataset.autosaving === "1") {
        evt.preventDefault();
        form.dataset.submitAfterSave = evt.submitter ? evt.submitter.name || "save" : "save";
        return;
      }
      form.dataset.submitting = "1";
    });
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = autosaveForm(evt.detail.elt);
    if (!form) return;
    if (form.dataset.submitting === "1") {
      evt.preventDefault();
      return;
    }
    form.dataset.autosaving = "1";
  });

  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = autosaveForm(evt.detail.elt);
    if (!form) return;
    delete form.dataset.autosaving;
    var pending = form.dataset.submitAfterSave;
    if (pending) {
      delete form.dataset.submitAfterSave;
      var button = form.querySelector('button[name="' + pending + '"]');
      form.dataset.submitting = "1";
      if (form.requestSubmit) form.requestSubmit(button || undefined);
      else form.submit();
    }
  });

  // Tell the reader that what they type is not saved yet (the status region is aria-live).
  function markPending(evt) {
    var status = document.getElementById("autosave-status");
    var form = autosaveForm(evt.target);
    if (status && form && form.dataset.pendingText && form.dataset.submitting !== "1") {
      status.textContent = form.dataset.pendingText;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusAttention();
    document.querySelectorAll("form[hx-post]").forEach(function (form) {
      guardSubmit(form);
      form.addEventListener("input", markPending);
    });
  });
})();
