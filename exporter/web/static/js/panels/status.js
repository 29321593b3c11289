/* The top bar and footer: host name, connection state (pill, "connection lost" banner,
 * dimmed page), the pause button, failing collectors and the time of the shown data. */

import { $, setText } from "../dom.js";

const TEXT = {
  lost: "Connection lost, retrying…",
  paused: "Paused",
  loading: "Loading…",
};

/* Connection and pause state; called on every connection change and settings change. */
export function showConnection(conn, since, settings) {
  const shown = conn === "lost" ? "lost" : settings.paused ? "paused" : conn;
  const s = $("status");
  s.dataset.state = shown;
  setText(s, TEXT[shown] || `Live · every ${settings.refresh} s`);
  document.body.classList.toggle("is-lost", conn === "lost");
  // A background tab tells the outage in its title (the alert count is put back by the next data).
  if (conn === "lost" && !document.title.startsWith("(lost) ")) document.title = `(lost) ${document.title}`;
  document.body.classList.toggle("is-loading", conn === "loading");
  document.body.classList.toggle("is-paused", settings.paused);
  $("conn-lost").hidden = conn !== "lost";
  if (conn === "lost" && since) setText($("conn-lost-since"), `(since ${since.toLocaleTimeString()})`);
  const pause = $("pause");
  setText(pause, settings.paused ? "Resume" : "Pause");
  pause.setAttribute("aria-pressed", settings.paused ? "true" : "false");
}

export function render(d) {
  setText($("hostname"), d.hostname || "");
  // Failing collectors in red; those whose files this host does not have (no sensors in a VM)
  // are its make-up, not a fault: named, muted.
  const failing = (d.collectors || []).filter((c) => !c.success && c.available);
  const absent = (d.collectors || []).filter((c) => !c.success && !c.available).map((c) => c.name);
  setText($("collectors-note"), failing.length
    ? `Collectors failing: ${failing.map((c) => c.name + (c.error ? ` (${c.error})` : "")).join(", ")}`
    : "");
  setText($("collectors-absent"), absent.length ? `Not on this host: ${absent.join(", ")}` : "");
  const upd = $("updated");
  upd.dataset.ts = String(d.timestamp);
  setText(upd, `Updated ${new Date(d.timestamp * 1000).toLocaleTimeString()}`);
}
