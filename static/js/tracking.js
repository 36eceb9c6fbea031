// Forecast line chart and sensitivity tornado (Chart.js from /static/vendor/).
// Data comes from the json_script blocks of the page; each chart has a table fallback.
// Needs static/js/format.js, then static/js/charts.js (window.BreakevenCharts: the shared
// palette, dash patterns, legend under the chart, tooltip and keyboard walk) first.
(function () {
  "use strict";

  function data(id) {
    const el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function ready() {
    return typeof Chart !== "undefined" && window.BreakevenFormat && window.BreakevenCharts;
  }

  // Amounts as the tables beside the charts read them (static/js/format.js, following the
  // money spec the page's data carries): tooltips exact, axis ticks in whole units.
  function money(spec) {
    return window.BreakevenFormat.formatter(spec);
  }

  function draw(canvas, config) {
    const charts = window.BreakevenCharts;
    config.plugins = [...(config.plugins || []), charts.legend];
    const chart = new Chart(canvas, config);
    charts.keyboard(canvas, chart);
    canvas.dataset.chartReady = "true";
    return chart;
  }

  function forecastChart() {
    const canvas = document.getElementById("forecast-chart");
    const d = data("forecast-data");
    if (!canvas || !d || !ready()) return;
    const charts = window.BreakevenCharts;
    const fmt = money(d.money);
    // Each line its palette colour and dash pattern (as on the plan's charts); the budget
    // is a reference line in the muted ink.
    function line(label, values, style, extra) {
      return Object.assign({
        label,
        data: values,
        borderColor: style.colour,
        backgroundColor: style.colour,
        borderDash: style.dash,
        borderWidth: 2.25,
        pointRadius: 0,
        pointHoverRadius: 4,
        pointStyle: "line",
        legendSwatch: charts.lineSwatch(style),
        tension: 0.2,
      }, extra || {});
    }
    const datasets = [line("API: " + d.api_name, d.api, charts.lineStyle(0))];
    if (d.selfhost_name) {
      datasets.push(line("Self-host: " + d.selfhost_name, d.selfhost, charts.lineStyle(1)));
    }
    if (d.budget !== null && d.budget !== undefined) {
      const budget = { colour: charts.palette.muted, dash: charts.palette.dashes[2] };
      datasets.push(line("Budget", d.labels.map(() => d.budget), budget, { tension: 0, pointHoverRadius: 0 }));
    }
    draw(canvas, {
      type: "line",
      data: { labels: d.labels, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        layout: { padding: { top: 8, right: 12 } },
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { title: { display: true, text: "Month" }, ticks: { maxRotation: 0 } },
          y: { title: { display: true, text: d.currency + " per month" }, ticks: { callback: fmt.tick } },
        },
        plugins: {
          tooltip: charts.tooltip({
            title: (items) => "Month " + items[0].label,
            label: (c) => c.dataset.label + ": " + fmt.money(c.parsed.y),
          }),
        },
      },
    });
  }

  function tornadoChart() {
    const canvas = document.getElementById("tornado-chart");
    const d = data("tornado-data");
    if (!canvas || !d || !ready()) return;
    const charts = window.BreakevenCharts;
    const fmt = money(d.money);
    const [lowColour, highColour] = charts.palette.lines;
    // Floating bars from the base difference to each end, one row per input.
    const box = canvas.parentNode;
    const narrow = box.clientWidth < 520;
    // The chart grows with its rows (as the plan's bar charts do): wrapped names never overlap.
    const needed = d.labels.length * (narrow ? 58 : 48) + 170;
    if (needed > box.clientHeight) box.style.height = needed + "px";
    const low = d.low.map((v) => [d.base, v]);
    const high = d.high.map((v) => [d.base, v]);
    draw(canvas, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: "Input low", data: low, backgroundColor: lowColour, borderColor: lowColour },
          { label: "Input high", data: high, backgroundColor: highColour, borderColor: highColour },
        ],
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        layout: { padding: { right: 16 } },
        interaction: { mode: "index", intersect: false, axis: "y" },
        scales: {
          x: {
            title: {
              display: true,
              text: narrow
                ? ["Self-host minus API a month (" + d.currency + ")", "below 0 self-hosting is cheaper"]
                : "Self-host minus API a month (" + d.currency + "); below 0 self-hosting is cheaper",
            },
            ticks: { callback: fmt.tick, maxRotation: 0 },
          },
          y: { stacked: true, ticks: { autoSkip: false, callback: charts.wrappedTicks(d.labels) } },
        },
        plugins: {
          tooltip: charts.tooltip({
            title: (items) => d.labels[items[0].dataIndex],
            label: (c) => c.dataset.label + ": " + fmt.money(c.raw[1]),
          }),
        },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", () => { forecastChart(); tornadoChart(); });
})();
