// Review pages: progressive enhancement only (every action works without JavaScript).
(function () {
  "use strict";
  // <input type="checkbox" data-select-all="applications" hidden>: shown and working with JS.
  document.querySelectorAll("[data-select-all]").forEach(function (toggle) {
    var form = toggle.form;
    var boxes = form.querySelectorAll('input[type="checkbox"][name="' + toggle.dataset.selectAll + '"]');
    toggle.hidden = false;
    toggle.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = toggle.checked; });
    });
  });
})();
