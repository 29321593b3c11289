/* Services: the cgroup series (systemd units, slices, containers) busiest first, as /data's
 * `services` sends them. Hidden without the cgroup collector or cgroup v2. */

import { $, el, setText, syncRows } from "../dom.js";
import { fixed, humanBytes, humanPercent, humanRate } from "../format.js";

function newRow() {
  const tr = el("tr");
  for (const cls of ["unit", "num", "num", "num", "num", "num"]) tr.appendChild(el("td", cls));
  return tr;
}

export function render(d) {
  const s = d.services;
  $("services").hidden = !s;
  if (!s) return;
  setText($("services-basis"), `(top ${s.top.length} of ${s.total} by CPU)`);
  syncRows($("services-body"), s.top, newRow, (tr, r) => {
    const c = tr.children;
    setText(c[0], r.unit + (r.cgroups > 1 ? ` (${r.cgroups} cgroups)` : ""));
    c[0].title = r.name;
    setText(c[1], fixed(r.cpu_percent, 1));
    setText(c[2], humanBytes(r.memory_bytes));
    setText(c[3], humanRate(r.io_read_bytes_per_second));
    setText(c[4], humanRate(r.io_write_bytes_per_second));
    setText(c[5], humanPercent(r.cpu_pressure_percent));
  });
}
