/* Entry point: reads the settings, mounts the panels, starts the poller and hands every
 * /data document to every panel. Panels never call each other; what they share is `ctx`. */

import { LiveSeries, liveValues } from "./live.js";
import { Poller } from "./poller.js";
import { $ } from "./dom.js";
import { RANGES, loadSettings, saveSettings } from "./state.js";
import * as alerts from "./panels/alerts.js";
import * as charts from "./panels/charts.js";
import * as dirsize from "./panels/dirsize.js";
import * as filesystems from "./panels/filesystems.js";
import * as history from "./panels/history.js";
import * as network from "./panels/network.js";
import * as processes from "./panels/processes.js";
import * as status from "./panels/status.js";
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
    if (ctx.latest) network.render(ctx.latest, ctx);
    ctx.redraw();
    if ("showHidden" in patch) history.load(ctx);
  },
  redraw: () => charts.render(ctx.latest, ctx),
  chartKeys: (names) => charts.recordedKeys(charts.specsFor(names, ctx)),
};

const PANELS = [status, tiles, network, filesystems, processes, alerts, charts, history];

poller.addEventListener("data", ({ detail: d }) => {
  ctx.latest = d;
  ctx.live.append(d.timestamp, liveValues(d));
  ctx.levels = alerts.alertLevels(d.alerts);
  for (const p of PANELS) p.render(d, ctx);
});

poller.addEventListener("conn", ({ detail }) => {
  status.showConnection(detail.conn, detail.since, settings);
  if (detail.conn === "live" && detail.was === "lost") history.load(ctx);
});

$("refresh").value = String(settings.refresh);
$("refresh").addEventListener("change", (e) => {
  ctx.set({ refresh: Number(e.target.value) });
  poller.setRefresh(settings.refresh);
});
$("pause").addEventListener("click", () => {
  ctx.set({ paused: !settings.paused });
  poller.setPaused(settings.paused);
  if (!settings.paused) history.resume(ctx);
});

for (const p of [network, processes, charts, history, dirsize]) p.mount(ctx);
charts.ready.then(ctx.redraw);
status.showConnection(poller.conn, null, settings);
poller.start();
