// Pure pieces of the panels: process ordering, alert levels, chart specs and history data.
import assert from "node:assert/strict";
import { test } from "node:test";

import { alertLevels, alertValue } from "../../exporter/web/static/js/panels/alerts.js";
import { chartSpecs, historyData, nameParts, ready, recordedKeys }
  from "../../exporter/web/static/js/panels/charts.js";
import { compareBy, tableRows } from "../../exporter/web/static/js/panels/processes.js";

test("uPlot is vendored (the chart tests need it): run `make vendor`", async () => {
  const { existsSync } = await import("node:fs");
  const path = new URL("../../exporter/web/static/vendor/uPlot.esm.js", import.meta.url);
  assert.ok(existsSync(path), "exporter/web/static/vendor/uPlot.esm.js is missing: run `make vendor`");
});

const procs = [
  { pid: 3, name: "b", cpu_percent: 5, rss_bytes: 10 },
  { pid: 1, name: "a", cpu_percent: null, rss_bytes: 30 },
  { pid: 2, name: "C", cpu_percent: 5, rss_bytes: 20 },
  { pid: 4, name: "d", cpu_percent: 50, rss_bytes: 5 },
];

test("compareBy: missing values last in both directions, ties by PID", () => {
  const pids = (key, dir) => procs.slice().sort(compareBy(key, dir)).map((p) => p.pid);
  assert.deepEqual(pids("cpu_percent", "desc"), [4, 2, 3, 1]);
  assert.deepEqual(pids("cpu_percent", "asc"), [2, 3, 4, 1]);
  assert.deepEqual(pids("pid", "asc"), [1, 2, 3, 4]);
  assert.deepEqual(pids("name", "asc"), [1, 3, 2, 4]); // locale order: a b C d
});

test("tableRows: `size` rows by the basis, then ordered by the sort column", () => {
  const rows = tableRows(procs, 2, { key: "pid", dir: "asc", basis: "rss_bytes" });
  assert.deepEqual(rows.map((p) => p.pid), [1, 2]); // the two largest RSS, by PID
  assert.equal(tableRows(procs, 50, { key: "pid", dir: "asc", basis: "cpu_percent" }).length, 4);
});

test("alertLevels: the highest level per resource and instance", () => {
  const levels = alertLevels({
    pending: [{ resource: "cpu", instance: "" }, { resource: "filesystem", instance: "/" }],
    firing: [{ resource: "cpu", instance: "", severity: "warning" },
      { resource: "memory", instance: "", severity: "critical" }],
  });
  assert.deepEqual(levels, { "cpu|": "warn", "filesystem|/": "pending", "memory|": "crit" });
  assert.deepEqual(alertLevels(null), {});
  assert.equal(alertValue({ resource: "cpu" }, 0.876), "87.6 %");
  assert.equal(alertValue({ resource: "load_per_core" }, 1.5), "1.50");
  assert.equal(alertValue({ resource: "cpu" }, null), "–");
});

test("nameParts finds devices even when they contain dots", () => {
  const names = ["net.eth0.rx_bytes_per_second", "net.br.10.rx_bytes_per_second", "net.eth0.tx_bytes_per_second",
    "net..rx_bytes_per_second", "cpu.percent"];
  assert.deepEqual(nameParts("net.", ".rx_bytes_per_second", names), ["eth0", "br.10"]);
});

test("chartSpecs: one series per recorded name, hidden interfaces out, colours per device", () => {
  const names = ["cpu.percent", "load.load1", "memory.percent", "net.eth0.rx_bytes_per_second",
    "net.eth0.tx_bytes_per_second", "net.lo.rx_bytes_per_second", "net.lo.tx_bytes_per_second",
    "disk.vda.read_bytes_per_second", "disk.vda.write_bytes_per_second"];
  const specs = chartSpecs(names, { hidden: new Set(["lo"]), cores: 4, muted: "#999" });
  const byId = Object.fromEntries(specs.map((s) => [s.id, s]));
  assert.deepEqual(specs.map((s) => s.id), ["chart-cpu", "chart-load", "chart-memory", "chart-net", "chart-disk",
    "chart-cpu-modes"]);
  assert.deepEqual(byId["chart-cpu-modes"].series, [], "no modes in the source: nothing to stack");
  assert.deepEqual(byId["chart-memory"].series.map((s) => s.key), ["memory.percent"], "no swap recorded: no swap");
  assert.deepEqual(byId["chart-load"].series[1], { key: "=cores", label: "cores", color: "#999", dash: [4, 4],
    constant: 4 });
  assert.deepEqual(byId["chart-net"].series.map((s) => s.label), ["eth0 rx", "eth0 tx"]);
  assert.equal(byId["chart-net"].series[0].color, byId["chart-net"].series[1].color);
  assert.deepEqual(recordedKeys(specs), ["cpu.percent", "load.load1", "memory.percent",
    "net.eth0.rx_bytes_per_second", "net.eth0.tx_bytes_per_second",
    "disk.vda.read_bytes_per_second", "disk.vda.write_bytes_per_second"]);
});

