/* The last hour of /data in the page: one time axis plus one aligned ring per series,
 * fed from /data's `series` (the names /history records, exporter/history/series.py). */

export const LIVE_WINDOW = 3600; // seconds of live data kept and drawn
const RING_CAPACITY = 3700; // an hour at 1 s refresh, with slack

/* A fixed-size FIFO: push overwrites the oldest value once full. */
export class Ring {
  constructor(cap) {
    this.cap = cap;
    this.buf = new Array(cap);
    this.start = 0;
    this.len = 0;
  }

  push(v) {
    if (this.len < this.cap) {
      this.buf[(this.start + this.len) % this.cap] = v;
      this.len += 1;
    } else {
      this.buf[this.start] = v;
      this.start = (this.start + 1) % this.cap;
    }
  }

  get(i) {
    return this.buf[(this.start + i) % this.cap];
  }

  /* Values from index `from` to the end, oldest first. */
  slice(from = 0) {
    const out = new Array(Math.max(0, this.len - from));
    for (let i = from; i < this.len; i++) out[i - from] = this.buf[(this.start + i) % this.cap];
    return out;
  }
}

/* One time axis and a ring per series name, kept aligned (a series that appears late is
 * back-filled with nulls; one that disappears gets nulls). */
export class LiveSeries {
  constructor(cap = RING_CAPACITY) {
    this.cap = cap;
    this.t = new Ring(cap);
    this.series = new Map();
  }

  names() {
    return Array.from(this.series.keys());
  }

  /* Append one reading; the same timestamp twice (a re-served snapshot) is ignored. After a
   * silence longer than `maxGap` seconds (the server was down) an empty point goes first, so
   * the charts show a gap instead of a straight line across the outage. */
  append(ts, values, maxGap = Infinity) {
    const n = this.t.len;
    if (n && ts <= this.t.get(n - 1)) return false;
    if (n && ts - this.t.get(n - 1) > maxGap) this.append(this.t.get(n - 1) + maxGap / 2, {});
    for (const [name, ring] of this.series) ring.push(Object.hasOwn(values, name) ? values[name] : null);
    for (const name of Object.keys(values)) {
      if (this.series.has(name)) continue;
      const ring = new Ring(this.cap);
      for (let i = 0; i < Math.min(n, this.cap - 1); i++) ring.push(null);
      ring.push(values[name]);
      this.series.set(name, ring);
    }
    this.t.push(ts);
    return true;
  }

  /* Put recorded points ({name: {t, avg}}, from /history) before the live ones, so a page
   * opens with the last hour drawn. Points at or after the first live one are dropped.
   * Returns how many time points were added. */
  prefill(recorded) {
    const first = this.t.len ? this.t.get(0) : Infinity;
    const times = [...new Set(Object.values(recorded).flatMap((s) => s.t))].filter((t) => t < first);
    times.sort((a, b) => a - b);
    if (!times.length) return 0;
    const at = new Map(Object.entries(recorded).map(([name, s]) => [name, new Map(s.t.map((t, i) => [t, s.avg[i]]))]));
    const liveT = this.t.slice();
    const liveSeries = new Map([...this.series].map(([name, ring]) => [name, ring.slice()]));
    const names = new Set([...liveSeries.keys(), ...at.keys()]);
    this.t = new Ring(this.cap);
    this.series = new Map([...names].map((name) => [name, new Ring(this.cap)]));
    for (const t of times) {
      this.t.push(t);
      for (const name of names) this.series.get(name).push(at.get(name)?.get(t) ?? null);
    }
    liveT.forEach((t, i) => {
      this.t.push(t);
      for (const name of names) this.series.get(name).push(liveSeries.get(name)?.[i] ?? null);
    });
    return times.length;
  }

  /* uPlot data for `keys` over the last `seconds`: [t, ys…]; a missing key is all nulls.
   * A single point makes uPlot span years on a time axis, so it is led by an empty one. */
  window(keys, seconds = LIVE_WINDOW) {
    const n = this.t.len;
    const now = n ? this.t.get(n - 1) : 0;
    let from = 0;
    while (from < n && this.t.get(from) < now - seconds) from++;
    const t = this.t.slice(from);
    const pad = t.length === 1;
    if (pad) t.unshift(t[0] - 1);
    return [t].concat(keys.map((key) => {
      const ring = this.series.get(key);
      const ys = ring ? ring.slice(from) : new Array(t.length - (pad ? 1 : 0)).fill(null);
      if (pad) ys.unshift(null);
      return ys;
    }));
  }
}

/* What the live charts draw from one /data document: the recorded series, plus what history
 * leaves out: CPU by mode, and the rates of hidden interfaces (lo, veth…) for "show hidden". */
export function liveValues(d) {
  const values = { ...d.series };
  for (const [mode, v] of Object.entries(d.cpu?.modes || {})) values[`cpu.mode.${mode}`] = v;
  for (const n of d.network || []) {
    if (!n.hidden) continue;
    values[`net.${n.device}.rx_bytes_per_second`] = n.rx_bytes_per_second;
    values[`net.${n.device}.tx_bytes_per_second`] = n.tx_bytes_per_second;
  }
  return values;
}
