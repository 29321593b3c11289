/* The temperatures tile (hwmon): the hottest sensors first, each coloured against its chip's
 * own high and critical levels. Hidden where the host has no sensors (most VMs). */

import { $, kvRow, setText, syncRows } from "../dom.js";
import { isNum } from "../format.js";

const SHOWN = 6;

/* "warn" from the chip's high level, "crit" from its critical one, else "ok". */
export function sensorLevel(t) {
  if (isNum(t.critical_celsius) && t.celsius >= t.critical_celsius) return "crit";
  return isNum(t.high_celsius) && t.celsius >= t.high_celsius ? "warn" : "ok";
}

export function render(d) {
  const temps = d.temperatures;
  $("tile-temps").hidden = !temps?.length;
  if (!temps?.length) return;
  setText($("temps-more"), temps.length > SHOWN ? `(hottest ${SHOWN} of ${temps.length})` : "");
  syncRows($("temps-list"), temps.slice(0, SHOWN), kvRow, (row, t) => {
    row.dataset.level = sensorLevel(t);
    setText(row.children[0], `${t.chip} ${t.sensor}`);
    row.children[0].title = `${t.chip} ${t.sensor}` + (isNum(t.high_celsius) ? ` · high ${t.high_celsius} °C` : "") +
      (isNum(t.critical_celsius) ? ` · critical ${t.critical_celsius} °C` : "");
    setText(row.children[1], `${t.celsius.toFixed(0)} °C`);
  });
}
