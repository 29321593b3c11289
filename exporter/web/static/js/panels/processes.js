/* The top-processes table: the server sends the union of its top-N by CPU and by memory
 * (N = processes.table_size); the page shows N of them by the chosen basis, sorted by the
 * clicked column. */

import { $, el, emptyRow, syncRows } from "../dom.js";
import { fixed, humanBytes } from "../format.js";

const COLUMNS = 7;
const sort = { key: "cpu_percent", dir: "desc", basis: "cpu_percent" };
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

/* The rows to show: `size` rows by the basis (CPU or memory), then ordered by the sort column. */
export function tableRows(top, size, { key, dir, basis }) {
  return top.slice().sort(compareBy(basis, "desc")).slice(0, size).sort(compareBy(key, dir));
}

export function mount() {
  for (const th of document.querySelectorAll("#proc-table th")) {
    th.querySelector("button").addEventListener("click", () => onSort(th));
  }
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
  for (const cls of ["num", "", "", "num", "num", "num", ""]) tr.appendChild(el("td", cls));
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
  const rows = tableRows(p.top, p.table_size, sort);
  $("proc-basis").textContent =
    `(top ${rows.length} of ${p.total} by ${sort.basis === "cpu_percent" ? "CPU" : "memory"})`;
  if (body.querySelector(".empty")) body.textContent = "";
  syncRows(body, rows, newRow, (tr, r) => {
    tr.title = r.cmdline || r.name;
    tr.dataset.pid = String(r.pid);
    const c = tr.children;
    c[0].textContent = String(r.pid);
    c[1].textContent = r.user || "";
    c[2].textContent = r.name;
    c[3].textContent = fixed(r.cpu_percent, 1);
    c[4].textContent = fixed(r.memory_percent, 1);
    c[5].textContent = humanBytes(r.rss_bytes);
    c[6].textContent = r.state;
  });
}
