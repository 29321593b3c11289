/* One bar per mounted filesystem, coloured by its alert level. */

import { $, el, setFill, syncRows } from "../dom.js";
import { humanBytes, humanPercent } from "../format.js";

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
    const level = ctx.levels[`filesystem|${fs.mountpoint}`] || "ok";
    row.dataset.mount = fs.mountpoint;
    row.dataset.level = level;
    const [name, bar, num] = row.children;
    name.textContent = fs.mountpoint + (fs.readonly ? " (ro)" : "");
    name.title = `${fs.device} · ${fs.fstype}`;
    setFill(bar.firstChild, fs.percent, level);
    num.textContent = fs.error
      ? `error: ${fs.error}`
      : `${humanPercent(fs.percent)} · ${humanBytes(fs.used_bytes)} of ${humanBytes(fs.total_bytes)} · ` +
        `${humanBytes(fs.avail_bytes)} free`;
  });
}
