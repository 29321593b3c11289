/* Number formatting for the dashboard: bytes, rates, durations, percentages.
 * Plain functions with no DOM access, exposed as window.SysmonFormat (and as a
 * CommonJS module when loaded by Node), so they can be tested on their own. */
(function (root) {
  "use strict";

  var UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

  function isNum(v) {
    return typeof v === "number" && isFinite(v);
  }

  /* 3 significant digits at most, trailing zeros dropped: 1.5, 12.3, 512, 1023. */
  function sig3(v) {
    var a = Math.abs(v);
    var digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
    return String(Number(v.toFixed(digits)));
  }

  /* 1536 → "1.5 KiB"; 0 → "0 B"; null → "–". Binary (IEC) units. */
  function humanBytes(n) {
    if (!isNum(n)) return "–";
    var sign = n < 0 ? "-" : "";
    var v = Math.abs(n);
    var i = 0;
    while (v >= 1024 && i < UNITS.length - 1) {
      v /= 1024;
      i += 1;
    }
    if (i === 0) return sign + Math.round(v) + " B";
    // 1023.96 KiB would print as "1024 KiB": move to the next unit instead.
    if (Number(sig3(v)) >= 1024 && i < UNITS.length - 1) {
      v /= 1024;
      i += 1;
    }
    return sign + sig3(v) + " " + UNITS[i];
  }

  /* Bytes per second: 2048 → "2 KiB/s". */
  function humanRate(n) {
    if (!isNum(n)) return "–";
    return humanBytes(n) + "/s";
  }

  /* Seconds → the two largest units: 93784 → "1d 2h", 3725 → "1h 2m", 42 → "42s". */
  function humanDuration(seconds) {
    if (!isNum(seconds) || seconds < 0) return "–";
    var s = Math.floor(seconds);
    var parts = [
      ["d", Math.floor(s / 86400)],
      ["h", Math.floor((s % 86400) / 3600)],
      ["m", Math.floor((s % 3600) / 60)],
      ["s", s % 60],
    ];
    var first = 0;
    while (first < parts.length - 1 && parts[first][1] === 0) first += 1;
    var out = parts[first][1] + parts[first][0];
    if (first < parts.length - 1 && parts[first + 1][1] > 0) {
      out += " " + parts[first + 1][1] + parts[first + 1][0];
    }
    return out;
  }

  /* 12.345 → "12.3 %"; null → "–". */
  function humanPercent(p, digits) {
    if (!isNum(p)) return "–";
    return p.toFixed(digits === undefined ? 1 : digits) + " %";
  }

  var api = {
    humanBytes: humanBytes,
    humanRate: humanRate,
    humanDuration: humanDuration,
    humanPercent: humanPercent,
  };
  root.SysmonFormat = api;
  if (typeof module === "object" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
