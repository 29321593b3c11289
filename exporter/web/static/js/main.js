/* Entry point: reads the settings, mounts the panels, starts the poller and hands every
 * /data document to every panel. Panels never call each other; what they share is `ctx`. */

import { LiveSeries, liveValues } from "./live.js";
import { Poller } from "./poller.js";
import { $ } from "./dom.js";
import { RANGES, loadSettings, saveSettings } from "./state.js";
import * as alerts from "./panels/alerts.js";
import * as charts from "./panels/charts.js";
import * as dirsize from "./panels/dirsize.js";
import * as disks from "./panels/disks.js";
import * as filesystems from "./panels/filesystems.js";
import * as history from "./panels/history.js";
import * as network from "./panels/network.js";
import * as pressure from "./panels/pressure.js";
import * as processes from "./panels/processes.js";
import * as services from "./panels/services.js";
import * as status from "./panels/status.js";
import * as temperatures from "./panels/temperatures.js";
import * as tiles from "./panels/tiles.js";

const settings = loadSettings();
const poller = new Poller({ refresh: settings.refresh, paused: settings.paused, debug: settings.debug });

const ctx = {
  settings,
  ranges: RANGES,
  live: new LiveSeries(),
  latest: null, // the last /data document
  levels: {}, // alert levels by "resource|instance"
  history: null, // set by the history panel
  /* Change settings: kept in the URL/storage, then every panel that depends on them redraws. */
  set(patch) {
    Object.assign(settings, patch);
    saveSettings(settings);
    status.showConnection(poller.conn, poller.lostSince, settings);
    if (ctx.latest) {
      network.render(ctx.latest, ctx);
      disks.render(ctx.latest, ctx);
    }
    ctx.redraw();
    if ("showHidden" in patch) history.load(ctx);
  },
  redraw: () => charts.render(ctx.latest, ctx),
  chartKeys: (names) => charts.recordedKeys(charts.specsFor(names, ctx)),
};

const PANELS = [status, tiles, pressure, temperatures, network, filesystems, processes, services, disks, alerts, charts, history];

poller.addEventListener("data", ({ detail: d }) => {
  ctx.latest = d;
  // A silence of three refresh periods and 10 s more (a lost connection) shows as a gap.
  ctx.live.append(d.timestamp, liveValues(d), 3 * settings.refresh + 10);
  ctx.levels = alerts.alertLevels(d.alerts);
  for (const p of PANELS) p.render(d, ctx);
});

poller.addEventListener("conn", ({ detail }) => {
  status.showConnection(detail.conn, detail.since, settings);
  if (detail.conn === "live" && detail.was === "lost") history.load(ctx);
});

function togglePause() {
  ctx.set({ paused: !settings.paused });
  poller.setPaused(settings.paused);
  if (!settings.paused) history.resume(ctx);
}

function showHelp(open) {
  $("help").hidden = !open;
  if (open) $("help-close").focus();
}

/* Keys for the frequent actions (listed in the help overlay); never while typing in a field. */
const RANGE_KEYS = ["live", "1h", "24h", "7d", "30d"];
const KEYS = {
  p: togglePause,
  " ": togglePause,
  "/": processes.focusFilter,
  h: () => {
    $("show-hidden-ifaces").checked = !settings.showHidden;
    ctx.set({ showHidden: !settings.showHidden });
  },
  "?": () => showHelp($("help").hidden),
  ArrowLeft: () => charts.pan(-0.5, ctx),
  ArrowRight: () => charts.pan(0.5, ctx),
  Escape: () => {
    if (!$("help").hidden) showHelp(false);
    else charts.setZoom(null, ctx);
  },
};
RANGE_KEYS.forEach((range, i) => {
  KEYS[String(i + 1)] = () => history.setRange(range, ctx);
});

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === " " && e.target.closest?.("button")) return; // the button's own click
  const field = e.target.closest?.("input:not([type=checkbox]), select, textarea");
  if (field) {
    if (e.key === "Escape") field.blur();
    return;
  }
  const action = KEYS[e.key];
  if (!action) return;
  e.preventDefault();
  action();
});
$("help-open").addEventListener("click", () => showHelp(true));
$("help-close").addEventListener("click", () => showHelp(false));
$("help").addEventListener("click", (e) => {
  if (e.target === $("help")) showHelp(false);
});

$("refresh").value = String(settings.refresh);
$("refresh").addEventListener("change", (e) => {
  ctx.set({ refresh: Number(e.target.value) });
  poller.setRefresh(settings.refresh);
});
$("pause").addEventListener("click", togglePause);

for (const p of [network, processes, disks, charts, history, dirsize]) p.mount(ctx);
charts.ready.then(ctx.redraw);
status.showConnection(poller.conn, null, settings);
poller.start();
