/* Alerts: the banner of firing alerts, the count in the tab title, pending alerts, the log.
 * alertLevels() turns the alerts section into the levels the tiles and bars are coloured by. */

import { $, cssVar, el, emptyRow, setText, syncRows } from "../dom.js";
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

const NAMES = { cpu: "CPU", memory: "Memory", swap: "Swap", load_per_core: "Load per core" };

/* What an alert is about: "CPU", "Filesystem /home". */
export function alertName(a) {
  return NAMES[a.resource] || `Filesystem ${a.instance}`;
}

/* The log's line: the peak, not the value the alert had when it resolved. */
export function logMessage(a) {
  return `${alertName(a)} reached ${alertValue(a, a.peak)} (≥ ${alertValue(a, a.threshold)})`;
}

/* The processes most likely behind a CPU, load or memory alert: the top 3 of /data's table. */
export function culprits(a, processes) {
  const rows = processes?.top || [];
  const byCpu = a.resource === "cpu" || a.resource === "load_per_core";
  if (!byCpu && a.resource !== "memory" && a.resource !== "swap") return [];
  const key = byCpu ? "cpu_percent" : "rss_bytes";
  return rows.filter((p) => isNum(p[key]) && p[key] > 0).sort((x, y) => y[key] - x[key]).slice(0, 3)
    .map((p) => `${p.name} ${byCpu ? `${p.cpu_percent.toFixed(1)} %` : `${(p.memory_percent ?? 0).toFixed(1)} %`}`);
}

/* How long the banner says an alert has held: since its condition began, not since it fired. */
export function heldFor(a, now) {
  return humanDuration(now - a.since);
}

function bannerItem() {
  const item = el("div", "alert-item");
  item.append(el("span", "badge"), el("span", "msg"), el("span", "since muted"), el("span", "culprits muted"));
  return item;
}

let favicon = { count: -1, level: "" };

/* The tab's icon: a dot in the level's colour with the number of firing alerts. */
function drawFavicon(count, level) {
  if (favicon.count === count && favicon.level === level) return;
  favicon = { count, level };
  const c = document.createElement("canvas");
  c.width = c.height = 32;
  const g = c.getContext("2d");
  g.fillStyle = cssVar(level === "critical" ? "--crit" : level === "warning" ? "--warn" : "--ok");
  g.beginPath();
  g.arc(16, 16, 15, 0, 2 * Math.PI);
  g.fill();
  if (count) {
    g.fillStyle = "#fff";
    g.font = "bold 20px sans-serif";
    g.textAlign = "center";
    g.textBaseline = "middle";
    g.fillText(count > 9 ? "9+" : String(count), 16, 17);
  }
  const link = $("favicon");
  link.href = c.toDataURL("image/png");
  link.dataset.count = String(count);
  link.dataset.level = level || "ok";
}

function logRow() {
  const tr = el("tr");
  for (let i = 0; i < 5; i++) tr.appendChild(el("td", i === 4 ? "num" : ""));
  tr.children[1].appendChild(el("span", "badge"));
  return tr;
}

export function render(d) {
  const alerts = d.alerts || { firing: [], pending: [], log: [], thresholds: {} };
  const { firing, pending, log } = alerts;
  const severity = firing.some((a) => a.severity === "critical") ? "critical" : firing.length ? "warning" : "";
  // Firing alerts first, then pending ones (muted, with the time left before they fire).
  const shown = firing.concat(pending.filter((p) => !firing.some((f) => f.resource === p.resource &&
    f.instance === p.instance)));
  const banner = $("alert-banner");
  banner.hidden = shown.length === 0;
  banner.dataset.severity = severity || "pending";
  syncRows(banner, shown, bannerItem, (item, a) => {
    const isPending = a.state === "pending";
    item.dataset.severity = isPending ? "pending" : a.severity;
    setText(item.children[0], isPending ? `pending ${a.severity}` : a.severity);
    setText(item.children[1], a.message);
    const hold = alerts.thresholds?.[a.resource]?.for_seconds;
    item.children[2].textContent = isPending && isNum(hold)
      ? `for ${heldFor(a, d.timestamp)}, fires after ${humanDuration(hold)}`
      : `for ${heldFor(a, d.timestamp)}`;
    const who = culprits(a, d.processes);
    setText(item.children[3], who.length ? `top: ${who.join(", ")}` : "");
  });
  document.title = `${firing.length ? `(${firing.length}) ` : ""}System Monitor${d.hostname ? ` — ${d.hostname}` : ""}`;
  drawFavicon(firing.length, severity);
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
    setText(c[0], logMessage(a));
    setText(c[1].firstChild, a.severity);
    c[1].dataset.severity = a.severity;
    setText(c[2], humanTime(a.started_at));
    setText(c[3], a.ended_at ? humanTime(a.ended_at) : "active");
    setText(c[4], alertValue(a, a.peak));
  });
}
