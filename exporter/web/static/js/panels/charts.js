/* The five charts (uPlot): live from the page's ring buffers, or a range from /history.
 * chartSpecs() decides which series each chart draws from the names the source has. */

import { $, cssVar, el } from "../dom.js";
import { fixed, humanRate, isNum, niceIncrs, pointTime, timeTick } from "../format.js";

const COLORS = ["#3b82f6", "#ef4444", "#10b981", "#f59e0b", "#8b5cf6", "#ec4899", "#14b8a6", "#f97316",
  "#6366f1", "#84cc16"];
const HEIGHT = 170;
const charts = {}; // figure id → {u, sig, raw}
const onScreen = new Set(); // figures in or near the viewport: the only ones redrawn every poll
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

/* Two series per device, one colour per device: its place among all the source's devices,
 * so hiding or showing another one never re-colours it. */
function perDevice(devices, hidden, prefix, [a, b], [la, lb]) {
  const series = [];
  devices.forEach((dev, i) => {
    if (hidden.has(dev)) return;
    const color = COLORS[i % COLORS.length];
    series.push({ key: `${prefix}${dev}.${a}`, label: `${dev} ${la}`, color });
    series.push({ key: `${prefix}${dev}.${b}`, label: `${dev} ${lb}`, color, dash: [5, 3] });
  });
  return series;
}

/* The busy CPU modes, stacked bottom to top (live only: history does not record them). */
export const CPU_MODES = [["user", "#3b82f6"], ["nice", "#14b8a6"], ["system", "#ef4444"], ["iowait", "#f59e0b"],
  ["irq", "#8b5cf6"], ["softirq", "#ec4899"], ["steal", "#6b7280"]];

/* Stacked columns: each series the sum of itself and those below it (a missing value counts
 * as 0 unless every value at that point is missing). */
export function stack(columns) {
  const out = [];
  columns.forEach((col, i) => {
    out.push(col.map((v, j) => {
      const below = i ? out[i - 1][j] : null;
      if (!isNum(v)) return below;
      return (below ?? 0) + v;
    }));
  });
  return out;
}

/* Which charts and series to draw from the series `names` available in the current source.
 * `hidden`: interfaces to leave out; `cores`: the CPU count for the load chart's reference line;
 * `disk`: the one disk to draw ("" for all). */
export function chartSpecs(names, { hidden = new Set(), cores = null, muted = "#888", disk = "" } = {}) {
  const ifaces = nameParts("net.", ".rx_bytes_per_second", names).sort();
  const disks = nameParts("disk.", ".read_bytes_per_second", names);
  const modes = CPU_MODES.filter(([m]) => names.includes(`cpu.mode.${m}`));
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
    { id: "chart-net", unit: "rate", series: perDevice(ifaces, hidden, "net.",
      ["rx_bytes_per_second", "tx_bytes_per_second"], ["rx", "tx"]) },
    { id: "chart-disk", unit: "rate", series: perDevice(disks, new Set(disk ? disks.filter((k) => k !== disk) : []),
      "disk.", ["read_bytes_per_second", "write_bytes_per_second"], ["read", "write"]) },
    // Drawn top first, so that each band covers the ones above it only where it reaches.
    { id: "chart-cpu-modes", unit: "percent", stacked: true,
      series: modes.map(([m, color]) => ({ key: `cpu.mode.${m}`, label: m, color, fill: `${color}99` })).reverse() },
  ];
}

/* The recorded series a spec list draws (constants are not series): what to ask /history for. */
export function recordedKeys(specs) {
  return [...new Set(specs.flatMap((s) => s.series.filter((x) => x.constant === undefined).map((x) => x.key)))];
}

/* uPlot data for a spec from a /history answer: one x axis joined over every series. A bucket
 * that starts before recording began (`first`) is drawn where recording began, not before. */
export function historyData(spec, history, first = -Infinity) {
  const series = history?.series || {};
  const drawn = spec.series.filter((s) => s.constant === undefined);
  const tables = drawn.map((s) => {
    const e = series[s.key];
    return e ? [e.t.map((t) => Math.max(t, first)), e.avg] : [[], []];
  });
  const joined = tables.length ? uPlot.join(tables) : [[]];
  const x = joined[0] || [];
  let j = 1;
  return [x].concat(spec.series.map((s) => (s.constant !== undefined ? x.map(() => s.constant) : joined[j++])));
}

/* Horizontal lines at the warning and critical levels of the alert a chart shows:
 * [{value, level}] in the chart's unit (percent, or load for all cores). */
export function thresholdLines(specId, thresholds, cores) {
  const t = thresholds || {};
  const pick = (th, scale) => (th ? [{ value: th.warning * scale, level: "warn" },
    { value: th.critical * scale, level: "crit" }] : []);
  if (specId === "chart-cpu") return pick(t.cpu, 100);
  if (specId === "chart-memory") return pick(t.memory, 100);
  if (specId === "chart-load" && cores) return pick(t.load_per_core, cores);
  return [];
}

