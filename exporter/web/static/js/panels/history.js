/* History: the live charts start with the last recorded hour (prefill), the range selector
 * says since when history exists, and 1 h … 30 d ask /history for the charted series the
 * server has recorded, refreshed about once per plotted point. */

import { getHistory, listHistorySeries } from "../api.js";
import { $ } from "../dom.js";
import { humanTime } from "../format.js";

export const HISTORY_POINTS = 300;
const PREFILL_POINTS = 2000; // /history's maximum: an hour at full resolution down to 1.8 s samples
const MAX_SERIES = 20; // /history's limit per request

let timer = null;

export function mount(ctx) {
  ctx.history = { enabled: null, names: [], first: null, data: null, error: "" };
  const sel = $("range");
  sel.value = ctx.settings.range;
  sel.addEventListener("change", () => setRange(sel.value, ctx));
}

/* Switch the charts to a range ("live", "1h", …). */
export function setRange(range, ctx) {
  if (ctx.history.enabled === false && range !== "live") return;
  ctx.history.data = null;
  ctx.set({ range });
  show(ctx);
  load(ctx);
}

function show(ctx) {
  const h = ctx.history;
  const off = h.enabled === false;
  const sel = $("range");
  for (const o of sel.options) o.disabled = off && o.value !== "live";
  const note = $("history-note");
  note.textContent = off ? "history disabled" : h.error;
  note.hidden = !note.textContent;
  const since = $("history-since");
  since.textContent = h.first !== null ? `history since ${humanTime(h.first)}` : "";
  since.hidden = !since.textContent;
  sel.value = ctx.settings.range;
}

/* The recorded names and, among the charted ones, the earliest recorded time. */
async function recorded(ctx) {
  const h = ctx.history;
  const list = await listHistorySeries();
  h.names = list.map((s) => s.name);
  const known = new Set(h.names);
  const charted = ctx.chartKeys(h.names).filter((n) => known.has(n)).slice(0, MAX_SERIES);
  const firsts = list.filter((s) => charted.includes(s.name) && s.first !== null).map((s) => s.first);
  h.first = firsts.length ? Math.min(...firsts) : null;
  return charted;
}

/* /data says whether history runs; a range asked for while it does not falls back to live. */
export function render(d, ctx) {
  const h = ctx.history;
  if (h.enabled !== null) return;
  h.enabled = d.history.enabled;
  if (!h.enabled && ctx.settings.range !== "live") ctx.set({ range: "live" });
  show(ctx);
  if (h.enabled) prefill(ctx).then(() => load(ctx));
}

/* The last hour of the recorded series into the live charts, before the live points. */
async function prefill(ctx) {
  try {
    const names = await recorded(ctx);
    if (!names.length) return;
    const body = await getHistory(names, "-1h", "now", PREFILL_POINTS);
    const added = ctx.live.prefill(body.series);
    $("charts").dataset.prefilled = String(added);
    ctx.redraw();
  } catch (e) {
    ctx.history.error = `history: ${e.message}`;
  }
  show(ctx);
}

/* (Re)load the chosen range: the recorded names first (a new interface or mount may have
 * appeared), then the charted ones among them. Live, paused or hidden: nothing. */
export async function load(ctx) {
  clearTimeout(timer);
  timer = null;
  const h = ctx.history;
  const range = ctx.settings.range;
  if (range === "live" || !h.enabled) return;
  try {
    const names = await recorded(ctx);
    if (!names.length) throw new Error("nothing recorded yet");
    const body = await getHistory(names, `-${range}`, "now", HISTORY_POINTS);
    if (range !== ctx.settings.range) return;
    h.data = body;
    h.error = "";
    ctx.redraw();
  } catch (e) {
    h.error = `history: ${e.message}`;
  }
  show(ctx);
  if (range !== ctx.settings.range) return;
  // About once per plotted point, at least every 30 s, at most every 10 min.
  const every = Math.min(600, Math.max(30, ctx.ranges[range] / HISTORY_POINTS));
  timer = setTimeout(() => {
    timer = null;
    if (!document.hidden && !ctx.settings.paused) load(ctx);
  }, every * 1000);
}

/* After a pause: reload unless a refresh is already due. */
export function resume(ctx) {
  if (timer === null) load(ctx);
}
