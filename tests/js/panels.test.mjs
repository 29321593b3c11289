// Pure pieces of the panels: process ordering, alert levels, chart specs and history data.
import assert from "node:assert/strict";
import { test } from "node:test";

import { alertLevels, alertValue } from "../../exporter/web/static/js/panels/alerts.js";
import { chartSpecs, historyData, nameParts, ready, recordedKeys }
  from "../../exporter/web/static/js/panels/charts.js";
import { compareBy, tableRows } from "../../exporter/web/static/js/panels/processes.js";

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
  assert.deepEqual(specs.map((s) => s.id), ["chart-cpu", "chart-load", "chart-memory", "chart-net", "chart-disk"]);
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
