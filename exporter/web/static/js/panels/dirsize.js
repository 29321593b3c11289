/* Largest directories and files (/disk-usage-details). Independent of /data: it lists the
 * scan roots once, shows the cached result of a path, and polls every second while a scan
 * of it is queued or running. A click on a directory row shows that directory. Paths are
 * user data: textContent only. */

import { ApiError, getDiskUsage, listRoots, rescan } from "../api.js";
import { $, el } from "../dom.js";
import { humanAge, humanBytes } from "../format.js";

const POLL_MS = 1000;
const LIMIT = 20;

let current = null; // the path shown
let lastResult = null; // {fetchedAt, age} of the shown result
let pollTimer = null;
let generation = 0; // answers to superseded requests are dropped
let queuedPolls = 0; // answers in a row that said "queued": only a second one means waiting

/* How an entry is shown under the directory `base`: relative to it (short, and distinct on a
 * phone where long absolute paths would be cut to the same tail). */
export function relativePath(path, base) {
  const prefix = base.endsWith("/") ? base : `${base}/`;
  return path.startsWith(prefix) && path.length > prefix.length ? path.slice(prefix.length) : path;
}

function setMessage(text, isError = false) {
  const m = $("du-message");
  m.textContent = text;
  m.hidden = !text;
  m.classList.toggle("du-error", isError);
}

export function mount() {
  const section = $("dirsize");
  const rootSelect = $("du-root");
  const pathInput = $("du-path");
  rootSelect.addEventListener("change", () => {
    pathInput.value = rootSelect.value;
    show(rootSelect.value);
  });
  $("du-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    show(pathInput.value.trim());
  });
  $("du-rescan").addEventListener("click", () => current && start(rescan, current));
  $("du-dirs").addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-path]");
    if (row) show(row.dataset.path);
  });
  setInterval(updateAge, 10_000);
  listRoots().then((body) => {
    if (!body.enabled) {
      setMessage("Directory scans are turned off (dirsize.enabled: false).");
      section.classList.add("du-disabled");
      return;
    }
    for (const r of body.roots) rootSelect.appendChild(el("option", null, r.path)).value = r.path;
    if (!body.roots.length) {
      setMessage("No scan roots are configured.");
      return;
    }
    pathInput.value = body.roots[0].path;
    show(body.roots[0].path);
  }, (e) => setMessage(e instanceof ApiError ? e.message : "Cannot reach the exporter.", true));
}

function show(path) {
  if (!path) return;
  current = path;
  start(getDiskUsage, path);
}

function start(call, path) {
  clearTimeout(pollTimer);
  pollTimer = null;
  generation += 1;
  fetchAndRender(call, path, generation);
}

async function fetchAndRender(call, path, gen) {
  let res;
  try {
    res = await call(path, LIMIT);
  } catch (e) {
    if (gen !== generation) return;
    if (e instanceof ApiError) {
      setMessage(e.message, true);
      clear(); // the tables of the previous path must not stand under the refused one
      return;
    }
    setMessage("Cannot reach the exporter; retrying…", true);
    pollTimer = setTimeout(() => fetchAndRender(getDiskUsage, path, gen), POLL_MS * 5);
    return;
  }
  if (gen !== generation) return;
  setMessage("");
  draw(res.body);
  if (res.status === 202 || res.body.running || res.body.queued) {
    pollTimer = setTimeout(() => fetchAndRender(getDiskUsage, path, gen), POLL_MS);
  }
}

function clear() {
  lastResult = null;
  $("du-summary").textContent = "";
  $("du-errors").hidden = true;
  $("du-progress").hidden = true;
  fill($("du-dirs"), [], 0, "");
  fill($("du-files"), [], 0, "");
  updateAge();
}

function draw(body) {
  current = body.path;
  const pathInput = $("du-path");
  if (document.activeElement !== pathInput) pathInput.value = body.path;
  const rootSelect = $("du-root");
  if (rootSelect.value !== body.root) rootSelect.value = body.root;
  const section = $("dirsize");
  const busy = !!(body.running || body.queued);
  const p = body.progress;
  $("du-progress").hidden = !busy;
  section.classList.toggle("du-busy", busy);
  queuedPolls = body.queued && !body.running ? queuedPolls + 1 : 0;
  $("du-progress-text").textContent = body.running && p
    ? `Scanning… ${p.entries.toLocaleString()} entries, ${humanBytes(p.bytes)}, ${p.elapsed_seconds.toFixed(0)} s`
    : queuedPolls > 1 ? "Waiting for another scan of this root to finish…" : "Starting the scan…";
  $("du-rescan").disabled = busy;

  const r = body.result;
  lastResult = r ? { fetchedAt: Date.now(), age: body.age_seconds } : null;
  updateAge();
  const summary = $("du-summary");
  const errors = $("du-errors");
  if (!r) {
    summary.textContent = busy ? "No result yet for this directory." : "";
    fill($("du-dirs"), [], 0, body.path);
    fill($("du-files"), [], 0, body.path);
    errors.hidden = true;
    return;
  }
  summary.textContent = `${humanBytes(r.total_bytes)} in ${r.entries.toLocaleString()} entries, scanned in ` +
    `${r.duration_seconds.toFixed(1)} s${r.complete ? "" : ` — partial: ${r.message}`}`;
  summary.classList.toggle("du-partial", !r.complete);
  errors.hidden = !r.errors.count;
  errors.textContent = `${r.errors.count.toLocaleString()} entries could not be read (not counted)` +
    (r.errors.examples.length ? `, e.g. ${r.errors.examples.join("; ")}` : "");
  fill($("du-dirs"), r.directories, r.total_bytes, body.path);
  fill($("du-files"), r.files, r.total_bytes, body.path);
}

function fill(tbody, entries, total, base) {
  tbody.textContent = "";
  if (!entries.length) {
    const td = el("td", "du-empty", "—");
    td.colSpan = 3;
    tbody.appendChild(el("tr")).appendChild(td);
    return;
  }
  const max = entries[0].bytes || 1;
  for (const e of entries) {
    const row = el("tr", "du-row");
    row.dataset.path = e.path;
    row.appendChild(el("td", "du-size", humanBytes(e.bytes))).title = `${e.bytes.toLocaleString()} bytes`;
    const barCell = el("td", "du-bar-cell");
    const fillEl = barCell.appendChild(el("div", "du-bar")).appendChild(el("div", "du-bar-fill"));
    fillEl.style.width = `${Math.max(0.5, (100 * e.bytes) / max).toFixed(1)}%`;
    if (total) barCell.title = `${((100 * e.bytes) / total).toFixed(1)}% of the scanned directory`;
    row.appendChild(barCell);
    const pathCell = el("td", "du-path-cell");
    pathCell.appendChild(el("span", "du-path-text", relativePath(e.path, base))).dir = "ltr"; // ltr in an rtl cell
    pathCell.title = e.path;
    row.appendChild(pathCell);
    tbody.appendChild(row);
  }
}

function updateAge() {
  const age = lastResult ? (lastResult.age || 0) + (Date.now() - lastResult.fetchedAt) / 1000 : null;
  $("du-status").textContent = `Last scan: ${humanAge(age)}`;
}
