/* The CPU, load, memory, swap and uptime tiles; each tile's border and bar take the level of
 * its alert (ctx.levels, from the alerts section of /data). */

import { $, el, setFill, setText, syncRows } from "../dom.js";
import { fixed, humanBytes, humanDuration, humanPercent, isNum } from "../format.js";

function level(ctx, resource) {
  return ctx.levels[`${resource}|`] || "ok";
}

const MODE_NAMES = { user: "user", nice: "nice", system: "system", iowait: "iowait", irq: "irq", softirq: "softirq",
  steal: "steal" };

/* "user 20 % · system 10 % · iowait 20 %": user and system always, the other modes from 0.5 %
 * (iowait and steal whenever above 0: they are what a sysadmin looks for). */
export function modesLine(modes) {
  if (!modes) return "";
  const shown = (m) => m === "user" || m === "system" || modes[m] >= 0.5 ||
    ((m === "iowait" || m === "steal") && modes[m] > 0);
  return Object.entries(MODE_NAMES)
    .filter(([m]) => isNum(modes[m]) && shown(m))
    .map(([m, label]) => `${label} ${humanPercent(modes[m], modes[m] < 10 ? 1 : 0)}`).join(" · ");
}

function newCore() {
  return el("div", "core");
}

function cpu(d, ctx) {
  const lvl = level(ctx, "cpu");
  $("tile-cpu").dataset.level = lvl;
  if (!d.cpu) {
    setText($("cpu-value"), "unavailable");
    return;
  }
  setText($("cpu-value"), humanPercent(d.cpu.percent));
  setFill($("cpu-bar"), d.cpu.percent, lvl);
  setText($("cpu-modes"), modesLine(d.cpu.modes));
  const cores = d.cpu.per_core || [];
  syncRows($("cpu-cores"), cores, newCore, (core, v, i) => {
    const busy = String(isNum(v) ? Math.max(0, Math.min(100, v)) / 100 : 0);
    if (core.style.getPropertyValue("--busy") !== busy) core.style.setProperty("--busy", busy);
    core.title = `core ${i}: ${humanPercent(v)}`;
  });
  const busiest = cores.reduce((best, v, i) => (isNum(v) && v > (cores[best] ?? -1) ? i : best), 0);
  $("cpu-cores").setAttribute("aria-label", cores.length
    ? `${cores.length} cores; busiest core ${busiest} at ${humanPercent(cores[busiest])}` : "Per core");
}

function load(d, ctx) {
  const lvl = level(ctx, "load_per_core");
  $("tile-load").dataset.level = lvl;
  if (!d.load) {
    setText($("load-value"), "unavailable");
    return;
  }
  const cores = d.cpu?.count || null;
  setText($("load-value"), fixed(d.load.load1, 2));
  setText($("load-cores"), cores ? `/ ${cores} ${cores === 1 ? "core" : "cores"}` : "");
  setFill($("load-bar"), cores ? (100 * d.load.load1) / cores : null, lvl);
  $("load-sub").textContent = `5 min ${fixed(d.load.load5, 2)} · 15 min ${fixed(d.load.load15, 2)}` +
    (isNum(d.load.per_core) ? ` · per core ${fixed(d.load.per_core, 2)}` : "");
}

function memory(d, ctx) {
  const lvl = level(ctx, "memory");
  $("tile-memory").dataset.level = lvl;
  const m = d.memory;
  if (!m) {
    setText($("memory-value"), "unavailable");
    return;
  }
  setText($("memory-value"), humanPercent(m.percent));
  setFill($("memory-bar"), m.percent, lvl);
  $("memory-sub").textContent =
    `${humanBytes(m.used_bytes)} used of ${humanBytes(m.total_bytes)} · ${humanBytes(m.available_bytes)} available`;
}

function swap(d, ctx) {
  const lvl = level(ctx, "swap");
  const tile = $("tile-swap");
  tile.dataset.level = lvl;
  const s = d.swap;
  tile.classList.toggle("is-empty", !s?.total_bytes);
  if (s?.total_bytes) {
    setText($("swap-value"), humanPercent(s.percent));
    setFill($("swap-bar"), s.percent, lvl);
    setText($("swap-sub"), `${humanBytes(s.used_bytes)} used of ${humanBytes(s.total_bytes)}`);
  } else {
    setText($("swap-value"), s ? "No swap" : "unavailable");
    setFill($("swap-bar"), 0);
    setText($("swap-sub"), s ? "This host has no swap space configured." : "");
  }
}

function uptime(d) {
  setText($("uptime-value"), humanDuration(d.uptime_seconds));
  const p = d.processes;
  const parts = p ? [`${p.total} processes`] : [];
  for (const k of ["running", "disk-sleep", "zombie"]) if (p?.by_state[k]) parts.push(`${p.by_state[k]} ${k}`);
  setText($("processes-sub"), parts.join(" · "));
}

export function render(d, ctx) {
  cpu(d, ctx);
  load(d, ctx);
  memory(d, ctx);
  swap(d, ctx);
  uptime(d);
}