/* The last value of a column that is a number (the legend at rest shows it). */
export function lastValue(col) {
  for (let i = col.length - 1; i >= 0; i--) if (isNum(col[i])) return col[i];
  return null;
}

function liveData(spec, live) {
  const data = live.window(spec.series.map((s) => s.key));
  spec.series.forEach((s, i) => {
    if (s.constant !== undefined) data[i + 1] = data[0].map(() => s.constant);
  });
  return data;
}

/* What a chart draws from its data: stacked charts draw running sums (top first) and keep the
 * plain values for their legend. */
function drawn(spec, data) {
  if (!spec.stacked) return { data, raw: data };
  const bottomUp = data.slice(1).reverse();
  return { data: [data[0]].concat(stack(bottomUp).reverse()), raw: data };
}

const VALUE = {
  percent: (v) => (isNum(v) ? `${v.toFixed(1)} %` : "–"),
  rate: humanRate,
  load: (v) => fixed(v, 2),
};
const AXIS = {
  percent: (v) => `${v} %`,
  rate: humanRate,
  load: String,
};
const INCRS = { percent: [1, 2, 5, 10, 20, 25, 50], rate: niceIncrs(true), load: niceIncrs(false) };

/* Zoom: one x window for every chart; while set, the charts keep the data they had. */
const zoom = { range: null, taken: false };

function plotWidth(fig) {
  const plot = fig.querySelector(".plot");
  return Math.max(200, Math.floor(plot.clientWidth || fig.clientWidth || 300));
}

/* Tick labels as drawn, also kept on the figure (data-y-ticks, data-x-ticks): the canvas has no text. */
function labels(fig, name, texts) {
  fig.dataset[name] = texts.join("|");
  return texts;
}

function drawThresholds(u, lines) {
  u.root.closest("figure").dataset.thresholds = lines.map((l) => l.value).join(",");
  if (!lines.length) return;
  const c = u.ctx;
  const { left, width } = u.bbox;
  c.save();
  c.lineWidth = Math.max(1, window.devicePixelRatio || 1);
  c.setLineDash([6, 4]);
  for (const line of lines) {
    const y = Math.round(u.valToPos(line.value, "y", true));
    if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) continue;
    c.strokeStyle = cssVar(line.level === "crit" ? "--crit" : "--warn");
    c.beginPath();
    c.moveTo(left, y);
    c.lineTo(left + width, y);
    c.stroke();
  }
  c.restore();
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
  const xRange = (u, min, max) => {
    if (zoom.range) return [zoom.range.min, zoom.range.max];
    if (ctx.settings.range !== "live") {
      const h = ctx.history.data;
      if (h) return [Math.max(h.from, ctx.history.first ?? h.from), h.to]; // only the recorded span
    }
    if (!isNum(min) || !isNum(max)) return [0, 1];
    return max - min < 60 ? [max - 60, max] : [min, max]; // at least a minute: no sub-second ticks
  };
  const fmt = VALUE[spec.unit];
  // The legend: the hovered point, or at rest the latest; stacked charts show each mode's own value.
  const atRest = (u, v, sidx, idx) => {
    const col = (spec.stacked ? charts[spec.id]?.raw?.[sidx] : u.data[sidx]) || [];
    return idx === null ? lastValue(col) : col[idx];
  };
  const opts = {
    width: plotWidth(fig),
    height: HEIGHT,
    cursor: { sync: { key: "sysmon", setSeries: false }, drag: { x: true, y: false, setScale: false } },
    legend: { live: true },
    scales: { x: { time: true, range: xRange }, y: { range: yRange } },
    axes: [
      { ...axis, space: 80,
        values: (u, splits, ax, space, incr) => labels(fig, "xTicks", splits.map((v) => timeTick(v, incr))) },
      { ...axis, size: spec.unit === "rate" ? 78 : 56, incrs: INCRS[spec.unit],
        values: (u, splits) => {
          fig.dataset.ySplits = splits.join(",");
          return labels(fig, "yTicks", splits.map(AXIS[spec.unit]));
        } },
    ],
    series: [{ value: (u, v, sidx, idx) => pointTime(atRest(u, v, sidx, idx)) }].concat(spec.series.map((s) => ({
      label: s.label, stroke: s.color, fill: s.fill, width: 1.5, dash: s.dash,
      value: (u, v, sidx, idx) => fmt(atRest(u, v, sidx, idx)),
    }))),
    hooks: {
      draw: [(u) => drawThresholds(u, thresholdLines(spec.id, ctx.latest?.alerts?.thresholds, ctx.latest?.cpu?.count))],
      setSelect: [(u) => onSelect(u, ctx)],
      // uPlot commits a new scale after setData returns: the figure says the drawn span (for tests).
      setScale: [(u, key) => {
        if (key !== "x") return;
        fig.dataset.xMin = String(u.scales.x.min);
        fig.dataset.xMax = String(u.scales.x.max);
      }],
    },
  };
  const u = new uPlot(opts, [[]].concat(spec.series.map(() => [])), plot);
  u.over.addEventListener("dblclick", () => setZoom(null, ctx));
  dragToPan(u, ctx);
  return u;
}

