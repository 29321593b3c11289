/* The disks table: per device throughput, IOPS, utilisation and await (iostat's view), and the
 * selector that narrows the Disk I/O chart to one disk when there are many. */

import { $, el, emptyRow, setText, syncRows } from "../dom.js";
import { fixed, humanRate, isNum } from "../format.js";

/* Milliseconds for an await in seconds: 0.0025 → "2.5"; none in the interval → "–". */
export function ms(seconds) {
  return isNum(seconds) ? fixed(seconds * 1000, seconds < 0.01 ? 2 : 1) : "–";
}

export function mount(ctx) {
  const sel = $("disk-select");
  sel.addEventListener("change", () => ctx.set({ disk: sel.value }));
}

function newRow() {
  const tr = el("tr");
  for (const cls of ["", "num", "num", "num", "num", "num"]) tr.appendChild(el("td", cls));
  return tr;
}

export function render(d, ctx) {
  const disks = d.disks;
  const body = $("disks-body");
  if (!disks?.length) {
    emptyRow(body, 6, disks ? "No disks reported." : "Disk statistics unavailable.");
    return;
  }
  if (body.querySelector(".empty")) body.textContent = "";
  syncRows(body, disks, newRow, (tr, k) => {
    tr.dataset.disk = k.device;
    tr.classList.toggle("is-selected", ctx.settings.disk === k.device);
    const c = tr.children;
    setText(c[0], k.device);
    setText(c[1], humanRate(k.read_bytes_per_second));
    setText(c[2], humanRate(k.write_bytes_per_second));
    setText(c[3], `${fixed(k.reads_per_second, 0)} / ${fixed(k.writes_per_second, 0)}`);
    setText(c[4], isNum(k.util_percent) ? `${k.util_percent.toFixed(0)} %` : "–");
    setText(c[5], `${ms(k.read_await_seconds)} / ${ms(k.write_await_seconds)} ms`);
  });
  // The chart's selector lists the disks; "all" until one is chosen.
  const sel = $("disk-select");
  const names = disks.map((k) => k.device);
  if (sel.options.length !== names.length + 1 || names.some((n, i) => sel.options[i + 1].value !== n)) {
    sel.length = 1;
    for (const n of names) sel.appendChild(el("option", null, n)).value = n;
  }
  sel.value = names.includes(ctx.settings.disk) ? ctx.settings.disk : "";
}
