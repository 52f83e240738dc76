// Progressive enhancement only: every core journey works without JavaScript.
(function () {
  "use strict";

  // Characters as the server counts them (calls.eligibility.visible_length): a line break is
  // one character, composed accents one, surrounding blanks none, an emoji one (code points).
  function visibleLength(text) {
    var value = text.replace(/\r\n/g, "\n");
    if (value.normalize) value = value.normalize("NFC");
    return Array.from(value.trim()).length;
  }

  // Character counters: <textarea data-max-chars="2000" aria-describedby="x-counter">
  function updateCounter(field) {
    var max = parseInt(field.dataset.maxChars, 10);
    var counter = document.getElementById(field.id + "-counter");
    if (!counter || !max) return;
    var left = max - visibleLength(field.value);
    counter.textContent = counter.dataset.template.replace("%(n)s", left);
    counter.classList.toggle("text-danger", left < 0);
  }
  function initCounters(root) {
    root.querySelectorAll("[data-max-chars]").forEach(function (field) {
      updateCounter(field);
      field.addEventListener("input", function () { updateCounter(field); });
    });
  }

  // Countdown to a deadline: <span data-countdown="2026-01-01T12:00:00+01:00" data-template-...>
  function initCountdowns(root) {
    root.querySelectorAll("[data-countdown]").forEach(function (el) {
      var end = new Date(el.dataset.countdown).getTime();
      function tick() {
        var s = Math.max(0, Math.floor((end - Date.now()) / 1000));
        var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
        el.textContent = (el.dataset.template || "%(d)s d %(h)s h %(m)s min")
          .replace("%(d)s", d).replace("%(h)s", h).replace("%(m)s", m);
        if (s > 0) setTimeout(tick, 30000);
      }
      tick();
    });
  }

  // Tables stack into cards on a phone (portal.css): each cell is labelled with its column's
  // heading. Cells that already say what they are (data-label in the template) keep theirs.
  function labelTableCells(root) {
    root.querySelectorAll("table.table").forEach(function (table) {
      var heads = table.querySelectorAll(":scope > thead > tr:last-child > th");
      if (!heads.length) return;
      table.querySelectorAll(":scope > tbody > tr, :scope > tfoot > tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          var head = heads[column];
          var label = head ? head.textContent.trim() : "";
          if (label && !cell.hasAttribute("data-label") && cell.textContent.trim() !== label) {
            cell.setAttribute("data-label", label);
          }
          column += cell.colSpan || 1;
        });
      });
    });
  }

  function init(root) { initCounters(root); initCountdowns(root); labelTableCells(document); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (evt) { init(evt.target); });
})();
