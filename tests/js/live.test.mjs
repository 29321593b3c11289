// Ring buffers and the live series (exporter/web/static/js/live.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { LiveSeries, Ring, liveValues } from "../../exporter/web/static/js/live.js";

test("Ring keeps the last `cap` values, oldest first", () => {
  const r = new Ring(3);
  assert.deepEqual(r.slice(), []);
  for (const v of [1, 2]) r.push(v);
  assert.deepEqual(r.slice(), [1, 2]);
  for (const v of [3, 4, 5]) r.push(v);
  assert.equal(r.len, 3);
  assert.deepEqual(r.slice(), [3, 4, 5]);
  assert.deepEqual(r.slice(1), [4, 5]);
  assert.equal(r.get(0), 3);
});

test("LiveSeries aligns late and vanished series with nulls, ignores repeated timestamps", () => {
  const live = new LiveSeries(10);
  assert.ok(live.append(100, { a: 1 }));
  assert.ok(!live.append(100, { a: 9 }), "the same snapshot twice");
  assert.ok(live.append(101, { a: 2, b: 20 }));
  assert.ok(live.append(102, { b: 30 }));
  assert.deepEqual(live.names(), ["a", "b"]);
  assert.deepEqual(live.window(["a", "b", "missing"]), [[100, 101, 102], [1, 2, null], [null, 20, 30],
    [null, null, null]]);
});

test("LiveSeries.window keeps only the last `seconds`, and pads a single point", () => {
  const live = new LiveSeries(100);
  for (let t = 0; t <= 50; t += 10) live.append(t, { x: t });
  assert.deepEqual(live.window(["x"], 20), [[30, 40, 50], [30, 40, 50]]);
  const one = new LiveSeries(5);
  one.append(7, { x: 1 });
  assert.deepEqual(one.window(["x", "y"]), [[6, 7], [null, 1], [null, null]]);
});

test("LiveSeries wraps around its capacity", () => {
  const live = new LiveSeries(3);
  for (let t = 1; t <= 5; t++) live.append(t, t === 5 ? { x: t, y: 50 } : { x: t });
  assert.deepEqual(live.window(["x", "y"]), [[3, 4, 5], [3, 4, 5], [null, null, 50]]);
});

test("liveValues: /data's series plus the rates of hidden interfaces", () => {
  const d = {
    series: { "cpu.percent": 5, "net.eth0.rx_bytes_per_second": 10 },
    network: [
      { device: "eth0", hidden: false, rx_bytes_per_second: 10, tx_bytes_per_second: 1 },
      { device: "lo", hidden: true, rx_bytes_per_second: 3, tx_bytes_per_second: 4 },
    ],
  };
  assert.deepEqual(liveValues(d), {
    "cpu.percent": 5, "net.eth0.rx_bytes_per_second": 10,
    "net.lo.rx_bytes_per_second": 3, "net.lo.tx_bytes_per_second": 4,
  });
});

test("prefill puts recorded points before the live ones, and never over them", () => {
  const live = new LiveSeries(10);
  live.append(100, { a: 1, b: 2 });
  live.append(102, { a: 3, b: 4 });
  const added = live.prefill({
    a: { t: [70, 80, 90, 100, 101], avg: [7, 8, 9, 999, 999] },
    c: { t: [80], avg: [5] },
  });
  assert.equal(added, 3);
  assert.deepEqual(live.window(["a", "b", "c"]), [[70, 80, 90, 100, 102], [7, 8, 9, 1, 3],
    [null, null, null, 2, 4], [null, 5, null, null, null]]);
  assert.equal(live.prefill({ a: { t: [100, 200], avg: [1, 2] } }), 0, "nothing older than the first live point");
  assert.ok(live.append(103, { a: 5 }), "appending goes on after a prefill");
});

test("prefill keeps the newest points when history and live exceed the capacity", () => {
  const live = new LiveSeries(3);
  live.append(10, { a: 1 });
  live.prefill({ a: { t: [1, 2, 3, 4], avg: [1, 2, 3, 4] } });
  assert.deepEqual(live.window(["a"]), [[3, 4, 10], [3, 4, 1]]);
});

test("a silence longer than maxGap leaves an empty point, so the charts show the outage", () => {
  const live = new LiveSeries(10);
  live.append(100, { a: 1 }, 16);
  live.append(102, { a: 2 }, 16);
  live.append(160, { a: 3 }, 16);
  assert.deepEqual(live.window(["a"]), [[100, 102, 110, 160], [1, 2, null, 3]]);
});
