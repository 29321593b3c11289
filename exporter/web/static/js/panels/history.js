/* The range selector: "live" draws the page's ring buffers; 1 h … 30 d ask /history for the
 * charted series the server has recorded, and refresh about once per plotted point. */

import { getHistory, listHistorySeries } from "../api.js";
import { $ } from "../dom.js";

export const HISTORY_POINTS = 300;
const MAX_SERIES = 20; // /history's limit per request

let timer = null;

export function mount(ctx) {
  ctx.history = { enabled: null, names: [], data: null, error: "" };
  const sel = $("range");
  sel.value = ctx.settings.range;
  sel.addEventListener("change", () => {
    ctx.history.data = null;
    ctx.set({ range: sel.value });
    load(ctx);
  });
}

function show(ctx) {
  const h = ctx.history;
  const off = h.enabled === false;
  const sel = $("range");
  for (const o of sel.options) o.disabled = off && o.value !== "live";
  const note = $("history-note");
  note.textContent = off ? "history disabled" : h.error;
  note.hidden = !note.textContent;
  sel.value = ctx.settings.range;
}

/* /data says whether history runs; a range asked for while it does not falls back to live. */
export function render(d, ctx) {
  const h = ctx.history;
  if (h.enabled !== null) return;
  h.enabled = d.history.enabled;
  if (!h.enabled && ctx.settings.range !== "live") ctx.set({ range: "live" });
  show(ctx);
  if (h.enabled) load(ctx);
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
    h.names = (await listHistorySeries()).map((s) => s.name);
    const recorded = new Set(h.names);
    const names = ctx.chartKeys(h.names).filter((n) => recorded.has(n)).slice(0, MAX_SERIES);
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

/* After a pause or a lost connection: reload unless a refresh is already due. */
export function resume(ctx) {
  if (timer === null) load(ctx);
}
