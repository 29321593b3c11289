/* Alerts: the banner of firing alerts, the count in the tab title, pending alerts, the log.
 * alertLevels() turns the alerts section into the levels the tiles and bars are coloured by. */

import { $, el, emptyRow, syncRows } from "../dom.js";
import { humanDuration, humanTime, isNum } from "../format.js";

const RANK = { pending: 1, warn: 2, crit: 3 };

/* "resource|instance" → "pending" | "warn" | "crit", the highest level of its alerts. */
export function alertLevels(alerts) {
  const levels = {};
  const put = (a, level) => {
    const k = `${a.resource}|${a.instance || ""}`;
    if (!levels[k] || RANK[level] > RANK[levels[k]]) levels[k] = level;
  };
  for (const a of alerts?.pending || []) put(a, "pending");
  for (const a of alerts?.firing || []) put(a, a.severity === "critical" ? "crit" : "warn");
  return levels;
}

/* An alert's value as its message states it: load per core as is, ratios as percent. */
export function alertValue(a, v) {
  if (!isNum(v)) return "–";
  return a.resource === "load_per_core" ? v.toFixed(2) : `${(v * 100).toFixed(1)} %`;
}

function bannerItem() {
  const item = el("div", "alert-item");
  item.append(el("span", "badge"), el("span", "msg"), el("span", "since muted"));
  return item;
}

function logRow() {
  const tr = el("tr");
  for (let i = 0; i < 5; i++) tr.appendChild(el("td", i === 4 ? "num" : ""));
  tr.children[1].appendChild(el("span", "badge"));
  return tr;
}

export function render(d) {
  const alerts = d.alerts || { firing: [], pending: [], log: [] };
  const { firing, pending, log } = alerts;
  const banner = $("alert-banner");
  banner.hidden = firing.length === 0;
  banner.dataset.severity = firing.some((a) => a.severity === "critical") ? "critical" : "warning";
  syncRows(banner, firing, bannerItem, (item, a) => {
    item.dataset.severity = a.severity;
    item.children[0].textContent = a.severity;
    item.children[1].textContent = a.message;
    item.children[2].textContent = isNum(a.started_at) ? `for ${humanDuration(d.timestamp - a.started_at)}` : "";
  });
  document.title = `${firing.length ? `(${firing.length}) ` : ""}System Monitor${d.hostname ? ` — ${d.hostname}` : ""}`;
  $("alerts-pending").textContent = pending.length
    ? `Pending: ${pending.map((a) => `${a.message} (${a.severity})`).join("; ")}`
    : "";
  const body = $("alert-log-body");
  if (!log.length) {
    emptyRow(body, 5, d.alerts ? "No alerts so far." : "Alerts unavailable.");
    return;
  }
  if (body.querySelector(".empty")) body.textContent = "";
  syncRows(body, log, logRow, (tr, a) => {
    tr.dataset.severity = a.severity;
    tr.dataset.state = a.ended_at ? "resolved" : "firing";
    const c = tr.children;
    c[0].textContent = a.message;
    c[1].firstChild.textContent = a.severity;
    c[1].dataset.severity = a.severity;
    c[2].textContent = humanTime(a.started_at);
    c[3].textContent = a.ended_at ? humanTime(a.ended_at) : "active";
    c[4].textContent = alertValue(a, a.peak);
  });
}
