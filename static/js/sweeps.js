// Sweep pages. Downloads: a large grid's CSV takes a while to prepare and stream, so a
// download link marked data-download is fetched here with the bytes received shown as
// they arrive, then saved. Without script (or streams) the link downloads as usual.
// The new-sweep form: each axis shows the inputs of the way it is swept (range or list).
(function () {
  "use strict";

  const sizeFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

  function bytesText(bytes) {
    if (bytes < 1024) return `${bytes} bytes`;
    if (bytes < 1024 * 1024) return `${sizeFormat.format(bytes / 1024)} KB`;
    return `${sizeFormat.format(bytes / (1024 * 1024))} MB`;
  }

  function fileName(response, fallback) {
    const header = response.headers.get("Content-Disposition") || "";
    const match = /filename="?([^";]+)"?/.exec(header);
    return match ? match[1] : fallback;
  }

  async function download(link) {
    const label = link.getAttribute("data-download");
    const status = document.getElementById(link.getAttribute("data-download-status"));
    const say = (text) => { if (status) status.textContent = text; };
    const original = link.textContent;
    link.setAttribute("aria-disabled", "true");
    link.classList.add("busy");
    link.textContent = `${label}: preparing…`;
    say(`Preparing the ${label} file…`);
    try {
      const response = await fetch(link.href, { credentials: "same-origin" });
      if (!response.ok) {
        const text = (await response.text()).trim();
        say(text && text.length < 300 ? text : `The ${label} download failed (${response.status}).`);
        return;
      }
      const reader = response.body.getReader();
      const parts = [];
      let received = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        received += value.length;
        link.textContent = `${label}: ${bytesText(received)}…`;
        say(`Downloading the ${label} file: ${bytesText(received)} received…`);
      }
      const blob = new Blob(parts, { type: response.headers.get("Content-Type") || "" });
      const url = URL.createObjectURL(blob);
      const save = document.createElement("a");
      save.href = url;
      save.download = fileName(response, link.getAttribute("download") || "sweep");
      document.body.appendChild(save);
      save.click();
      save.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      say(`Downloaded the ${label} file: ${bytesText(received)}.`);
      link.setAttribute("data-downloaded-bytes", String(received));
    } catch (error) {
      say(`The ${label} download was interrupted. Try again.`);
    } finally {
      link.textContent = original;
      link.classList.remove("busy");
      link.removeAttribute("aria-disabled");
    }
  }

  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[data-download]") : null;
    if (!link || !window.fetch || !window.ReadableStream) return;
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    if (link.getAttribute("aria-disabled") === "true") return;
    download(link);
  });

  function showMode(group) {
    const select = group.querySelector("select[data-axis-mode]");
    if (!select) return;
    group.querySelectorAll("[data-axis-part]").forEach((part) => {
      part.hidden = part.getAttribute("data-axis-part") !== select.value;
    });
  }

  // How many values an axis has as typed (the server's validation is the judge).
  function axisCount(group) {
    const select = group.querySelector("select[data-axis-mode]");
    if (select && select.value === "list") {
      const input = group.querySelector("[data-axis-part='list'] input");
      const volumes = group.getAttribute("data-axis-group") === "volume";
      const text = input ? input.value.trim() : "";
      return text ? text.split(volumes ? /[;\s]+/ : /[;,\s]+/).filter(Boolean).length : 0;
    }
    const steps = group.querySelector("input[name$='_steps']");
    const n = steps ? parseInt(steps.value, 10) : NaN;
    return Number.isFinite(n) && n > 0 ? n : 0;
  }

  const countFormat = new Intl.NumberFormat(undefined);

  function showPoints() {
    const out = document.getElementById("sweep-points");
    if (!out) return;
    const counts = Array.from(document.querySelectorAll("[data-axis-group]")).map(axisCount);
    if (counts.some((n) => n === 0)) {
      out.textContent = "";
      return;
    }
    const total = counts.reduce((a, b) => a * b, 1);
    out.textContent = `${counts.map((n) => countFormat.format(n)).join(" × ")} = ` +
      `${countFormat.format(total)} points` + (total > 1000000 ? ": more than the 1,000,000 a sweep allows" : "");
  }

  document.querySelectorAll("[data-axis-group]").forEach((group) => {
    showMode(group);
    group.addEventListener("change", (event) => {
      if (event.target instanceof HTMLSelectElement && event.target.hasAttribute("data-axis-mode")) {
        showMode(group);
      }
      showPoints();
    });
    group.addEventListener("input", showPoints);
  });
  showPoints();
})();
