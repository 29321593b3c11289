// The page's one formatter (exporter/web/static/js/format.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { fixed, humanAge, humanBytes, humanDuration, humanPercent, humanRate, humanTime, isNum, niceIncrs, timeTick }
  from "../../exporter/web/static/js/format.js";

test("humanBytes: binary units, three significant digits, no 1024 of a unit", () => {
  const cases = [
    [0, "0 B"], [1023, "1023 B"], [1536, "1.5 KiB"], [1024 ** 2, "1 MiB"], [5.5 * 1024 ** 3, "5.5 GiB"],
    [1024 * 1024 - 1, "1 MiB"], [123.4 * 1024 ** 4, "123 TiB"], [-2048, "-2 KiB"], [12.34 * 1024, "12.3 KiB"],
  ];
  for (const [n, want] of cases) assert.equal(humanBytes(n), want, `humanBytes(${n})`);
  for (const bad of [null, undefined, NaN, Infinity, "12"]) assert.equal(humanBytes(bad), "–");
});

test("humanRate", () => {
  assert.equal(humanRate(2048), "2 KiB/s");
  assert.equal(humanRate(0), "0 B/s");
  assert.equal(humanRate(null), "–");
});

test("humanDuration: the two largest units", () => {
  const cases = [[42, "42s"], [3725, "1h 2m"], [93784, "1d 2h"], [86400, "1d"], [0, "0s"], [60, "1m"]];
  for (const [s, want] of cases) assert.equal(humanDuration(s), want, `humanDuration(${s})`);
  assert.equal(humanDuration(-1), "–");
  assert.equal(humanDuration(null), "–");
});

test("humanPercent and fixed", () => {
  assert.equal(humanPercent(12.345), "12.3 %");
  assert.equal(humanPercent(12.345, 0), "12 %");
  assert.equal(humanPercent(null), "–");
  assert.equal(fixed(0.5, 2), "0.50");
  assert.equal(fixed(undefined, 1), "–");
});

test("humanAge", () => {
  assert.equal(humanAge(null), "never");
  assert.equal(humanAge(-3), "0 s ago");
  assert.equal(humanAge(42.4), "42 s ago");
  assert.equal(humanAge(300), "5 min ago");
  assert.equal(humanAge(3 * 3600 + 125), "3 h 2 min ago");
  assert.equal(humanAge(3 * 86400), "3 d ago");
});

test("humanTime: time only today, date and time otherwise", () => {
  const now = new Date(2026, 11, 1, 12, 0, 0);
  const today = new Date(2026, 11, 1, 9, 30, 0).getTime() / 1000;
  const earlier = new Date(2026, 10, 28, 9, 30, 0).getTime() / 1000;
  assert.equal(humanTime(today, now), new Date(today * 1000).toLocaleTimeString());
  assert.equal(humanTime(earlier, now), new Date(earlier * 1000).toLocaleString());
  assert.equal(humanTime(null, now), "");
});

test("isNum", () => {
  assert.ok(isNum(0) && isNum(-1.5));
  assert.ok(!isNum(NaN) && !isNum(Infinity) && !isNum("1") && !isNum(null));
});

test("niceIncrs: 1, 2, 5 × 10ⁿ, and for bytes the same within each binary unit", () => {
  const dec = niceIncrs();
  for (const v of [0.01, 0.02, 0.05, 1, 2, 5, 10, 200, 5000]) assert.ok(dec.includes(v), `${v}`);
  assert.ok(!dec.includes(3) && !dec.includes(25));
  const bin = niceIncrs(true);
  assert.deepEqual(bin.slice(8, 12), [500, 1024, 2048, 5120]);
  for (const step of bin) assert.match(humanBytes(step), /^(1|2|5|10|20|50|100|200|500) [KMGTPE]?i?B$/);
  assert.ok(bin.every((v, i) => i === 0 || v > bin[i - 1]), "increasing");
});

test("timeTick: one line, seconds only below a minute, the date for days and at midnight", () => {
  const at = (h, m, s = 0) => new Date(2026, 11, 1, h, m, s).getTime() / 1000;
  assert.equal(timeTick(at(7, 52, 30), 15), "07:52:30");
  assert.equal(timeTick(at(7, 52, 30), 300), "07:52");
  const date = new Date(2026, 11, 1).toLocaleDateString(undefined, { month: "short", day: "numeric" });
  assert.equal(timeTick(at(0, 0), 3600), date);
  assert.equal(timeTick(at(13, 0), 2 * 86400), date);
  assert.ok(!timeTick(at(7, 53), 60).includes("\n"));
});
