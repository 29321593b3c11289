/* The top-processes table: the server sends the union of its top-N by CPU and by memory
 * (N = processes.table_size); the page shows N of them by the chosen basis, filtered by the
 * filter box, sorted by the clicked column. A click on a row shows its full command line,
 * user, state and threads (the only way on a phone, where those columns are hidden). */

import { $, el, emptyRow, setText, syncRows } from "../dom.js";
import { fixed, humanBytes } from "../format.js";

const COLUMNS = 8;
const sort = { key: "cpu_percent", dir: "desc", basis: "cpu_percent" };
const expanded = new Set(); // PIDs whose details are open
let filter = "";
let latest = null;

/* A comparator on `key` (missing values last, ties by PID), ascending or descending. */
export function compareBy(key, dir) {
  const sign = dir === "asc" ? 1 : -1;
  return (a, b) => {
    const x = a[key];
    const y = b[key];
    const xn = x === null || x === undefined;
    const yn = y === null || y === undefined;
    if (xn || yn) return xn && yn ? a.pid - b.pid : xn ? 1 : -1;
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? sign * c : a.pid - b.pid;
  };
}

/* Whether a process matches the filter text: a substring of its name, command line or user
 * (any case), or its PID. */
export function matches(p, text) {
  const t = text.trim().toLowerCase();
  if (!t) return true;
  return String(p.pid) === t || [p.name, p.cmdline, p.user].some((v) => (v || "").toLowerCase().includes(t));
}

/* The rows to show: the matching ones, `size` of them by the basis (CPU or memory), then
 * ordered by the sort column. */
export function tableRows(top, size, { key, dir, basis }, text = "") {
  return top.filter((p) => matches(p, text)).sort(compareBy(basis, "desc")).slice(0, size).sort(compareBy(key, dir));
}

export function mount() {
  for (const th of document.querySelectorAll("#proc-table th")) {
    th.querySelector("button").addEventListener("click", () => onSort(th));
  }
  const box = $("proc-filter");
  box.addEventListener("input", () => {
    filter = box.value;
    if (latest) render(latest);
  });
  $("proc-body").addEventListener("click", (e) => {
    const tr = e.target.closest("tr[data-pid]");
    if (!tr) return;
    const pid = Number(tr.dataset.pid);
    if (!expanded.delete(pid)) expanded.add(pid);
    if (latest) render(latest);
  });
}

/* Focus the filter box (the "/" shortcut). */
export function focusFilter() {
  $("proc-filter").focus();
}

function onSort(th) {
  const key = th.dataset.key;
  if (key === sort.key) sort.dir = sort.dir === "asc" ? "desc" : "asc";
  else {
    sort.key = key;
    sort.dir = th.dataset.type === "num" && key !== "pid" ? "desc" : "asc";
  }
  if (key === "cpu_percent") sort.basis = "cpu_percent";
  if (key === "memory_percent" || key === "rss_bytes") sort.basis = "rss_bytes";
  for (const h of document.querySelectorAll("#proc-table th")) {
    h.setAttribute("aria-sort", h.dataset.key !== sort.key ? "none" : sort.dir === "asc" ? "ascending" : "descending");
  }
  if (latest) render(latest);
}

function newRow() {
  const tr = el("tr");
  for (const cls of ["num", "user", "cmd", "num threads", "num", "num", "num", "state"]) tr.appendChild(el("td", cls));
  tr.children[2].append(el("span", "pname"), el("span", "cmdline"), el("span", "detail"));
  return tr;
}

export function render(d) {
  latest = d;
  const body = $("proc-body");
  const p = d.processes;
  if (!p) {
    emptyRow(body, COLUMNS, "Process collector unavailable.");
    return;
  }
  const rows = tableRows(p.top, p.table_size, sort, filter);
  $("proc-basis").textContent = `(top ${rows.length} of ${p.total} by ${sort.basis === "cpu_percent" ? "CPU" : "memory"}` +
    `${filter.trim() ? `, matching “${filter.trim()}”` : ""})`;
  if (!rows.length) {
    emptyRow(body, COLUMNS, filter.trim() ? "No process in the table matches the filter." : "No processes.");
    return;
  }
  if (body.querySelector(".empty")) body.textContent = "";
  syncRows(body, rows, newRow, (tr, r) => {
    tr.dataset.pid = String(r.pid);
    const open = expanded.has(r.pid);
    tr.classList.toggle("is-expanded", open);
    tr.setAttribute("aria-expanded", open ? "true" : "false");
    const c = tr.children;
    setText(c[0], String(r.pid));
    setText(c[1], r.user || "");
    const [name, cmd, detail] = c[2].children;
    setText(name, r.name);
    setText(cmd, r.cmdline && r.cmdline !== r.name ? r.cmdline : "");
    setText(detail, open ? `user ${r.user || "?"} · ${r.state} · ${r.threads} thread${r.threads === 1 ? "" : "s"}` : "");
    setText(c[3], String(r.threads));
    setText(c[4], fixed(r.cpu_percent, 1));
    setText(c[5], fixed(r.memory_percent, 1));
    setText(c[6], humanBytes(r.rss_bytes));
    setText(c[7], r.state);
  });
}
