// Ranking page: the bar chart of totals, redrawn whenever HTMX swaps in a new ranking table,
// and focus and view kept on the amount a manager just changed. The page works without it.
(function () {
  "use strict";

  var chart = null;
  var lastInputId = null;
  var COLOURS = { awarded: "#198754", funded: "#198754", reserve: "#0a58ca", rejected: "#6c757d", failing: "#6c757d" };

  function chartData() {
    var script = document.getElementById("ranking-chart-data");
    return script ? JSON.parse(script.textContent) : null;
  }

  function draw() {
    var canvas = document.getElementById("ranking-chart");
    var data = chartData();
    if (!canvas || !data || typeof Chart === "undefined") return;
    var colours = data.status.map(function (s) { return COLOURS[s] || COLOURS.failing; });
    if (chart) {
      chart.data.labels = data.labels;
      chart.data.datasets[0].data = data.totals;
      chart.data.datasets[0].backgroundColor = colours;
      chart.options.plugins.title.text = data.summary;
      chart.update();
      return;
    }
    chart = new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ data: data.totals, backgroundColor: colours }] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: false }, title: { display: true, text: data.summary } },
        scales: { y: { min: 0, max: 100, title: { display: true, text: "%" } } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var input = evt.detail.elt && evt.detail.elt.querySelector && evt.detail.elt.querySelector("input[name=amount]");
    lastInputId = input ? input.id : null;
  });
  // Keep the edited row in view: the new table starts scrolled fully left (so its sticky rank,
  // reference and name line up with the rest), the row is brought on screen only as far as
  // needed, and focusing the amount must not scroll the table sideways to the input.
  function keepInView(input) {
    var scroller = input.closest("[data-ranking-scroll]");
    if (scroller) scroller.scrollLeft = 0;
    var row = input.closest("tr");
    if (row) row.scrollIntoView({ block: "nearest", inline: "nearest" });
    input.focus({ preventScroll: true });
  }

  document.addEventListener("htmx:afterSettle", function () {
    draw();
    if (lastInputId) {
      var input = document.getElementById(lastInputId);
      if (input) keepInView(input);
    }
  });
})();
