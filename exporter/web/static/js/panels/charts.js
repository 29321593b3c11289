/* The five charts (uPlot): live from the page's ring buffers, or a range from /history.
 * chartSpecs() decides which series each chart draws from the names the source has. */

import { $, cssVar, el } from "../dom.js";
import { fixed, humanRate, isNum } from "../format.js";

const COLORS = ["#3b82f6", "#ef4444", "#10b981", "#f59e0b", "#8b5cf6", "#ec4899", "#14b8a6", "#f97316",
  "#6366f1", "#84cc16"];
const HEIGHT = 170;
const charts = {}; // figure id → {u, sig}
let themeVersion = 0;

/* uPlot is loaded on its own: an installation that lacks it (the server says so on the page)
 * still shows everything but the charts. */
let uPlot = null;
export const ready = import("../../vendor/uPlot.esm.js").then((m) => {
  uPlot = m.default;
}, () => {});

/* The `<middle>` parts of names that look like prefix<middle>suffix, in order, once each. */
export function nameParts(prefix, suffix, names) {
  const out = names.filter((n) => n.startsWith(prefix) && n.endsWith(suffix) && n.length > prefix.length + suffix.length)
    .map((n) => n.slice(prefix.length, -suffix.length));
  return [...new Set(out)];
}

function perDevice(devices, prefix, [a, b], [la, lb]) {
  const series = [];
  devices.forEach((dev, i) => {
    const color = COLORS[i % COLORS.length];
    series.push({ key: `${prefix}${dev}.${a}`, label: `${dev} ${la}`, color });
    series.push({ key: `${prefix}${dev}.${b}`, label: `${dev} ${lb}`, color, dash: [5, 3] });
  });
  return series;
}

/* Which charts and series to draw from the series `names` available in the current source.
 * `hidden`: interfaces to leave out; `cores`: the CPU count for the load chart's reference line. */
export function chartSpecs(names, { hidden = new Set(), cores = null, muted = "#888" } = {}) {
  const ifaces = nameParts("net.", ".rx_bytes_per_second", names).filter((dev) => !hidden.has(dev));
  const disks = nameParts("disk.", ".read_bytes_per_second", names);
  return [
    { id: "chart-cpu", unit: "percent", series: [{ key: "cpu.percent", label: "CPU", color: COLORS[0] }] },
    {
      id: "chart-load", unit: "load",
      series: [{ key: "load.load1", label: "load 1m", color: COLORS[1] }].concat(
        cores ? [{ key: "=cores", label: "cores", color: muted, dash: [4, 4], constant: cores }] : []),
    },
    {
      id: "chart-memory", unit: "percent",
      series: [{ key: "memory.percent", label: "memory", color: COLORS[2] }].concat(
        names.includes("swap.percent") ? [{ key: "swap.percent", label: "swap", color: COLORS[3] }] : []),
    },
    { id: "chart-net", unit: "rate", series: perDevice(ifaces, "net.", ["rx_bytes_per_second", "tx_bytes_per_second"],
      ["rx", "tx"]) },
    { id: "chart-disk", unit: "rate", series: perDevice(disks, "disk.",
      ["read_bytes_per_second", "write_bytes_per_second"], ["read", "write"]) },
  ];
}

/* The recorded series a spec list draws (constants are not series): what to ask /history for. */
export function recordedKeys(specs) {
  return [...new Set(specs.flatMap((s) => s.series.filter((x) => x.constant === undefined).map((x) => x.key)))];
}

/* uPlot data for a spec from a /history answer: one x axis joined over every series. */
export function historyData(spec, history) {
  const series = history?.series || {};
  const drawn = spec.series.filter((s) => s.constant === undefined);
  const tables = drawn.map((s) => {
    const e = series[s.key];
    return e ? [e.t, e.avg] : [[], []];
  });
  const joined = tables.length ? uPlot.join(tables) : [[]];
  const x = joined[0] || [];
  let j = 1;
  return [x].concat(spec.series.map((s) => (s.constant !== undefined ? x.map(() => s.constant) : joined[j++])));
}