test("historyData joins series on one x axis (no point where a series has none), constants follow it", async () => {
  await ready;
  const spec = { series: [{ key: "a" }, { key: "=c", constant: 2 }, { key: "b" }, { key: "gone" }] };
  const history = { series: { a: { t: [10, 20], avg: [1, 2] }, b: { t: [20, 30], avg: [5, 6] } } };
  const [x, a, c, b, gone] = historyData(spec, history).map((col) => Array.from(col));
  assert.deepEqual(x, [10, 20, 30]);
  assert.deepEqual(a, [1, 2, undefined]); // undefined: uPlot draws the line across, null would break it
  assert.deepEqual(c, [2, 2, 2]);
  assert.deepEqual(b, [undefined, 5, 6]);
  assert.deepEqual(gone, [undefined, undefined, undefined]);
});

import { culprits, heldFor, logMessage } from "../../exporter/web/static/js/panels/alerts.js";
import { lastValue, thresholdLines } from "../../exporter/web/static/js/panels/charts.js";
import { relativePath } from "../../exporter/web/static/js/panels/dirsize.js";
import { thresholdLevel } from "../../exporter/web/static/js/panels/filesystems.js";
import { hiddenSummary, isHidden } from "../../exporter/web/static/js/panels/network.js";
import { matches } from "../../exporter/web/static/js/panels/processes.js";

test("historyData draws a bucket that began before recording at the first recorded time", async () => {
  await ready;
  const spec = { series: [{ key: "a" }] };
  const [x, a] = historyData(spec, { series: { a: { t: [3600, 7200], avg: [1, 2] } } }, 5000);
  assert.deepEqual([Array.from(x), Array.from(a)], [[5000, 7200], [1, 2]]);
});

test("thresholdLines: warning and critical in each chart's unit, load for all cores", () => {
  const th = { cpu: { warning: 0.85, critical: 0.95 }, memory: { warning: 0.5, critical: 0.9 },
    load_per_core: { warning: 1.5, critical: 3 } };
  assert.deepEqual(thresholdLines("chart-cpu", th, 4), [{ value: 85, level: "warn" }, { value: 95, level: "crit" }]);
  assert.deepEqual(thresholdLines("chart-load", th, 4).map((l) => l.value), [6, 12]);
  assert.deepEqual(thresholdLines("chart-load", th, null), []);
  assert.deepEqual(thresholdLines("chart-net", th, 4), []);
  assert.deepEqual(thresholdLines("chart-cpu", undefined, 4), []);
});

test("lastValue: the legend at rest shows the newest number", () => {
  assert.equal(lastValue([1, 2, null, undefined]), 2);
  assert.equal(lastValue([null]), null);
});

test("the process filter matches name, command line, user or PID", () => {
  const p = { pid: 42, name: "nginx", cmdline: "nginx: worker process", user: "www-data" };
  for (const t of ["", "NGINX", "worker", "www", "42", "  42 "]) assert.ok(matches(p, t), t);
  for (const t of ["4", "apache"]) assert.ok(!matches(p, t), t);
  const rows = tableRows([p, { pid: 7, name: "sshd", cmdline: "", user: "root", cpu_percent: 1 }], 25,
    { key: "pid", dir: "asc", basis: "cpu_percent" }, "ssh");
  assert.deepEqual(rows.map((r) => r.pid), [7]);
});

test("network: down and page_hide interfaces are hidden, and the summary stays short", () => {
  const net = ["a", "b", "c", "d", "e", "f"].map((device, i) => ({ device, hidden: i > 1, up: i !== 1 }));
  assert.deepEqual(net.map(isHidden), [false, true, true, true, true, true]);
  assert.equal(hiddenSummary(net), "(b down, c, d, e, +1 more)");
  assert.equal(hiddenSummary([{ device: "eth0", hidden: false, up: true }]), "(none)");
});

test("filesystem bars take the alert thresholds' colour at once", () => {
  const th = { warning: 0.85, critical: 0.95 };
  assert.equal(thresholdLevel(84.9, th), "ok");
  assert.equal(thresholdLevel(85, th), "warn");
  assert.equal(thresholdLevel(96, th), "crit");
  assert.equal(thresholdLevel(null, th), "ok");
  assert.equal(thresholdLevel(99, undefined), "ok");
});

test("directory entries are shown relative to the shown directory", () => {
  assert.equal(relativePath("/var/log/nginx/access.log", "/var/log"), "nginx/access.log");
  assert.equal(relativePath("/var/log/x", "/var/log/"), "x");
  assert.equal(relativePath("/var/logs/x", "/var/log"), "/var/logs/x");
  assert.equal(relativePath("/", "/"), "/");
});

