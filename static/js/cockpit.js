// The call cockpit's charts (reviews/cockpit.html), drawn with the vendored Chart.js from the
// figures the page carries as JSON. Every figure is also on the page in words and numbers, so
// the page says everything without JavaScript.
(function () {
  "use strict";

  var PALETTE = ["#0a58ca", "#198754", "#b35c00", "#6f42c1", "#d63384", "#0f7b8a", "#6c757d", "#495057"];

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    config.options = Object.assign({ animation: false, maintainAspectRatio: false }, config.options || {});
    new Chart(canvas, config);
  }

  function money(value) {
    var lang = document.documentElement.lang || "nl";
    return new Intl.NumberFormat(lang === "nl" ? "nl-BE" : "en-GB", {
      style: "currency", currency: "EUR", maximumFractionDigits: 0
    }).format(value);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var script = document.getElementById("cockpit-charts");
    if (!script || typeof Chart === "undefined") return;
    var data = JSON.parse(script.textContent);

    var s = data.submissions;
    draw("chart-submissions", {
      data: {
        labels: s.labels,
        datasets: [
          { type: "bar", label: s.label_count, data: s.counts, backgroundColor: PALETTE[0], yAxisID: "y" },
          { type: "line", label: s.label_cumulative, data: s.cumulative, borderColor: PALETTE[2], backgroundColor: PALETTE[2], pointRadius: 0, yAxisID: "y1" }
        ]
      },
      options: {
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 } },
          y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, ticks: { precision: 0 } }
        },
        plugins: { subtitle: { display: true, text: s.label_deadline + ": " + s.deadline } }
      }
    });

    var r = data.reviews;
    draw("chart-reviews", {
      type: "doughnut",
      data: { labels: r.labels, datasets: [{ data: r.values, backgroundColor: [PALETTE[1], PALETTE[0], PALETTE[2], PALETTE[6]] }] },
      options: { plugins: { legend: { position: "right" } } }
    });

    var sc = data.scores;
    draw("chart-scores", {
      type: "bar",
      data: {
        labels: sc.labels,
        datasets: sc.datasets.map(function (set, i) {
          return { label: set.label, data: set.data, backgroundColor: PALETTE[i % PALETTE.length] };
        })
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });

    var b = data.budget;
    draw("chart-budget", {
      type: "bar",
      data: { labels: b.labels, datasets: [{ data: b.values, backgroundColor: [PALETTE[6], PALETTE[0], PALETTE[3], PALETTE[1]] }] },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return money(c.parsed.x); } } } },
        scales: { x: { beginAtZero: true, ticks: { callback: function (v) { return money(v); } } } }
      }
    });
  });
})();
