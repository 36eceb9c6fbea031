// Draws the plan and comparison charts with Chart.js (served from /static/vendor/).
// Each <canvas data-chart="kind" data-source="id"> reads its data from the
// <script type="application/json" id="id"> block that Django's json_script wrote: the
// stored results of one computation (planner/templatetags/planner_charts.py), never
// recomputed here. Every chart has a table fallback in the page, so nothing depends on
// this file. Amounts and token counts are formatted by static/js/format.js, following the
// money spec in the data (data.money), exactly as the tables are by formatting/ in Python.
//
// Hooks for tests and other scripts (window.BreakevenCharts):
//   palette                 the colours and dash patterns (one place; the heatmap may reuse it)
//   markers(canvas)         the marks drawn on a cost-vs-volume chart: every crossing and the
//                           workload's volume, each {kind, a, b, volume, cost, x, y} with x, y
//                           in CSS pixels from the canvas's top-left corner (hover there)
//   show(canvas, i)         shows the tooltip of the i-th mark of markers(canvas)
//   lineStyle, lineSwatch, wrappedTicks, legend, tooltip, keyboard: the series styles,
//                           wrapped category names, the legend plugin, the tooltip options
//                           and the keyboard walk, for other pages' charts (tracking.js)
// and on each drawn canvas: data-chart-ready="true"; on a cost-vs-volume canvas
// data-crossing-count (the crossings marked) and data-workload-tokens. The tooltip is a
// DOM element, .chart-tooltip[data-chart-tooltip] next to the canvas, shown on hover and
// on keyboard focus (the canvas is focusable; arrow keys move along the volumes, Page
// Up/Down from crossing to crossing).
(function () {
  "use strict";

  // Okabe & Ito's colour-blind-safe colours for lines (the yellow is left out: too pale on
  // white), each series also with its own dash pattern so two lines on top of each other,
  // or two colours a reader cannot tell apart, still read as two.
  const LINES = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
  const DASHES = [[], [10, 4], [3, 3], [12, 4, 3, 4], [6, 3], [2, 6], [14, 4, 2, 4, 2, 4]];
  // Paul Tol's "muted" scheme for the parts of a stacked bar (distinct for colour-blind
  // readers, and in greyscale neighbours differ in lightness).
  const PARTS = ["#332288", "#88CCEE", "#117733", "#DDCC77", "#CC6677", "#44AA99", "#882255",
    "#999933", "#AA4499", "#6699CC", "#661100", "#888888"];
  const INK = "#1b2330";
  const MUTED = "#4a5668";
  const PALETTE = Object.freeze({ lines: LINES, dashes: DASHES, parts: PARTS, ink: INK, muted: MUTED });

  function lineStyle(index) {
    return {
      colour: LINES[index % LINES.length],
      dash: DASHES[(index + Math.floor(index / LINES.length)) % DASHES.length],
    };
  }

  // A stretch of a line in its colour and dash pattern: the legend's key for a series.
  function lineSwatch(style, width) {
    const swatch = document.createElement("canvas");
    swatch.width = width || 34;
    swatch.height = 10;
    const ctx = swatch.getContext("2d");
    ctx.strokeStyle = style.colour;
    ctx.lineWidth = 3;
    ctx.setLineDash(style.dash);
    ctx.beginPath();
    ctx.moveTo(0, 5);
    ctx.lineTo(swatch.width, 5);
    ctx.stroke();
    return swatch;
  }

  // A mark's key in the legend: drawn as on the chart, centred in a line-wide swatch.
  function markSwatch(shape, fill, stroke) {
    const swatch = document.createElement("canvas");
    swatch.width = 34;
    swatch.height = 14;
    const ctx = swatch.getContext("2d");
    ctx.fillStyle = fill;
    ctx.strokeStyle = stroke;
    ctx.lineWidth = 2;
    ctx.beginPath();
    if (shape === "diamond") {
      ctx.moveTo(17, 1); ctx.lineTo(23, 7); ctx.lineTo(17, 13); ctx.lineTo(11, 7); ctx.closePath();
    } else {
      ctx.arc(17, 7, 5, 0, 2 * Math.PI);
    }
    ctx.fill();
    ctx.stroke();
    return swatch;
  }

  const FORMAT = window.BreakevenFormat;
  const tokens = FORMAT ? FORMAT.tokens : String;

  // Log-scale ticks at 1, 2, 5 x 10^n only (at 10^n only where the axis is short): fewer,
  // readable labels.
  function logTick(format) {
    return function (value) {
      const lead = value / Math.pow(10, Math.floor(Math.log10(value) + 1e-9));
      const short = this.isHorizontal() ? this.width < 400 : this.height < 260;
      const leads = short ? [1] : [1, 2, 5];
      if (!leads.some((n) => Math.abs(lead - n) < 1e-6)) return "";
      return format(value);
    };
  }

  // The legend: a list under the chart (never cut off, wraps on a phone, read by screen
  // readers), each entry a button that hides or shows its series, keyed by a swatch drawn
  // as on the chart (a line's dash pattern, a mark's shape, a bar's colour).
  function boxSwatch(fill, stroke, dash) {
    const swatch = document.createElement("canvas");
    swatch.width = 34;
    swatch.height = 14;
    const ctx = swatch.getContext("2d");
    ctx.fillStyle = fill;
    ctx.fillRect(10, 1, 14, 12);
    if (stroke) {
      ctx.strokeStyle = stroke;
      ctx.setLineDash(dash || []);
      ctx.strokeRect(10.5, 1.5, 13, 11);
    }
    return swatch;
  }

  const htmlLegend = {
    id: "breakevenLegend",
    afterUpdate(chart) {
      const box = chart.canvas.parentNode;
      let list = box.nextElementSibling;
      if (!list || !list.classList.contains("chart-legend")) {
        list = document.createElement("ul");
        list.className = "chart-legend";
        list.setAttribute("aria-label", "Legend");
        box.after(list);
      }
      const items = window.Chart.defaults.plugins.legend.labels.generateLabels(chart);
      if (list.children.length === items.length) {
        // Built already: only the shown / hidden state changes (focus stays put).
        items.forEach((item, i) => {
          list.children[i].firstChild.setAttribute("aria-pressed", String(!item.hidden));
        });
        return;
      }
      list.replaceChildren(
        ...items.map((item) => {
          const dataset = chart.data.datasets[item.datasetIndex];
          const swatch =
            dataset.legendSwatch ||
            boxSwatch(
              typeof item.fillStyle === "string" ? item.fillStyle : INK,
              typeof item.strokeStyle === "string" && item.strokeStyle !== "#ffffff" ? item.strokeStyle : null,
              item.lineDash,
            );
          const li = document.createElement("li");
          const button = document.createElement("button");
          button.type = "button";
          button.className = "chart-legend-item";
          button.dataset.series = dataset.label;
          button.setAttribute("aria-pressed", String(!item.hidden));
          const image = document.createElement("img");
          image.alt = "";
          image.width = swatch.width;
          image.height = swatch.height;
          image.src = swatch.toDataURL();
          button.append(image, document.createTextNode(item.text));
          button.addEventListener("click", () => {
            chart.setDatasetVisibility(item.datasetIndex, !chart.isDatasetVisible(item.datasetIndex));
            chart.update();
          });
          li.appendChild(button);
          return li;
        }),
      );
    },
  };

  // Room above and below the data on a log scale: nothing drawn against the edge.
  function logRoom(scale) {
    if (scale.max > 0) scale.max *= 1.8;
    if (scale.min > 0) scale.min /= 1.6;
  }

  // An option's name on a category axis, wrapped onto lines rather than cut off.
  function wrap(text, width) {
    const words = String(text).split(" ");
    const lines = [];
    let line = "";
    for (const word of words) {
      if (line && (line + " " + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    }
    if (line) lines.push(line);
    return lines;
  }

  function wrappedTicks(names) {
    return function (value) {
      const width = this.chart.width < 520 ? 16 : 26;
      return wrap(names[value] === undefined ? value : names[value], width);
    };
  }

  // --- the tooltip: a DOM element, so it reads as text and never leaves the chart box --

  function tooltipNode(canvas) {
    const box = canvas.parentNode;
    let node = box.querySelector(".chart-tooltip");
    if (!node) {
      node = document.createElement("div");
      node.className = "chart-tooltip";
      node.setAttribute("data-chart-tooltip", canvas.dataset.chart || "");
      node.setAttribute("role", "status");
      node.hidden = true;
      box.appendChild(node);
    }
    return node;
  }

  function externalTooltip(context) {
    const { chart, tooltip } = context;
    const node = tooltipNode(chart.canvas);
    if (!tooltip || tooltip.opacity === 0 || !tooltip.dataPoints || !tooltip.dataPoints.length) {
      node.hidden = true;
      node.dataset.shown = "false";
      return;
    }
    node.replaceChildren();
    (tooltip.title || []).forEach((line) => {
      const title = document.createElement("div");
      title.className = "chart-tooltip-title";
      title.textContent = line;
      node.appendChild(title);
    });
    const list = document.createElement("ul");
    tooltip.body.forEach((body, i) => {
      body.lines.forEach((line) => {
        const item = document.createElement("li");
        const colours = tooltip.labelColors[i] || {};
        const point = tooltip.dataPoints[i];
        const drawn = point && point.dataset && point.dataset.legendSwatch;
        let swatch;
        if (drawn) {
          swatch = document.createElement("img");
          swatch.src = drawn.toDataURL();
          swatch.width = drawn.width;
          swatch.height = drawn.height;
          swatch.alt = "";
        } else {
          swatch = document.createElement("span");
          swatch.className = "chart-swatch";
          swatch.style.borderColor = colours.borderColor || INK;
          if (typeof colours.backgroundColor === "string") swatch.style.borderColor = colours.backgroundColor;
        }
        swatch.setAttribute("aria-hidden", "true");
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(line));
        list.appendChild(item);
      });
    });
    node.appendChild(list);
    (tooltip.footer || []).forEach((line) => {
      const foot = document.createElement("div");
      foot.className = "chart-tooltip-footer";
      foot.textContent = line;
      node.appendChild(foot);
    });
    node.hidden = false;
    node.dataset.shown = "true";
    // Beside the caret, kept inside the chart's box.
    const box = chart.canvas.parentNode;
    const width = node.offsetWidth;
    const height = node.offsetHeight;
    let left = chart.canvas.offsetLeft + tooltip.caretX + 12;
    if (left + width > box.clientWidth) left = chart.canvas.offsetLeft + tooltip.caretX - width - 12;
    left = Math.max(0, Math.min(left, box.clientWidth - width));
    let top = chart.canvas.offsetTop + tooltip.caretY - height / 2;
    top = Math.max(0, Math.min(top, box.clientHeight - height));
    node.style.left = left + "px";
    node.style.top = top + "px";
  }

  function tooltipOptions(callbacks) {
    return { enabled: false, external: externalTooltip, callbacks };
  }

  // --- cost vs volume ----------------------------------------------------------------

  // Hovering: a mark (crossing or the workload) under the pointer, else every option at
  // the nearest sampled volume.
  function volumeItems(chart, event) {
    const marks = [];
    chart.data.datasets.forEach((dataset, d) => {
      if (!dataset.marker || !chart.isDatasetVisible(d)) return;
      chart.getDatasetMeta(d).data.forEach((point, index) => {
        const distance = Math.hypot(point.x - event.x, point.y - event.y);
        if (distance <= 9) marks.push({ element: point, datasetIndex: d, index, distance });
      });
    });
    if (marks.length) {
      marks.sort((a, b) => a.distance - b.distance);
      return [marks[0]];
    }
    const area = chart.chartArea;
    if (event.x < area.left || event.x > area.right) return [];
    return lineItemsAt(chart, nearestIndex(chart, chart.scales.x.getValueForPixel(event.x)));
  }

  function nearestIndex(chart, tokensPerMonth) {
    const volumes = chart.$breakeven.volumes;
    let best = 0;
    volumes.forEach((v, i) => {
      if (Math.abs(Math.log(v / tokensPerMonth)) < Math.abs(Math.log(volumes[best] / tokensPerMonth))) best = i;
    });
    return best;
  }

  function lineItemsAt(chart, index) {
    const items = [];
    chart.data.datasets.forEach((dataset, d) => {
      if (dataset.marker || !chart.isDatasetVisible(d)) return;
      const element = chart.getDatasetMeta(d).data[index];
      if (element && dataset.data[index].y !== null) items.push({ element, datasetIndex: d, index });
    });
    return items;
  }

  // Draws the workload's volume as a dashed vertical line with its label.
  const workloadLine = {
    id: "breakevenWorkload",
    afterDatasetsDraw(chart) {
      const marker = chart.options.plugins.breakevenWorkload;
      const xScale = chart.scales.x;
      if (!marker || !marker.x || !xScale || marker.x < xScale.min || marker.x > xScale.max) return;
      const ctx = chart.ctx;
      const area = chart.chartArea;
      const x = xScale.getPixelForValue(marker.x);
      ctx.save();
      ctx.strokeStyle = MUTED;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([5, 4]);
      ctx.beginPath();
      ctx.moveTo(x, area.top);
      ctx.lineTo(x, area.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = "12px system-ui, sans-serif";
      ctx.fillStyle = INK;
      const text = marker.label || "";
      const width = ctx.measureText(text).width;
      // Above the plot area (the layout leaves room), never past either edge.
      ctx.textAlign = "left";
      const left = Math.max(area.left, Math.min(x - width / 2, area.right - width));
      ctx.fillText(text, left, area.top - 6);
      ctx.restore();
    },
  };

  function volumeChart(data, narrow) {
    const fmt = FORMAT.formatter(data.money);
    const formatMoney = fmt.money;
    const volume = data.volume;
    const datasets = volume.series.map((series, i) => {
      const style = lineStyle(i);
      return {
        label: series.name + (series.kind === "selfhost" ? " (self-host)" : ""),
        data: volume.volumes.map((v, j) => ({ x: v, y: series.values[j] })),
        borderColor: style.colour,
        backgroundColor: style.colour,
        borderWidth: series.name === data.recommended ? 3.5 : 2.25,
        borderDash: style.dash,
        pointStyle: "line",
        legendSwatch: lineSwatch(style),
        stepped: series.step ? "before" : false,
        pointRadius: 0,
        pointHoverRadius: 0,
        tension: 0,
        optionName: series.name,
      };
    });
    const crossings = volume.breakevens.filter((p) => p.in_range && p.cost !== null);
    if (crossings.length) {
      datasets.push({
        type: "scatter",
        label: "Break-even (lines cross)",
        marker: "crossing",
        data: crossings.map((p) => ({ x: p.tokens, y: p.cost })),
        breakevens: crossings,
        pointStyle: "circle",
        legendSwatch: markSwatch("circle", "#ffffff", INK),
        backgroundColor: "#ffffff",
        borderColor: INK,
        borderWidth: 2,
        pointRadius: 5,
        pointHoverRadius: 7,
        clip: false,
      });
    }
    const here = (volume.workload_points || []).filter((p) => p.cost !== null && p.cost > 0);
    if (here.length && volume.workload_tokens) {
      datasets.push({
        type: "scatter",
        label: `This workload (${volume.workload_label || tokens(volume.workload_tokens)} tokens/month)`,
        marker: "workload",
        data: here.map((p) => ({ x: volume.workload_tokens, y: p.cost })),
        workload: here,
        pointStyle: "rectRot",
        legendSwatch: markSwatch("diamond", MUTED, "#ffffff"),
        backgroundColor: MUTED,
        borderColor: "#ffffff",
        borderWidth: 1.5,
        pointRadius: 6,
        pointHoverRadius: 8,
        clip: false,
      });
    }
    return {
      type: "line",
      data: { datasets },
      options: {
        parsing: true,
        layout: { padding: { top: 22, right: 12, left: 4 } },
        interaction: { mode: "breakeven", intersect: false },
        scales: {
          x: {
            type: "logarithmic",
            min: volume.volumes[0],
            max: volume.volumes[volume.volumes.length - 1],
            title: { display: true, text: "Tokens per month" },
            ticks: { callback: logTick(tokens), autoSkip: false, maxRotation: 0 },
          },
          y: {
            type: "logarithmic",
            afterDataLimits: logRoom,
            title: { display: true, text: `Monthly cost (${fmt.spec.currency})` },
            ticks: { callback: logTick(fmt.tick) },
          },
        },
        plugins: {
          breakevenWorkload: { x: volume.workload_tokens, label: "This workload" },
          tooltip: tooltipOptions({
            title: (items) => {
              const ds = items[0].dataset;
              if (ds && ds.marker === "crossing") {
                const p = ds.breakevens[items[0].dataIndex];
                return `Break-even at ${p.label} tokens/month`;
              }
              if (ds && ds.marker === "workload") {
                return `This workload: ${volume.workload_label || tokens(volume.workload_tokens)} tokens/month`;
              }
              return tokens(items[0].parsed.x) + " tokens/month";
            },
            label: (item) => {
              const ds = item.dataset;
              if (ds.marker === "crossing") {
                const p = ds.breakevens[item.dataIndex];
                return `${p.selfhost} is cheaper above, ${p.api} below: ${p.cost_label} a month there`;
              }
              if (ds.marker === "workload") {
                const p = ds.workload[item.dataIndex];
                return `${p.option}: ${formatMoney(p.cost)} a month`;
              }
              return `${ds.label}: ${formatMoney(item.parsed.y)}`;
            },
          }),
        },
      },
      plugins: [workloadLine],
    };
  }

  // --- where the money goes --------------------------------------------------------

  function breakdownChart(data, narrow) {
    const fmt = FORMAT.formatter(data.money);
    const formatMoney = fmt.money;
    const breakdown = data.breakdown;
    let slot = 0;
    const datasets = breakdown.parts.map((part) => {
      const downtime = !part.in_total;
      const colour = downtime ? "#e4e7eb" : PARTS[slot++ % PARTS.length];
      return {
        label: part.label,
        data: part.values.map((v) => (v === null ? 0 : v)),
        partKey: part.key,
        inTotal: part.in_total,
        backgroundColor: colour,
        borderColor: downtime ? INK : "#ffffff",
        borderWidth: downtime ? 1 : 0.5,
        borderDash: downtime ? [3, 2] : [],
        stack: part.in_total ? "cost" : "downtime",
      };
    });
    return {
      type: "bar",
      data: { labels: breakdown.options, datasets },
      options: {
        indexAxis: "y",
        layout: { padding: { right: 16 } },
        interaction: { mode: "nearest", intersect: true },
        scales: {
          x: { stacked: true, grace: "5%", title: { display: true, text: `${fmt.spec.currency} per month` }, ticks: { callback: fmt.tick, maxRotation: 0 } },
          y: { stacked: true, ticks: { autoSkip: false, callback: wrappedTicks(breakdown.options) } },
        },
        plugins: {
          tooltip: tooltipOptions({
            title: (items) => breakdown.options[items[0].dataIndex],
            label: (item) => `${item.dataset.label}: ${formatMoney(item.parsed.x)}`,
            footer: (items) => {
              const total = breakdown.totals[items[0].dataIndex];
              return total === null ? "" : `Total (excl. downtime): ${formatMoney(total)}`;
            },
          }),
        },
      },
    };
  }

  // --- how sure are we ---------------------------------------------------------------

  function uncertaintyChart(data, narrow) {
    const fmt = FORMAT.formatter(data.money);
    const formatMoney = fmt.money;
    const rows = data.uncertainty.rows;
    const names = rows.map((r) => r.label);
    const mc = data.uncertainty.method === "monte_carlo";
    const lows = rows.map((r) => r.p10).filter((v) => v > 0);
    const spread = lows.length ? Math.max(...rows.map((r) => r.p90)) / Math.min(...lows) : 1;
    const api = LINES[0];
    const selfhost = LINES[1];
    return {
      type: "bar",
      data: {
        labels: names,
        datasets: [
          {
            label: mc ? "P10–P90" : "Low–high",
            data: rows.map((r) => [r.p10, r.p90]),
            backgroundColor: rows.map((r) => (r.kind === "selfhost" ? "rgba(213,94,0,.35)" : "rgba(0,114,178,.3)")),
            borderColor: rows.map((r) => (r.kind === "selfhost" ? selfhost : api)),
            borderWidth: 1.5,
            barPercentage: 0.6,
            minBarLength: 4,
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
            borderColor: INK,
            backgroundColor: INK,
            clip: false,
            order: 1,
          },
        ],
      },
      options: {
        indexAxis: "y",
        layout: { padding: { right: 18 } },
        interaction: { mode: "index", intersect: false, axis: "y" },
        scales: {
          x: spread > 20
            ? { type: "logarithmic", afterDataLimits: logRoom, title: { display: true, text: `${fmt.spec.currency} per month (log scale)` }, ticks: { callback: logTick(fmt.tick), maxRotation: 0 } }
            : { grace: "12%", title: { display: true, text: `${fmt.spec.currency} per month` }, ticks: { callback: fmt.tick, maxRotation: 0 } },
          y: { ticks: { autoSkip: false, callback: wrappedTicks(names) } },
        },
        plugins: {
          tooltip: tooltipOptions({
            title: (items) => names[items[0].dataIndex],
            label: (item) => {
              if (item.datasetIndex !== 0) return null;
              const r = rows[item.dataIndex];
              return mc
                ? `P10 ${formatMoney(r.p10)} · P50 ${formatMoney(r.p50)} · P90 ${formatMoney(r.p90)}`
                : `Low ${formatMoney(r.p10)} · expected ${formatMoney(r.p50)} · high ${formatMoney(r.p90)}`;
            },
          }),
        },
      },
    };
  }

  // --- cost per 1M tokens vs utilization -------------------------------------------

  function utilizationChart(data, narrow) {
    const fmt = FORMAT.formatter(data.money);
    const util = data.utilization;
    const datasets = util.series.map((series, i) => {
      // The same style as the option's line in the cost-vs-volume chart.
      const index = data.volume ? data.volume.series.findIndex((s) => s.name === series.name) : -1;
      const style = lineStyle(index >= 0 ? index : i);
      return {
        label: series.name,
        data: util.points.map((u, j) => ({ x: u * 100, y: series.values[j] })),
        borderColor: style.colour,
        backgroundColor: style.colour,
        borderDash: style.dash,
        pointStyle: "line",
        legendSwatch: lineSwatch(style),
        pointRadius: 0,
        pointHoverRadius: 0,
        borderWidth: 2.25,
        tension: 0.2,
      };
    });
    return {
      type: "line",
      data: { datasets },
      options: {
        layout: { padding: { top: 8, right: 12 } },
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { type: "linear", min: 0, max: 100, title: { display: true, text: "GPU utilization (%)" }, ticks: { callback: (v) => v + "%" } },
          y: { type: "logarithmic", afterDataLimits: logRoom, title: { display: true, text: `${fmt.spec.currency} per 1M tokens` }, ticks: { callback: logTick(fmt.tick) } },
        },
        plugins: {
          tooltip: tooltipOptions({
            title: (items) => `${Math.round(items[0].parsed.x)}% utilization`,
            label: (item) => `${item.dataset.label}: ${fmt.rate(item.parsed.y)} per 1M tokens`,
          }),
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

  // --- marks and keyboard ------------------------------------------------------------

  function markItems(chart) {
    const items = [];
    chart.data.datasets.forEach((dataset, d) => {
      if (!dataset.marker) return;
      chart.getDatasetMeta(d).data.forEach((element, index) => items.push({ element, datasetIndex: d, index }));
    });
    return items;
  }

  function markers(canvas) {
    const chart = window.Chart && window.Chart.getChart(canvas);
    if (!chart) return [];
    return markItems(chart).map(({ element, datasetIndex, index }) => {
      const dataset = chart.data.datasets[datasetIndex];
      const point = dataset.data[index];
      const mark = { kind: dataset.marker, volume: point.x, cost: point.y, x: element.x, y: element.y };
      if (dataset.marker === "crossing") {
        const p = dataset.breakevens[index];
        Object.assign(mark, { a: p.selfhost, b: p.api });
      } else {
        Object.assign(mark, { a: dataset.workload[index].option, b: null });
      }
      return mark;
    });
  }

  function activate(chart, items) {
    const position = items.length ? { x: items[0].element.x, y: items[0].element.y } : undefined;
    chart.setActiveElements(items.map(({ datasetIndex, index }) => ({ datasetIndex, index })));
    chart.tooltip.setActiveElements(items.map(({ datasetIndex, index }) => ({ datasetIndex, index })), position);
    chart.update("none");
  }

  function show(canvas, i) {
    const chart = window.Chart && window.Chart.getChart(canvas);
    const item = chart && markItems(chart)[i];
    if (item) activate(chart, [item]);
    return Boolean(item);
  }

  // Arrow keys walk the sampled volumes (every option's cost there), Page Up/Down the
  // crossings, Home the workload; Escape hides the tooltip.
  function keyboard(canvas, chart) {
    canvas.tabIndex = 0;
    let index = null;
    const volumes = chart.$breakeven ? chart.$breakeven.volumes : null;
    const rowCount = () => (volumes ? volumes.length : (chart.data.labels || chart.data.datasets[0].data).length);
    function rowItems(i) {
      if (volumes) return lineItemsAt(chart, i);
      return chart.data.datasets
        .map((dataset, d) => ({ element: chart.getDatasetMeta(d).data[i], datasetIndex: d, index: i }))
        .filter((item) => item.element && !chart.data.datasets[item.datasetIndex].marker);
    }
    let mark = -1;
    canvas.addEventListener("focus", () => {
      index = volumes ? nearestIndex(chart, chart.options.plugins.breakevenWorkload.x || volumes[0]) : 0;
      activate(chart, rowItems(index));
    });
    canvas.addEventListener("blur", () => activate(chart, []));
    canvas.addEventListener("keydown", (event) => {
      const last = rowCount() - 1;
      const marks = markItems(chart).filter((m) => chart.data.datasets[m.datasetIndex].marker === "crossing");
      if (["ArrowRight", "ArrowDown"].includes(event.key)) index = Math.min(last, (index ?? -1) + 1);
      else if (["ArrowLeft", "ArrowUp"].includes(event.key)) index = Math.max(0, (index ?? 1) - 1);
      else if (event.key === "Home" && volumes) index = nearestIndex(chart, chart.options.plugins.breakevenWorkload.x || volumes[0]);
      else if ((event.key === "PageDown" || event.key === "PageUp") && marks.length) {
        mark = event.key === "PageDown" ? (mark + 1) % marks.length : (mark - 1 + marks.length) % marks.length;
        activate(chart, [marks[mark]]);
        event.preventDefault();
        return;
      } else if (event.key === "Escape") {
        activate(chart, []);
        return;
      } else return;
      event.preventDefault();
      activate(chart, rowItems(index));
    });
  }

  function draw() {
    if (typeof window.Chart === "undefined" || !FORMAT) return;
    const Chart = window.Chart;
    Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    Chart.defaults.color = "#3d4a5c";
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.animation = window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 300 };
    Chart.defaults.plugins.legend.display = false; // the list under each chart (htmlLegend)
    Chart.defaults.transitions.active.animation.duration = 0; // hover marks at once
    Chart.Interaction.modes.breakeven = (chart, event) => volumeItems(chart, event);
    const cache = {};
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const source = canvas.dataset.source;
      if (!(source in cache)) cache[source] = readJson(source);
      const data = cache[source];
      const build = BUILDERS[canvas.dataset.chart];
      if (!data || !build || !data[canvas.dataset.chart]) return;
      if (Chart.getChart(canvas)) Chart.getChart(canvas).destroy();
      const box = canvas.parentNode;
      const narrow = box.clientWidth < 520;
      // A bar chart grows with its rows, so wrapped option names never overlap.
      const rows = { breakdown: () => data.breakdown.options.length, uncertainty: () => data.uncertainty.rows.length }[canvas.dataset.chart];
      if (rows) {
        const needed = rows() * (narrow ? 58 : 48) + 170;
        if (needed > box.clientHeight) box.style.height = needed + "px";
      }
      const config = build(data, narrow);
      config.plugins = [...(config.plugins || []), htmlLegend];
      const chart = new Chart(canvas, config);
      if (canvas.dataset.chart === "volume") {
        chart.$breakeven = { volumes: data.volume.volumes };
        const drawn = chart.data.datasets.find((d) => d.marker === "crossing");
        canvas.dataset.crossingCount = String(drawn ? drawn.data.length : 0);
        canvas.dataset.workloadTokens = String(data.volume.workload_tokens);
      }
      keyboard(canvas, chart);
      canvas.dataset.chartReady = "true";
    });
  }

  window.BreakevenCharts = {
    palette: PALETTE,
    markers,
    show,
    // For other pages' charts (static/js/tracking.js): the same line styles, legend,
    // tooltip and keyboard as here.
    lineStyle,
    lineSwatch,
    wrappedTicks,
    legend: htmlLegend,
    tooltip: tooltipOptions,
    keyboard,
  };

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
