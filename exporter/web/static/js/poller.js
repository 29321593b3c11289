/* Polls /data with chained timers (never two requests in flight), pauses while the tab is
 * hidden or the user paused, aborts a request that hangs, and tracks the connection.
 * Emits "data" (detail: the /data document) and "conn" (detail: {conn, since}).
 * With ?debug=1 its counters are window.sysmonDebug (the browser tests read them). */

import { getData } from "./api.js";

export class Poller extends EventTarget {
  constructor({ refresh, paused, debug = false }) {
    super();
    this.refresh = refresh;
    this.paused = paused;
    this.conn = "loading"; // loading | live | lost
    this.lostSince = null;
    this.timer = null;
    this.inflight = false;
    this.counters = { requests: 0, responses: 0, maxInflight: 0, inflight: 0, ticks: 0 };
    if (debug) window.sysmonDebug = this.counters;
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) this.schedule(null);
      else if (!this.paused && !this.inflight) this.tick();
    });
  }

  /* Start: one request now; paused pages still show one snapshot and then wait. */
  start() {
    if (this.paused) this.load();
    else this.tick();
  }

  setRefresh(seconds) {
    this.refresh = seconds;
    if (!this.inflight) this.schedule(seconds * 1000);
  }

  setPaused(paused) {
    this.paused = paused;
    if (paused) this.schedule(null);
    else this.tick();
  }

  /* Arm the next tick after `delayMs` (null: only clear the pending one). */
  schedule(delayMs) {
    clearTimeout(this.timer);
    this.timer = null;
    if (delayMs === null || this.paused || document.hidden || this.inflight) return;
    this.timer = setTimeout(() => this.tick(), delayMs);
  }

  async tick() {
    this.timer = null;
    if (this.inflight || this.paused || document.hidden) return;
    const c = this.counters;
    this.inflight = true;
    c.ticks += 1;
    c.inflight += 1;
    c.maxInflight = Math.max(c.maxInflight, c.inflight);
    const ctrl = new AbortController();
    const timeout = setTimeout(() => ctrl.abort(), Math.max(5000, 2000 * this.refresh));
    await this.load(ctrl.signal);
    clearTimeout(timeout);
    c.inflight -= 1;
    this.inflight = false;
    this.schedule(this.refresh * 1000);
  }

  /* One /data call: emit it, or mark the connection lost. Never rejects. */
  async load(signal) {
    this.counters.requests += 1;
    let doc;
    try {
      doc = await getData(signal);
    } catch (e) {
      this.setConn("lost");
      return;
    }
    this.counters.responses += 1;
    this.setConn("live");
    this.dispatchEvent(new CustomEvent("data", { detail: doc }));
  }

  setConn(conn) {
    if (conn === "lost" && this.conn !== "lost") this.lostSince = new Date();
    const was = this.conn;
    this.conn = conn;
    this.dispatchEvent(new CustomEvent("conn", { detail: { conn, was, since: this.lostSince } }));
  }
}
