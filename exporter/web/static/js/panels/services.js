/* Services: the cgroup series (systemd units, slices, containers) busiest first, as /data's
 * `services` sends them. Hidden without the cgroup collector or cgroup v2. */

import { $, el, syncRows } from "../dom.js";
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
  $("services-basis").textContent = `(top ${s.top.length} of ${s.total} by CPU)`;
  syncRows($("services-body"), s.top, newRow, (tr, r) => {
    const c = tr.children;
    c[0].textContent = r.unit + (r.cgroups > 1 ? ` (${r.cgroups} cgroups)` : "");
    c[0].title = r.name;
    c[1].textContent = fixed(r.cpu_percent, 1);
    c[2].textContent = humanBytes(r.memory_bytes);
    c[3].textContent = humanRate(r.io_read_bytes_per_second);
    c[4].textContent = humanRate(r.io_write_bytes_per_second);
    c[5].textContent = humanPercent(r.cpu_pressure_percent);
  });
}