function liveData(spec, live) {
  const keys = spec.series.map((s) => s.key);
  const data = live.window(keys);
  spec.series.forEach((s, i) => {
    if (s.constant !== undefined) data[i + 1] = data[0].map(() => s.constant);
  });
  return data;
}

const VALUE = {
  percent: (v) => (isNum(v) ? `${v.toFixed(1)} %` : "–"),
  rate: humanRate,
  load: (v) => fixed(v, 2),
};
const AXIS = {
  percent: (u, vals) => vals.map((v) => `${v}%`),
  rate: (u, vals) => vals.map(humanRate),
  load: (u, vals) => vals.map(String),
};

function plotWidth(fig) {
  const plot = fig.querySelector(".plot");
  return Math.max(200, Math.floor(plot.clientWidth || fig.clientWidth || 300));
}

function makeChart(spec, fig, ctx) {
  const plot = fig.querySelector(".plot");
  plot.textContent = "";
  if (!spec.series.length) {
    plot.appendChild(el("p", "empty", "No series to show."));
    return null;
  }
  const grid = cssVar("--grid");
  const axis = { stroke: cssVar("--muted"), grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const yRange = spec.unit === "percent"
    ? [0, 100]
    : (u, min, max) => [0, isNum(max) && max > 0 ? max * 1.1 : spec.unit === "rate" ? 1024 : 1];
  // Live: at least a minute wide, so a fresh page does not show sub-second ticks.
  const xRange = (u, min, max) => {
    if (!isNum(min) || !isNum(max)) return [0, 1];
    return ctx.settings.range === "live" && max - min < 60 ? [max - 60, max] : [min, max];
  };
  const fmt = VALUE[spec.unit];
  const opts = {
    width: plotWidth(fig),
    height: HEIGHT,
    cursor: { sync: { key: "sysmon", setSeries: false }, drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: true, range: xRange }, y: { range: yRange } },
    axes: [{ ...axis }, { ...axis, size: spec.unit === "rate" ? 78 : 48, values: AXIS[spec.unit] }],
    series: [{ value: "{HH}:{mm}:{ss}" }].concat(spec.series.map((s) => ({
      label: s.label, stroke: s.color, width: 1.5, dash: s.dash, value: (u, v) => fmt(v),
    }))),
  };
  return new uPlot(opts, [[]].concat(spec.series.map(() => [])), plot);
}

export function mount(ctx) {
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    themeVersion += 1;
    render(null, ctx);
  });
  let pending = false;
  new ResizeObserver(() => {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(() => {
      pending = false;
      for (const [id, ch] of Object.entries(charts)) ch.u?.setSize({ width: plotWidth($(id)), height: HEIGHT });
    });
  }).observe($("charts"));
}

/* The specs for the current source: the recorded names (history) or the live rings. */
export function specsFor(names, ctx) {
  const d = ctx.latest || {};
  const hidden = new Set((d.network || []).filter((n) => n.hidden && !ctx.settings.showHidden).map((n) => n.device));
  return chartSpecs(names, { hidden, cores: d.cpu?.count || null, muted: cssVar("--muted") });
}

export function render(d, ctx) {
  if (!uPlot) return;
  const useHistory = ctx.settings.range !== "live";
  const names = useHistory
    ? (ctx.history.data ? Object.keys(ctx.history.data.series) : ctx.history.names)
    : ctx.live.names();
  for (const spec of specsFor(names, ctx)) {
    const fig = $(spec.id);
    const sig = JSON.stringify([themeVersion, spec.series.map((s) => [s.key, s.constant])]);
    let ch = charts[spec.id];
    if (!ch || ch.sig !== sig) {
      ch?.u?.destroy();
      ch = charts[spec.id] = { u: makeChart(spec, fig, ctx), sig };
    }
    if (!ch.u) continue;
    ch.u.setData(useHistory ? historyData(spec, ctx.history.data) : liveData(spec, ctx.live));
    fig.dataset.points = String(ch.u.data[0].length);
    fig.dataset.source = useHistory ? "history" : "live";
  }
}
