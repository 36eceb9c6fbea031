// Forecast line chart and sensitivity tornado (Chart.js from /static/vendor/).
// Data comes from the json_script blocks of the page; each chart has a table fallback.
// Needs static/js/format.js first.
(function () {
  "use strict";

  function data(id) {
    const el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  // Amounts as the tables beside the charts read them (static/js/format.js, following the
  // money spec the page's data carries): tooltips exact, axis ticks in whole units.
  function money(spec) {
    return window.BreakevenFormat.formatter(spec);
  }

  function forecastChart() {
    const canvas = document.getElementById("forecast-chart");
    const d = data("forecast-data");
    if (!canvas || !d || typeof Chart === "undefined" || !window.BreakevenFormat) return;
    const fmt = money(d.money);
    const datasets = [{ label: "API: " + d.api_name, data: d.api, borderColor: "#2457d6", tension: 0.2 }];
    if (d.selfhost_name) {
      datasets.push({ label: "Self-host: " + d.selfhost_name, data: d.selfhost, borderColor: "#1a7f4b", stepped: false, tension: 0.2 });
    }
    if (d.budget !== null && d.budget !== undefined) {
      datasets.push({ label: "Budget", data: d.labels.map(() => d.budget), borderColor: "#d9480f", borderDash: [6, 4], pointRadius: 0 });
    }
    new Chart(canvas, {
      type: "line",
      data: { labels: d.labels, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        scales: {
          x: { title: { display: true, text: "Month" } },
          y: { title: { display: true, text: "Monthly cost (" + d.currency + ")" }, ticks: { callback: fmt.tick } },
        },
        plugins: { tooltip: { callbacks: { label: (c) => c.dataset.label + ": " + fmt.money(c.parsed.y) } } },
      },
    });
  }

  function tornadoChart() {
    const canvas = document.getElementById("tornado-chart");
    const d = data("tornado-data");
    if (!canvas || !d || typeof Chart === "undefined" || !window.BreakevenFormat) return;
    const fmt = money(d.money);
    // Floating bars from the base difference to each end, one row per input.
    const low = d.low.map((v) => [d.base, v]);
    const high = d.high.map((v) => [d.base, v]);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: "Input low", data: low, backgroundColor: "#748ffc" },
          { label: "Input high", data: high, backgroundColor: "#f59f00" },
        ],
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        scales: {
          x: { title: { display: true, text: "Self-host minus API a month (" + d.currency + "); below 0 self-hosting is cheaper" }, ticks: { callback: fmt.tick } },
          y: { stacked: true },
        },
        plugins: { tooltip: { callbacks: { label: (c) => c.dataset.label + ": " + fmt.money(c.raw[1]) } } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", () => { forecastChart(); tornadoChart(); });
})();
