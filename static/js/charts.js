// Draws the plan and comparison charts with Chart.js (served from /static/vendor/).
// Each <canvas data-chart="kind" data-source="id"> reads its data from the
// <script type="application/json" id="id"> block that Django's json_script wrote.
// Every chart has a table fallback in the page, so nothing depends on this file.
// Amounts and token counts are formatted by static/js/format.js, following the money spec
// in the data (data.money), exactly as the tables are by formatting/ in Python.
(function () {
  "use strict";

  const PALETTE = [
    "#2457d6", "#d9480f", "#1a7f4b", "#9c36b5", "#c2255c",
    "#0b7285", "#e67700", "#5c940d", "#495057", "#364fc7",
  ];
  const PARTS = {
    api: "#2457d6", gpu: "#364fc7", hidden_multiplier: "#748ffc", hidden_items: "#f59f00",
    labor: "#d9480f", other: "#868e96", cheap_route: "#1a7f4b", premium_api: "#9c36b5",
    downtime: "#fa5252",
    api_standard: "#2457d6", api_batch: "#4c6ef5", api_priority: "#1c3faa", api_flex: "#91a7ff",
    api_cache_read: "#0b7285", api_cache_write: "#15aabf", api_long_context: "#e67700",
  };

  const FORMAT = window.BreakevenFormat;
  const tokens = FORMAT ? FORMAT.tokens : String;

  function colour(index) {
    return PALETTE[index % PALETTE.length];
  }

  // Log-scale ticks at 1, 2, 5 x 10^n only: fewer, readable labels.
  function logTick(format) {
    return function (value) {
      const lead = value / Math.pow(10, Math.floor(Math.log10(value) + 1e-9));
      if (![1, 2, 5].some((n) => Math.abs(lead - n) < 1e-6)) return "";
      return format(value);
    };
  }

  // Draws point labels (dataset.pointLabels) and a dashed marker at options.plugins.volumeMarker.x.
  const annotations = {
    id: "breakevenAnnotations",
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx;
      ctx.save();
      ctx.font = "12px system-ui, sans-serif";
      chart.data.datasets.forEach((dataset, i) => {
        if (!dataset.pointLabels || !chart.isDatasetVisible(i)) return;
        chart.getDatasetMeta(i).data.forEach((point, j) => {
          const text = dataset.pointLabels[j];
          if (!text) return;
          ctx.fillStyle = "#1b2330";
          ctx.textAlign = "left";
          ctx.fillText(text, point.x + 7, point.y - 7 - (j % 2) * 13);
        });
      });
      const marker = chart.options.plugins.volumeMarker;
      const xScale = chart.scales.x;
      if (marker && marker.x && xScale && marker.x >= xScale.min && marker.x <= xScale.max) {
        const x = xScale.getPixelForValue(marker.x);
        const area = chart.chartArea;
        ctx.strokeStyle = "#5d6b7e";
        ctx.setLineDash([5, 4]);
        ctx.beginPath();
        ctx.moveTo(x, area.top);
        ctx.lineTo(x, area.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = "#5d6b7e";
        ctx.textAlign = "center";
        ctx.fillText(marker.label || "", x, area.top + 12);
      }
      ctx.restore();
    },
  };

  function volumeChart(data) {
    // The currency of this data block: amounts read as in the tables beside the chart.
    const fmt = FORMAT.formatter(data.money);
    const formatMoney = fmt.money;
    const formatTick = fmt.tick;
    const volume = data.volume;
    const datasets = volume.series.map((series, i) => ({
      label: series.name + (series.kind === "selfhost" ? " (self-host)" : ""),
      data: volume.volumes.map((v, j) => ({ x: v, y: series.values[j] })),
      borderColor: colour(i),
      backgroundColor: colour(i),
      borderWidth: series.name === data.recommended ? 3 : 2,
      borderDash: series.kind === "hybrid" ? [6, 4] : [],
      stepped: series.step ? "before" : false,
      pointRadius: 0,
      tension: 0,
      optionName: series.name,
    }));
    const points = volume.breakevens.filter((p) => p.in_range && p.cost !== null);
    if (points.length) {
      datasets.push({
        type: "scatter",
        label: "Break-even",
        data: points.map((p) => ({ x: p.tokens, y: p.cost })),
        pointLabels: points.map((p) => p.label),
        breakevens: points,
        backgroundColor: "#1b2330",
        borderColor: "#fff",
        borderWidth: 2,
        pointRadius: 6,
        pointHoverRadius: 8,
      });
    }
    return {
      type: "line",
      data: { datasets },
      options: {
        parsing: true,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: {
            type: "logarithmic",
            title: { display: true, text: "Tokens per month" },
            ticks: { callback: logTick(tokens), autoSkip: false, maxRotation: 0 },
          },
          y: {
            type: "logarithmic",
            title: { display: true, text: `Monthly cost (${fmt.spec.currency})` },
            ticks: { callback: logTick(formatTick) },
          },
        },
        plugins: {
          volumeMarker: { x: volume.workload_tokens, label: "this workload" },
          tooltip: {
            callbacks: {
              title: (items) => tokens(items[0].parsed.x) + " tokens/month",
              label: (item) => {
                const ds = item.dataset;
                if (ds.breakevens) {
                  const p = ds.breakevens[item.dataIndex];
                  return `Break-even ${p.selfhost} vs ${p.api}: ${p.label} at ${p.cost_label}`;
                }
                return `${ds.label}: ${formatMoney(item.parsed.y)}`;
              },
            },
          },
        },
      },
      plugins: [annotations],
    };
  }

  function breakdownChart(data) {
    // The currency of this data block: amounts read as in the tables beside the chart.
    const fmt = FORMAT.formatter(data.money);
    const formatMoney = fmt.money;
    const formatTick = fmt.tick;
    const breakdown = data.breakdown;
    const datasets = breakdown.parts.map((part) => ({
      label: part.label,
      data: part.values.map((v) => (v === null ? 0 : v)),
      partKey: part.key,
      inTotal: part.in_total,
      backgroundColor: PARTS[part.key] || "#adb5bd",
      borderColor: "#fff",
      borderWidth: part.in_total ? 0 : 1,
      stack: part.in_total ? "cost" : "downtime",
    }));
    return {
      type: "bar",
      data: { labels: breakdown.options, datasets },
      options: {
        indexAxis: "y",
        scales: {
          x: { stacked: true, title: { display: true, text: `${fmt.spec.currency} per month` }, ticks: { callback: formatTick } },
          y: { stacked: true, ticks: { autoSkip: false } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) => `${item.dataset.label}: ${formatMoney(item.parsed.x)}`,
              footer: (items) => {
                const total = breakdown.totals[items[0].dataIndex];
                return total === null ? "" : `Total (excl. downtime): ${formatMoney(total)}`;
              },
            },
          },
        },
      },
    };
  }

  function uncertaintyChart(data) {
    // The currency of this data block: amounts read as in the tables beside the chart.
    const fmt = FORMAT.formatter(data.money);
    const formatMoney = fmt.money;
    const formatTick = fmt.tick;
    const rows = data.uncertainty.rows;
    const mc = data.uncertainty.method === "monte_carlo";
    const lows = rows.map((r) => r.p10).filter((v) => v > 0);
    const spread = lows.length ? Math.max(...rows.map((r) => r.p90)) / Math.min(...lows) : 1;
    return {
      type: "bar",
      data: {
        labels: rows.map((r) => r.label),
        datasets: [
          {
            label: mc ? "P10–P90" : "Low–high",
            data: rows.map((r) => [r.p10, r.p90]),
            backgroundColor: rows.map((r) => (r.kind === "selfhost" ? "rgba(217,72,15,.35)" : "rgba(36,87,214,.35)")),
            borderColor: rows.map((r) => (r.kind === "selfhost" ? "#d9480f" : "#2457d6")),
            borderWidth: 1,
            barPercentage: 0.6,
            order: 2,
          },
          {
            type: "line",
            label: mc ? "Median (P50)" : "Expected",
            data: rows.map((r) => r.p50),
            showLine: false,
            pointStyle: "line",
            pointRotation: 90,
            pointRadius: 14,
            pointHoverRadius: 16,
            borderWidth: 3,
            borderColor: "#1b2330",
            backgroundColor: "#1b2330",
            order: 1,
          },
        ],
      },
      options: {
        indexAxis: "y",
        scales: {
          x: spread > 20
            ? { type: "logarithmic", title: { display: true, text: `${fmt.spec.currency} per month (log scale)` }, ticks: { callback: logTick(formatTick) } }
            : { title: { display: true, text: `${fmt.spec.currency} per month` }, ticks: { callback: formatTick } },
          y: { ticks: { autoSkip: false } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) => {
                const r = rows[item.dataIndex];
                return mc
                  ? `P10 ${formatMoney(r.p10)} · P50 ${formatMoney(r.p50)} · P90 ${formatMoney(r.p90)}`
                  : `Low ${formatMoney(r.p10)} · expected ${formatMoney(r.p50)} · high ${formatMoney(r.p90)}`;
              },
            },
          },
        },
      },
    };
  }

  function utilizationChart(data) {
    // The currency of this data block: amounts read as in the tables beside the chart.
    const fmt = FORMAT.formatter(data.money);
    const formatTick = fmt.tick;
    const util = data.utilization;
    const datasets = util.series.map((series, i) => ({
      label: series.name,
      data: util.points.map((u, j) => ({ x: u * 100, y: series.values[j] })),
      borderColor: colour(i),
      backgroundColor: colour(i),
      borderDash: series.kind === "api" ? [6, 4] : [],
      pointRadius: 0,
      borderWidth: 2,
      tension: 0.2,
    }));
    return {
      type: "line",
      data: { datasets },
      options: {
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: { type: "linear", min: 0, max: 100, title: { display: true, text: "GPU utilization (%)" }, ticks: { callback: (v) => v + "%" } },
          y: { type: "logarithmic", title: { display: true, text: `${fmt.spec.currency} per 1M tokens` }, ticks: { callback: logTick(formatTick) } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: (items) => `${Math.round(items[0].parsed.x)}% utilization`,
              label: (item) => `${item.dataset.label}: ${fmt.rate(item.parsed.y)} per 1M tokens`,
            },
          },
        },
      },
    };
  }

  const BUILDERS = {
    volume: volumeChart,
    breakdown: breakdownChart,
    uncertainty: uncertaintyChart,
    utilization: utilizationChart,
  };

  function readJson(id) {
    const node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (error) {
      return null;
    }
  }

  function draw() {
    if (typeof window.Chart === "undefined" || !FORMAT) return;
    const Chart = window.Chart;
    Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    Chart.defaults.color = "#3d4a5c";
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.animation = window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 300 };
    Chart.defaults.plugins.legend.labels.boxWidth = 14;
    Chart.defaults.plugins.legend.position = "bottom";
    const cache = {};
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const source = canvas.dataset.source;
      if (!(source in cache)) cache[source] = readJson(source);
      const data = cache[source];
      const build = BUILDERS[canvas.dataset.chart];
      if (!data || !build || !data[canvas.dataset.chart]) return;
      if (Chart.getChart(canvas)) Chart.getChart(canvas).destroy();
      new Chart(canvas, build(data));
      canvas.dataset.chartReady = "true";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  // Printing: redraw at the printed width.
  window.addEventListener("beforeprint", () => {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-chart]").forEach((c) => {
      const chart = window.Chart.getChart(c);
      if (chart) chart.resize();
    });
  });
})();
