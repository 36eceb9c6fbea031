// Small progressive enhancements; every page works without them.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit")) {
    el.form.submit();
  }
});

// "Print / save as PDF" buttons (no inline handlers: CSP).
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (button) {
    event.preventDefault();
    window.print();
  }
});

// Copy buttons next to read-only fields: <button data-copy="#field-id">.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
  if (!button) return;
  const field = document.querySelector(button.getAttribute("data-copy"));
  if (!field) return;
  field.select();
  if (navigator.clipboard) {
    navigator.clipboard.writeText(field.value).then(() => {
      button.textContent = "Copied";
    });
  }
});

// Phones fold the top menu behind a "Menu" button; without this script it stays open.
document.querySelectorAll(".nav-toggle").forEach((button) => {
  const topbar = button.closest(".topbar");
  const menu = document.getElementById(button.getAttribute("aria-controls"));
  if (!topbar || !menu) return;
  topbar.classList.add("js-nav");
  const setOpen = (open) => {
    button.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("open", open);
  };
  button.addEventListener("click", () => setOpen(button.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
});

// Tables scroll sideways inside their own box (the first column stays put: app.css), so a
// wide table never widens the page. A box that does scroll is made a named, focusable
// region, so keyboard users can scroll it too.
// A scrolling box is named after its table's caption, else the heading just before it.
function scrollLabel(box) {
  const table = box.querySelector("table");
  let name = table ? (table.caption && table.caption.textContent) || table.getAttribute("aria-label") : "";
  for (let node = box; !(name && name.trim()) && node && node !== document.body; node = node.parentElement) {
    for (let prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
      if (/^(H[1-6]|SUMMARY)$/.test(prev.tagName)) {
        name = prev.textContent;
        break;
      }
      const inner = prev.querySelectorAll("h1, h2, h3, h4, h5, h6");
      if (inner.length) {
        name = inner[inner.length - 1].textContent;
        break;
      }
    }
  }
  return (name || "Table").trim().replace(/\s+/g, " ").slice(0, 80);
}

function markScrollable() {
  document.querySelectorAll(".table-scroll").forEach((box) => {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    box.toggleAttribute("data-scrolls", scrolls);
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", `${scrollLabel(box)} (scrolls sideways)`);
      box.dataset.scrollFocus = "added";
    } else if (!scrolls && box.dataset.scrollFocus === "added") {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      delete box.dataset.scrollFocus;
    }
  });
}

function wrapTables(root) {
  root.querySelectorAll("table").forEach((table) => {
    if (table.closest(".table-scroll")) return;
    const box = document.createElement("div");
    box.className = "table-scroll";
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
  });
  markScrollable();
}

wrapTables(document);
document.addEventListener("htmx:afterSettle", (event) => wrapTables(event.target));
// A fallback table opened under a chart, a rotated phone: scrolling may start or stop.
document.addEventListener("toggle", markScrollable, true);
let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(markScrollable, 150);
});

// --- Forms (issue 18): error summary, self-host options, catalog version switch ---------
// A form with errors opens on its summary; a re-displayed form on the part just added.
(() => {
  const summary = document.getElementById("error-summary");
  const target = document.querySelector("[data-focus-target]");
  const el = summary || (target && document.getElementById(target.dataset.focusTarget));
  if (!el) return;
  el.scrollIntoView({ block: "start" });
  const input = el === summary ? el : el.querySelector("input:not([type=hidden]), select");
  if (input) input.focus({ preventScroll: true });
})();

// A select that stands for a button (the plan form's catalog version): picking submits
// the form as that button would, so the server sees which action was meant.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (!(el instanceof HTMLSelectElement) || !el.dataset.submitWith) return;
  const button = document.getElementById(el.dataset.submitWith);
  if (button && el.form && el.form.requestSubmit) el.form.requestSubmit(button);
});