/* On a zoomed chart a drag pans every chart with the pointer (grab and move the span, as maps do);
 * shift+drag still selects a span to zoom into. Caught in the capture phase on the chart's root,
 * before uPlot's own mousedown on the plot area would start a selection. Redraws once a frame. */
function dragToPan(u, ctx) {
  u.root.addEventListener("mousedown", (e) => {
    if (!zoom.range || e.shiftKey || e.button !== 0 || !u.over.contains(e.target)) return;
    e.stopPropagation();
    e.preventDefault();
    const from = { x: e.clientX, range: zoom.range, perPx: (zoom.range.max - zoom.range.min) / u.over.clientWidth };
    let frame = 0;
    let lastX = e.clientX;
    document.body.classList.add("is-panning");
    const move = (m) => {
      lastX = m.clientX;
      frame = frame || requestAnimationFrame(() => {
        frame = 0;
        const shift = (from.x - lastX) * from.perPx;
        setZoom({ min: from.range.min + shift, max: from.range.max + shift }, ctx);
      });
    };
    const up = (m) => {
      window.removeEventListener("mousemove", move);
      window.removeEventListener("mouseup", up);
      document.body.classList.remove("is-panning");
      if (frame) cancelAnimationFrame(frame);
      frame = 0;
      const shift = (from.x - m.clientX) * from.perPx;
      if (shift) setZoom({ min: from.range.min + shift, max: from.range.max + shift }, ctx);
    };
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", up);
  }, true);
}

/* A drag across a chart zooms every chart to that span (synced cursors make each chart
 * report the same selection: the first one wins). */
function onSelect(u, ctx) {
  const { left, width } = u.select;
  u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
  if (width < 5 || zoom.taken) return;
  zoom.taken = true;
  queueMicrotask(() => {
    zoom.taken = false;
  });
  setZoom({ min: u.posToVal(left, "x"), max: u.posToVal(left + width, "x") }, ctx);
}

/* Zoom all charts to {min, max} (Unix seconds), or back to the whole span with null. */
export function setZoom(range, ctx) {
  zoom.range = range;
  const bar = $("zoom-bar");
  bar.hidden = !range;
  if (range) {
    $("zoom-span").textContent = `${pointTime(range.min)} – ${pointTime(range.max)}`;
  }
  document.body.classList.toggle("is-zoomed", !!range);
  render(ctx.latest, ctx, true);
}

/* Move the zoomed window by `fraction` of its width (negative: back in time). */
export function pan(fraction, ctx) {
  if (!zoom.range) return;
  const shift = (zoom.range.max - zoom.range.min) * fraction;
  setZoom({ min: zoom.range.min + shift, max: zoom.range.max + shift }, ctx);
}

export function mount(ctx) {
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    themeVersion += 1;
    render(null, ctx, true);
  });
  $("zoom-reset").addEventListener("click", () => setZoom(null, ctx));
  $("pan-back").addEventListener("click", () => pan(-0.5, ctx));
  $("pan-forward").addEventListener("click", () => pan(0.5, ctx));
  // A chart off screen is not redrawn on every poll (most of the page's CPU is canvas drawing);
  // it catches up when it scrolls into view.
  const seen = new IntersectionObserver((entries) => {
    let appeared = false;
    for (const e of entries) {
      if (e.isIntersecting) {
        appeared = appeared || !onScreen.has(e.target.id);
        onScreen.add(e.target.id);
      } else onScreen.delete(e.target.id);
    }
    if (appeared) render(ctx.latest, ctx);
  }, { rootMargin: "200px" });
  for (const fig of document.querySelectorAll("#charts figure")) seen.observe(fig);
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
  const hidden = new Set(ctx.settings.showHidden ? []
    : (d.network || []).filter((n) => n.hidden || !n.up).map((n) => n.device));
  return chartSpecs(names, { hidden, cores: d.cpu?.count || null, muted: cssVar("--muted"), disk: ctx.settings.disk });
}

/* Draw the current source on the charts in view (all of them when `force`: a zoom, a pan, a
 * theme change). While zoomed the charts keep their data ("paused while zoomed"). */
export function render(d, ctx, force = false) {
  if (!uPlot || (zoom.range && !force)) return;
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
    if (!ch.u || (!force && !onScreen.has(spec.id) && ch.u.data[0].length)) continue;
    const { data, raw } = drawn(spec, useHistory ? historyData(spec, ctx.history.data, ctx.history.first)
      : liveData(spec, ctx.live));
    ch.raw = raw;
    ch.u.setData(data);
    fig.dataset.points = String(ch.u.data[0].length);
    fig.dataset.source = useHistory ? "history" : "live";
  }
}