test("alerts: the log names the peak, the banner the time held and the top processes", () => {
  const a = { resource: "cpu", instance: "", peak: 1, threshold: 0.5, since: 100, value: 0.6 };
  assert.equal(logMessage(a), "CPU reached 100.0 % (≥ 50.0 %)");
  assert.equal(logMessage({ resource: "filesystem", instance: "/home", peak: 0.97, threshold: 0.95 }),
    "Filesystem /home reached 97.0 % (≥ 95.0 %)");
  assert.equal(heldFor(a, 112), "12s");
  const processes = { top: [
    { name: "idle", cpu_percent: 0, rss_bytes: 1, memory_percent: 0 },
    { name: "stress", cpu_percent: 48.5, rss_bytes: 10, memory_percent: 1 },
    { name: "db", cpu_percent: 3, rss_bytes: 900, memory_percent: 40 },
  ] };
  assert.deepEqual(culprits(a, processes), ["stress 48.5 %", "db 3.0 %"]);
  assert.deepEqual(culprits({ resource: "memory" }, processes), ["db 40.0 %", "stress 1.0 %", "idle 0.0 %"]);
  assert.deepEqual(culprits({ resource: "filesystem" }, processes), []);
});

test("an interface keeps its colour when others are hidden or shown", () => {
  const names = ["eth0", "lo", "wlan0"].flatMap((d) => [`net.${d}.rx_bytes_per_second`, `net.${d}.tx_bytes_per_second`]);
  const colour = (hidden) => Object.fromEntries(chartSpecs(names, { hidden: new Set(hidden) })[3].series
    .map((s) => [s.label, s.color]));
  const all = colour([]);
  const some = colour(["lo"]);
  assert.equal(some["wlan0 rx"], all["wlan0 rx"]);
  assert.equal(some["eth0 tx"], all["eth0 tx"]);
  assert.ok(!("lo rx" in some));
});

import { CPU_MODES, stack } from "../../exporter/web/static/js/panels/charts.js";
import { ms } from "../../exporter/web/static/js/panels/disks.js";
import { pressureRows } from "../../exporter/web/static/js/panels/pressure.js";
import { modesLine } from "../../exporter/web/static/js/panels/tiles.js";

test("CPU by mode: stacked bottom (user) to top, drawn top first, legend from the plain values", () => {
  assert.deepEqual(stack([[1, 2, null], [10, null, null], [100, 200, 5]]), [[1, 2, null], [11, 2, null],
    [111, 202, 5]]);
  const names = CPU_MODES.map(([m]) => `cpu.mode.${m}`);
  const spec = chartSpecs(names).find((s) => s.id === "chart-cpu-modes");
  assert.ok(spec.stacked);
  assert.deepEqual(spec.series.map((s) => s.label), ["steal", "softirq", "irq", "iowait", "system", "nice", "user"]);
  assert.equal(modesLine({ user: 20, nice: 0, system: 10.25, iowait: 0.2, irq: 0, softirq: 0.1, steal: 0 }),
    "user 20 % · system 10 % · iowait 0.2 %");
  assert.equal(modesLine(null), "");
  assert.equal(modesLine({ user: 0.1, system: 0, nice: 0.2 }), "user 0.1 % · system 0.0 %");
});

test("the disk selector narrows the disk chart to one disk, keeping its colour", () => {
  const names = ["sda", "sdb"].flatMap((d) => [`disk.${d}.read_bytes_per_second`, `disk.${d}.write_bytes_per_second`]);
  const all = chartSpecs(names).find((s) => s.id === "chart-disk").series;
  const one = chartSpecs(names, { disk: "sdb" }).find((s) => s.id === "chart-disk").series;
  assert.equal(all.length, 4);
  assert.deepEqual(one.map((s) => s.label), ["sdb read", "sdb write"]);
  assert.equal(one[0].color, all[2].color);
  assert.equal(ms(0.0025), "2.50");
  assert.equal(ms(0.125), "125.0");
  assert.equal(ms(null), "–");
});

test("pressure rows name what the kernel reports", () => {
  assert.deepEqual(pressureRows({ cpu: { some: 1.234 }, io: { some: 0, full: 0 } }),
    [["CPU", "some 1.2 %"], ["I/O", "some 0.0 % · full 0.0 %"]]);
  assert.deepEqual(pressureRows(null), []);
});

import { sensorLevel } from "../../exporter/web/static/js/panels/temperatures.js";

test("a sensor is coloured against its own chip's levels", () => {
  assert.equal(sensorLevel({ celsius: 70, high_celsius: 80, critical_celsius: 100 }), "ok");
  assert.equal(sensorLevel({ celsius: 85, high_celsius: 80, critical_celsius: 100 }), "warn");
  assert.equal(sensorLevel({ celsius: 100, high_celsius: 80, critical_celsius: 100 }), "crit");
  assert.equal(sensorLevel({ celsius: 120, high_celsius: null, critical_celsius: null }), "ok");
});
