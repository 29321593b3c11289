/* The pressure tile (PSI): the share of the last interval in which some tasks waited for CPU,
 * memory or I/O, and in which none could run ("full"). Hidden on kernels without PSI. */

import { $, kvRow, setText, syncRows } from "../dom.js";
import { humanPercent } from "../format.js";

const RESOURCES = [["cpu", "CPU"], ["memory", "Memory"], ["io", "I/O"]];

/* [[label, "some 1.2 % · full 0.0 %"]] for the resources the kernel reports. */
export function pressureRows(psi) {
  return RESOURCES.filter(([key]) => psi?.[key]).map(([key, label]) => [label,
    ["some", "full"].filter((line) => line in psi[key]).map((line) => `${line} ${humanPercent(psi[key][line])}`)
      .join(" · ")]);
}

export function render(d) {
  const rows = pressureRows(d.pressure);
  $("tile-pressure").hidden = !rows.length;
  syncRows($("psi-list"), rows, kvRow, (row, [label, text]) => {
    setText(row.children[0], label);
    setText(row.children[1], text);
  });
}
