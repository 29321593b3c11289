/* The few DOM helpers every panel uses. Text goes in through textContent only, so data
 * (process names, paths from scans) can never become markup. */

export function $(id) {
  return document.getElementById(id);
}

export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

/* Set an element's text only when it changes: rewriting the same text every poll still
 * replaces the text node and costs the browser a style and layout pass. */
export function setText(node, text) {
  const s = String(text);
  if (node.textContent !== s) node.textContent = s;
}

/* Reuse child rows by index: the DOM (and any open tooltip) stays stable between ticks. */
export function syncRows(parent, items, create, update) {
  const rows = parent.children;
  while (rows.length > items.length) parent.removeChild(parent.lastChild);
  items.forEach((item, i) => {
    if (i >= rows.length) parent.appendChild(create());
    update(rows[i], item, i);
  });
}

/* A key-value row of a tile's list (`.kv-row` with a `.k` and a `.v` span): the create step of
 * syncRows for the network, pressure and temperature tiles. */
export function kvRow() {
  const row = el("div", "kv-row");
  row.append(el("span", "k"), el("span", "v"));
  return row;
}

/* A table body holding one muted row that spans `cols` columns ("Loading…", "No alerts so far."). */
export function emptyRow(tbody, cols, text) {
  const only = tbody.children.length === 1 ? tbody.querySelector("td.empty") : null;
  if (only) {
    only.textContent = text;
    return;
  }
  tbody.textContent = "";
  const td = el("td", "empty", text);
  td.colSpan = cols;
  tbody.appendChild(el("tr")).appendChild(td);
}

/* A CSS custom property of the current theme (app.css defines every one, light and dark). */
export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/* A bar's fill: its length from a 0..100 value, colour from an alert level ("ok", "warn", …).
 * A transform, not a width: the browser moves it without a layout (and animates it cheaply). */
export function setFill(fill, percent, level) {
  const p = typeof percent === "number" && Number.isFinite(percent) ? Math.max(0, Math.min(100, percent)) : 0;
  const transform = `scaleX(${p / 100})`;
  if (fill.style.transform !== transform) fill.style.transform = transform; // CSSOM: allowed by the CSP
  const lvl = level || "ok";
  if (fill.dataset.level !== lvl) fill.dataset.level = lvl;
}
