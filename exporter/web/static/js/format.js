/* The page's only number formatting: bytes, rates, durations, percentages, ages, times.
 * Pure functions, no DOM, so `node --test` checks them (tests/js/format.test.mjs). */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

export function isNum(v) {
  return typeof v === "number" && Number.isFinite(v);
}

/* 3 significant digits at most, trailing zeros dropped: 1.5, 12.3, 512, 1023. */
function sig3(v) {
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return String(Number(v.toFixed(digits)));
}

/* 1536 → "1.5 KiB"; 0 → "0 B"; null → "–". Binary (IEC) units. */
export function humanBytes(n) {
  if (!isNum(n)) return "–";
  const sign = n < 0 ? "-" : "";
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i += 1;
  }
  if (i === 0) return `${sign}${Math.round(v)} B`;
  // 1023.96 KiB would print as "1024 KiB": move to the next unit instead.
  if (Number(sig3(v)) >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${sign}${sig3(v)} ${UNITS[i]}`;
}

/* Bytes per second: 2048 → "2 KiB/s". */
export function humanRate(n) {
  return isNum(n) ? `${humanBytes(n)}/s` : "–";
}

/* Seconds → the two largest units: 93784 → "1d 2h", 3725 → "1h 2m", 42 → "42s". */
export function humanDuration(seconds) {
  if (!isNum(seconds) || seconds < 0) return "–";
  const s = Math.floor(seconds);
  const parts = [
    ["d", Math.floor(s / 86400)],
    ["h", Math.floor((s % 86400) / 3600)],
    ["m", Math.floor((s % 3600) / 60)],
    ["s", s % 60],
  ];
  let first = 0;
  while (first < parts.length - 1 && parts[first][1] === 0) first += 1;
  let out = `${parts[first][1]}${parts[first][0]}`;
  if (first < parts.length - 1 && parts[first + 1][1] > 0) out += ` ${parts[first + 1][1]}${parts[first + 1][0]}`;
  return out;
}

/* 12.345 → "12.3 %"; null → "–". */
export function humanPercent(p, digits = 1) {
  return isNum(p) ? `${p.toFixed(digits)} %` : "–";
}

/* A plain number with fixed decimals (load, process CPU %): 0.5 → "0.50"; null → "–". */
export function fixed(v, digits) {
  return isNum(v) ? v.toFixed(digits) : "–";
}

/* How long ago, for "Last scan: 5 min ago": seconds → "42 s ago", "5 min ago", "2 h 3 min ago", "3 d ago". */
export function humanAge(seconds) {
  if (!isNum(seconds)) return "never";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/* Unix seconds → the local time, with the date only when it is not today (relative to `now`, a Date). */
export function humanTime(epoch, now = new Date()) {
  if (!isNum(epoch)) return "";
  const dt = new Date(epoch * 1000);
  return now.toDateString() === dt.toDateString() ? dt.toLocaleTimeString() : dt.toLocaleString();
}

/* Tick steps for uPlot's y axes: 1, 2 and 5 × 10ⁿ, or for bytes the same within each binary
 * unit (…, 200 KiB, 500 KiB, 1 MiB, 2 MiB …), so every tick reads as a round number. */
export function niceIncrs(binary = false) {
  const out = [];
  if (binary) {
    for (let unit = 0; unit < UNITS.length; unit++) {
      for (const m of [1, 2, 5, 10, 20, 50, 100, 200, 500]) out.push(m * 1024 ** unit);
    }
    return out;
  }
  for (let e = -3; e <= 15; e++) for (const m of [1, 2, 5]) out.push(Number((m * 10 ** e).toPrecision(1)));
  return out;
}

const pad2 = (n) => String(n).padStart(2, "0");

/* One single-line label for a time-axis tick, chosen by the tick step (`incr`, seconds):
 * seconds shown below a minute, dates from a day up, and a day's first tick as its date. */
export function timeTick(epoch, incr) {
  const d = new Date(epoch * 1000);
  const date = d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  if (incr >= 86400) return date;
  if (d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0) return date;
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return incr < 60 ? `${hm}:${pad2(d.getSeconds())}` : hm;
}

/* The legend's time: the full local date and time of a point. */
export function pointTime(epoch) {
  return isNum(epoch) ? new Date(epoch * 1000).toLocaleString() : "–";
}
