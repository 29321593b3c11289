/* The network tile: rates per interface. Interfaces matching network.page_hide (lo, veth…)
 * and interfaces that are down show only while "show hidden interfaces" is ticked; the list
 * of what is hidden names a few and counts the rest, so a host with 50 veths keeps a small tile. */

import { $, el, kvRow, setText, syncRows } from "../dom.js";
import { humanRate } from "../format.js";

export function mount(ctx) {
  const box = $("show-hidden-ifaces");
  box.checked = ctx.settings.showHidden;
  box.addEventListener("change", () => ctx.set({ showHidden: box.checked }));
}

const NAMED = 4; // hidden interfaces named before "+N more"

/* Whether the tile and the chart leave an interface out by default. */
export function isHidden(n) {
  return n.hidden || !n.up;
}

/* "(lo, ifb0 down, +3 more)" for the toggle's label. */
export function hiddenSummary(network) {
  const names = network.filter(isHidden).map((n) => n.device + (n.up ? "" : " down"));
  if (!names.length) return "(none)";
  const more = names.length > NAMED ? [`+${names.length - NAMED} more`] : [];
  return `(${names.slice(0, NAMED).concat(more).join(", ")})`;
}

export function render(d, ctx) {
  const list = $("net-list");
  if (!d.network) {
    setText(list, "unavailable");
    return;
  }
  setText($("hidden-ifaces"), hiddenSummary(d.network));
  const shown = d.network.filter((n) => ctx.settings.showHidden || !isHidden(n));
  if (!shown.length) {
    list.textContent = "";
    list.appendChild(el("p", "empty", "No interfaces shown."));
    return;
  }
  if (!list.querySelector(":scope > .kv-row")) list.textContent = ""; // "unavailable" or "No interfaces shown."
  syncRows(list, shown, kvRow, (row, n) => {
    row.dataset.iface = n.device;
    row.classList.toggle("is-down", !n.up);
    setText(row.children[0], n.device + (n.up ? "" : " (down)"));
    const trouble = [[n.errors_per_second, "err"], [n.drops_per_second, "drop"]]
      .filter(([v]) => v > 0).map(([v, what]) => `  ${v < 10 ? v.toFixed(1) : Math.round(v)} ${what}/s`).join("");
    row.children[1].textContent =
      `↓ ${humanRate(n.rx_bytes_per_second)}  ↑ ${humanRate(n.tx_bytes_per_second)}${trouble}`;
    row.classList.toggle("has-errors", !!trouble);
  });
}
