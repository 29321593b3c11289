/* One bar per mounted filesystem, coloured by the alert thresholds (a disk at 96 % is red at
 * once, not only after the alert's `for`); a pending or firing alert also marks the row. */

import { $, el, setFill, setText, syncRows } from "../dom.js";
import { humanBytes, humanPercent, isNum } from "../format.js";

/* "crit" | "warn" | "ok" for a percentage (0..100) against {warning, critical} ratios. */
export function thresholdLevel(percent, threshold) {
  if (!isNum(percent) || !threshold) return "ok";
  if (percent >= threshold.critical * 100) return "crit";
  return percent >= threshold.warning * 100 ? "warn" : "ok";
}

function newRow() {
  const row = el("div", "fs-row");
  const bar = el("div", "bar");
  bar.appendChild(el("div", "fill"));
  row.append(el("div", "fs-name"), bar, el("div", "fs-num"));
  return row;
}

export function render(d, ctx) {
  const box = $("fs-list");
  if (!d.filesystems?.length) {
    box.textContent = "";
    box.appendChild(el("p", "empty", d.filesystems ? "No filesystems reported." : "Filesystem collector unavailable."));
    return;
  }
  box.querySelector(":scope > .empty")?.remove();
  syncRows(box, d.filesystems, newRow, (row, fs) => {
    const level = thresholdLevel(fs.percent, d.alerts?.thresholds?.filesystem);
    row.dataset.mount = fs.mountpoint;
    row.dataset.level = level;
    row.dataset.alert = ctx.levels[`filesystem|${fs.mountpoint}`] || "none";
    const [name, bar, num] = row.children;
    setText(name, fs.mountpoint + (fs.readonly ? " (ro)" : ""));
    name.title = `${fs.mountpoint}\n${fs.device} · ${fs.fstype}`;
    setFill(bar.firstChild, fs.percent, level);
    num.textContent = fs.error
      ? `error: ${fs.error}`
      : `${humanPercent(fs.percent)} · ${humanBytes(fs.used_bytes)} of ${humanBytes(fs.total_bytes)} · ` +
        `${humanBytes(fs.avail_bytes)} free`;
  });
}
