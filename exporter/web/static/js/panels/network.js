/* The network tile: rates per interface; interfaces matching network.page_hide (lo, veth…)
 * only while "show hidden interfaces" is ticked. */

import { $, el, syncRows } from "../dom.js";
import { humanRate } from "../format.js";

export function mount(ctx) {
  const box = $("show-hidden-ifaces");
  box.checked = ctx.settings.showHidden;
  box.addEventListener("change", () => ctx.set({ showHidden: box.checked }));
}

function newRow() {
  const row = el("div", "kv-row");
  row.append(el("span", "k"), el("span", "v"));
  return row;
}

export function render(d, ctx) {
  const list = $("net-list");
  if (!d.network) {
    list.textContent = "unavailable";
    return;
  }
  const hidden = d.network.filter((n) => n.hidden).map((n) => n.device);
  $("hidden-ifaces").textContent = hidden.length ? `(${hidden.join(", ")})` : "(none)";
  const shown = d.network.filter((n) => ctx.settings.showHidden || !n.hidden);
  if (!shown.length) {
    list.textContent = "";
    list.appendChild(el("p", "empty", "No interfaces shown."));
    return;
  }
  if (!list.querySelector(":scope > .kv-row")) list.textContent = ""; // "unavailable" or "No interfaces shown."
  syncRows(list, shown, newRow, (row, n) => {
    row.dataset.iface = n.device;
    row.classList.toggle("is-down", !n.up);
    row.children[0].textContent = n.device + (n.up ? "" : " (down)");
    row.children[1].textContent = `↓ ${humanRate(n.rx_bytes_per_second)}  ↑ ${humanRate(n.tx_bytes_per_second)}`;
  });
}
