/* The dashboard: polls /data (one request per tick, chained timers), keeps the
 * last hour in ring buffers, draws uPlot charts (or /history for longer ranges),
 * tiles, filesystems, top processes and alerts. No framework; no inline styles
 * (element.style via the CSSOM is allowed by the CSP). */
(function () {
  "use strict";

  var F = window.SysmonFormat;
  var REFRESH_CHOICES = [1, 2, 5, 10];
  var DEFAULT_REFRESH = 2;
  var RANGES = { live: 0, "1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400 };
  var LIVE_WINDOW = 3600; // seconds of live data kept and drawn
  var RING_CAPACITY = 3700; // an hour at 1 s refresh, with slack
  var TABLE_ROWS = 25;
  var HISTORY_POINTS = 300;
  var COLORS = ["#3b82f6", "#ef4444", "#10b981", "#f59e0b", "#8b5cf6", "#ec4899", "#14b8a6", "#f97316",
    "#6366f1", "#84cc16"];

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function isNum(v) {
    return typeof v === "number" && isFinite(v);
  }

  // ---------------------------------------------------------------- state
  var state = {
    refresh: DEFAULT_REFRESH,
    paused: false,
    range: "live",
    conn: "loading", // loading | live | lost
    lostSince: null,
    latest: null,
    timer: null,
    inflight: false,
    historyAvailable: null, // null = not known yet
    historyProbing: false,
    historyNames: [],
    historyData: null,
    historyTimer: null,
    historyError: "",
    showHidden: false,
    sortKey: "cpu_percent",
    sortDir: "desc",
    basis: "cpu_percent",
  };
  // For tests and debugging: request counters.
  var debug = { requests: 0, responses: 0, maxInflight: 0, inflight: 0, ticks: 0 };
  window.sysmonDebug = debug;

  function readUrl() {
    var q = new URLSearchParams(window.location.search);
    var r = parseInt(q.get("refresh") || "", 10);
    state.refresh = REFRESH_CHOICES.indexOf(r) >= 0 ? r : DEFAULT_REFRESH;
    state.paused = q.get("paused") === "1" || q.get("paused") === "true";
    var range = q.get("range") || "live";
    state.range = Object.prototype.hasOwnProperty.call(RANGES, range) ? range : "live";
  }

  function writeUrl() {
    var q = new URLSearchParams();
    if (state.refresh !== DEFAULT_REFRESH) q.set("refresh", String(state.refresh));
    if (state.range !== "live") q.set("range", state.range);
    if (state.paused) q.set("paused", "1");
    var s = q.toString();
    window.history.replaceState(null, "", window.location.pathname + (s ? "?" + s : ""));
  }

  try {
    state.showHidden = window.localStorage.getItem("sysmon.showHidden") === "1";
  } catch (e) {
    /* storage may be disabled */
  }

  // ---------------------------------------------------------------- ring buffers
  function Ring(cap) {
    this.cap = cap;
    this.buf = new Array(cap);
    this.start = 0;
    this.len = 0;
  }
  Ring.prototype.push = function (v) {
    if (this.len < this.cap) {
      this.buf[(this.start + this.len) % this.cap] = v;
      this.len += 1;
    } else {
      this.buf[this.start] = v;
      this.start = (this.start + 1) % this.cap;
    }
  };
  Ring.prototype.slice = function (from) {
    var out = new Array(this.len - from);
    for (var i = from; i < this.len; i++) out[i - from] = this.buf[(this.start + i) % this.cap];
    return out;
  };
  Ring.prototype.get = function (i) {
    return this.buf[(this.start + i) % this.cap];
  };

  /* One time axis plus one aligned ring per series name. */
  var live = { t: new Ring(RING_CAPACITY), series: new Map() };

  function liveAppend(ts, values) {
    if (live.t.len && ts <= live.t.get(live.t.len - 1)) return; // same snapshot twice
    var n = live.t.len;
    live.series.forEach(function (ring, name) {
      ring.push(Object.prototype.hasOwnProperty.call(values, name) ? values[name] : null);
    });
    Object.keys(values).forEach(function (name) {
      if (live.series.has(name)) return;
      var ring = new Ring(RING_CAPACITY);
      for (var i = 0; i < Math.min(n, RING_CAPACITY - 1); i++) ring.push(null);
      ring.push(values[name]);
      live.series.set(name, ring);
    });
    live.t.push(ts);
  }

  /* The same series names as /history (exporter/history/series.py). */
  function seriesFromData(d) {
    var s = {};
    function put(name, v) {
      s[name] = isNum(v) ? v : null;
    }
    if (d.cpu) put("cpu.percent", d.cpu.percent);
    if (d.load) put("load.load1", d.load.load1);
    if (d.memory) put("memory.percent", d.memory.percent);
    if (d.swap && d.swap.total_bytes) put("swap.percent", d.swap.percent);
    (d.filesystems || []).forEach(function (fs) {
      put("fs." + fs.mountpoint + ".percent", fs.percent);
    });
    (d.network || []).forEach(function (n) {
      put("net." + n.device + ".rx_bytes_per_second", n.rx_bytes_per_second);
      put("net." + n.device + ".tx_bytes_per_second", n.tx_bytes_per_second);
    });
    (d.disks || []).forEach(function (k) {
      put("disk." + k.device + ".read_bytes_per_second", k.read_bytes_per_second);
      put("disk." + k.device + ".write_bytes_per_second", k.write_bytes_per_second);
    });
    return s;
  }

  // ---------------------------------------------------------------- polling
  function schedule(delayMs) {
    if (state.timer !== null) {
      clearTimeout(state.timer);
      state.timer = null;
    }
    if (state.paused || document.hidden || state.inflight) return;
    state.timer = setTimeout(tick, delayMs);
  }

  /* One /data call: render it, or show the connection as lost. Never rejects. */
  function loadData(signal) {
    return fetch("/data", { cache: "no-store", signal: signal })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (d) {
        debug.responses += 1;
        setConn("live");
        onData(d);
      })
      .catch(function (e) {
        setConn("lost", e);
      });
  }

  function tick() {
    state.timer = null;
    if (state.inflight || state.paused || document.hidden) return;
    state.inflight = true;
    debug.ticks += 1;
    debug.requests += 1;
    debug.inflight += 1;
    debug.maxInflight = Math.max(debug.maxInflight, debug.inflight);
    var ctrl = typeof AbortController === "function" ? new AbortController() : null;
    var timeout = setTimeout(function () {
      if (ctrl) ctrl.abort();
    }, Math.max(5000, 2000 * state.refresh));
    loadData(ctrl ? ctrl.signal : undefined)
      .then(function () {
        clearTimeout(timeout);
        debug.inflight -= 1;
        state.inflight = false;
        schedule(state.refresh * 1000);
      });
  }

  function setConn(conn) {
    if (conn === "lost" && state.conn !== "lost") state.lostSince = new Date();
    var wasLost = state.conn === "lost";
    state.conn = conn;
    if (conn === "live" && wasLost && state.range !== "live") loadHistory();
    renderStatus();
  }

  function renderStatus() {
    var s = $("status");
    var body = document.body;
    var shown;
    if (state.conn === "lost") shown = "lost";
    else if (state.paused) shown = "paused";
    else if (state.conn === "loading") shown = "loading";
    else shown = "live";
    s.dataset.state = shown;
    s.textContent = {
      lost: "Connection lost, retrying…",
      paused: "Paused",
      loading: "Loading…",
      live: "Live · every " + state.refresh + " s",
    }[shown];
    body.classList.toggle("is-lost", state.conn === "lost");
    body.classList.toggle("is-loading", state.conn === "loading");
    body.classList.toggle("is-paused", state.paused);
    $("conn-lost").hidden = state.conn !== "lost";
    if (state.conn === "lost" && state.lostSince) {
      $("conn-lost-since").textContent = "(since " + state.lostSince.toLocaleTimeString() + ")";
    }
    var pause = $("pause");
    pause.textContent = state.paused ? "Resume" : "Pause";
    pause.setAttribute("aria-pressed", state.paused ? "true" : "false");
  }

  // ---------------------------------------------------------------- data → page
  function onData(d) {
    state.latest = d;
    if (isNum(d.timestamp)) liveAppend(d.timestamp, seriesFromData(d));
    var levels = alertLevels(d.alerts);
    renderHeader(d);
    renderTiles(d, levels);
    renderFilesystems(d, levels);
    renderProcesses();
    renderAlerts(d);
    renderCharts();
    maybeProbeHistory(d);
    var upd = $("updated");
    upd.dataset.ts = String(d.timestamp);
    upd.textContent = "Updated " + new Date(d.timestamp * 1000).toLocaleTimeString();
  }

  function renderHeader(d) {
    $("hostname").textContent = d.hostname || "";
    var failing = (d.collectors || []).filter(function (c) {
      return !c.success;
    });
    $("collectors-note").textContent = failing.length
      ? "Collectors failing: " + failing.map(function (c) {
        return c.name + (c.error ? " (" + c.error + ")" : "");
      }).join(", ")
      : "";
  }

  /* "resource|instance" → "crit" | "warn" | "pending" from the alerts section. */
  function alertLevels(alerts) {
    var levels = {};
    var rank = { pending: 1, warn: 2, crit: 3 };
    function put(a, level) {
      var k = a.resource + "|" + (a.instance || "");
      if (!levels[k] || rank[level] > rank[levels[k]]) levels[k] = level;
    }
    if (!alerts) return levels;
    (alerts.pending || []).forEach(function (a) {
      put(a, "pending");
    });
    (alerts.firing || []).forEach(function (a) {
      put(a, a.severity === "critical" ? "crit" : "warn");
    });
    return levels;
  }

  function setBar(id, percent, level) {
    var bar = $(id);
    var p = isNum(percent) ? Math.max(0, Math.min(100, percent)) : 0;
    bar.style.width = p + "%";
    bar.dataset.level = level || "ok";
  }

  function setTileLevel(id, level) {
    $(id).dataset.level = level || "ok";
  }

  function renderTiles(d, levels) {
    // CPU
    if (d.cpu) {
      $("cpu-value").textContent = F.humanPercent(d.cpu.percent);
      setBar("cpu-bar", d.cpu.percent, levels["cpu|"]);
      renderCores(d.cpu.per_core || []);
    } else {
      $("cpu-value").textContent = "unavailable";
    }
    setTileLevel("tile-cpu", levels["cpu|"]);
    // Load against cores
    if (d.load) {
      var cores = d.cpu && d.cpu.count ? d.cpu.count : null;
      $("load-value").textContent = d.load.load1.toFixed(2);
      $("load-cores").textContent = cores ? "/ " + cores + (cores === 1 ? " core" : " cores") : "";
      setBar("load-bar", cores ? (100 * d.load.load1) / cores : null, levels["load_per_core|"]);
      $("load-sub").textContent =
        "5 min " + d.load.load5.toFixed(2) + " · 15 min " + d.load.load15.toFixed(2) +
        (isNum(d.load.per_core) ? " · per core " + d.load.per_core.toFixed(2) : "");
    } else {
      $("load-value").textContent = "unavailable";
    }
    setTileLevel("tile-load", levels["load_per_core|"]);
    // Memory
    if (d.memory) {
      $("memory-value").textContent = F.humanPercent(d.memory.percent);
      setBar("memory-bar", d.memory.percent, levels["memory|"]);
      $("memory-sub").textContent =
        F.humanBytes(d.memory.used_bytes) + " used of " + F.humanBytes(d.memory.total_bytes) +
        " · " + F.humanBytes(d.memory.available_bytes) + " available";
    } else {
      $("memory-value").textContent = "unavailable";
    }
    setTileLevel("tile-memory", levels["memory|"]);
    // Swap (empty state when there is none)
    var swapTile = $("tile-swap");
    if (d.swap && d.swap.total_bytes) {
      swapTile.classList.remove("is-empty");
      $("swap-value").textContent = F.humanPercent(d.swap.percent);
      setBar("swap-bar", d.swap.percent, levels["swap|"]);
      $("swap-sub").textContent = F.humanBytes(d.swap.used_bytes) + " used of " + F.humanBytes(d.swap.total_bytes);
    } else {
      swapTile.classList.add("is-empty");
      $("swap-value").textContent = d.swap ? "No swap" : "unavailable";
      setBar("swap-bar", 0);
      $("swap-sub").textContent = d.swap ? "This host has no swap space configured." : "";
    }
    setTileLevel("tile-swap", levels["swap|"]);
    // Uptime and process counts
    $("uptime-value").textContent = F.humanDuration(d.uptime_seconds);
    if (d.processes) {
      var st = d.processes.by_state || {};
      var parts = [d.processes.total + " processes"];
      ["running", "disk-sleep", "zombie"].forEach(function (k) {
        if (st[k]) parts.push(st[k] + " " + k);
      });
      $("processes-sub").textContent = parts.join(" · ");
    } else {
      $("processes-sub").textContent = "";
    }
    renderNetworkList(d);
  }

  function renderCores(perCore) {
    var box = $("cpu-cores");
    while (box.children.length > perCore.length) box.removeChild(box.lastChild);
    while (box.children.length < perCore.length) {
      var c = el("div", "core");
      c.appendChild(el("div", "core-fill"));
      box.appendChild(c);
    }
    perCore.forEach(function (v, i) {
      var c = box.children[i];
      var p = isNum(v) ? Math.max(0, Math.min(100, v)) : 0;
      c.firstChild.style.height = p + "%";
      c.title = "core " + i + ": " + F.humanPercent(v);
    });
  }

  function visibleInterfaces(d) {
    return (d.network || []).filter(function (n) {
      return state.showHidden || !n.hidden;
    });
  }

  function renderNetworkList(d) {
    var list = $("net-list");
    if (!d.network) {
      syncRows(list, [], null, null);
      list.textContent = "unavailable";
      return;
    }
    var shown = visibleInterfaces(d);
    var hidden = d.network.filter(function (n) {
      return n.hidden;
    });
    $("hidden-ifaces").textContent = hidden.length
      ? "(" + hidden.map(function (n) { return n.device; }).join(", ") + ")"
      : "(none)";
    if (!shown.length) {
      list.textContent = "";
      list.appendChild(el("p", "empty", "No interfaces shown."));
      return;
    }
    var empty = list.querySelector("p.empty");
    if (empty) list.removeChild(empty);
    syncRows(list, shown, function () {
      var row = el("div", "kv-row");
      row.appendChild(el("span", "k"));
      row.appendChild(el("span", "v"));
      return row;
    }, function (row, n) {
      row.dataset.iface = n.device;
      row.classList.toggle("is-down", !n.up);
      row.children[0].textContent = n.device + (n.up ? "" : " (down)");
      row.children[1].textContent = "↓ " + F.humanRate(n.rx_bytes_per_second) + "  ↑ " + F.humanRate(n.tx_bytes_per_second);
    });
  }

  /* Reuse child rows by index: keeps the DOM (and any open tooltip) stable between ticks. */
  function syncRows(parent, items, create, update) {
    var rows = parent.children;
    while (rows.length > items.length) parent.removeChild(parent.lastChild);
    for (var i = 0; i < items.length; i++) {
      if (i >= rows.length) parent.appendChild(create());
      update(rows[i], items[i], i);
    }
  }

  function renderFilesystems(d, levels) {
    var box = $("fs-list");
    var empty = box.querySelector(".empty");
    if (!d.filesystems || !d.filesystems.length) {
      box.textContent = "";
      box.appendChild(el("p", "empty", d.filesystems ? "No filesystems reported." : "Filesystem collector unavailable."));
      return;
    }
    if (empty) box.removeChild(empty);
    syncRows(box, d.filesystems, function () {
      var row = el("div", "fs-row");
      row.appendChild(el("div", "fs-name"));
      var bar = el("div", "bar");
      bar.appendChild(el("div", "fill"));
      row.appendChild(bar);
      row.appendChild(el("div", "fs-num"));
      return row;
    }, function (row, fs) {
      var level = levels["filesystem|" + fs.mountpoint];
      row.dataset.mount = fs.mountpoint;
      row.dataset.level = level || "ok";
      var name = row.children[0];
      name.textContent = fs.mountpoint + (fs.readonly ? " (ro)" : "");
      name.title = fs.device + " · " + fs.fstype;
      var fill = row.children[1].firstChild;
      fill.style.width = (isNum(fs.percent) ? Math.max(0, Math.min(100, fs.percent)) : 0) + "%";
      fill.dataset.level = level || "ok";
      row.children[2].textContent = fs.error
        ? "error: " + fs.error
        : F.humanPercent(fs.percent) + " · " + F.humanBytes(fs.used_bytes) + " of " +
          F.humanBytes(fs.total_bytes) + " · " + F.humanBytes(fs.avail_bytes) + " free";
    });
  }

  // ---------------------------------------------------------------- processes
  function compareBy(key, dir) {
    var sign = dir === "asc" ? 1 : -1;
    return function (a, b) {
      var x = a[key];
      var y = b[key];
      var xn = x === null || x === undefined;
      var yn = y === null || y === undefined;
      if (xn || yn) return xn && yn ? a.pid - b.pid : xn ? 1 : -1; // missing values last
      var c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return c !== 0 ? sign * c : a.pid - b.pid;
    };
  }

  function renderProcesses() {
    var d = state.latest;
    var body = $("proc-body");
    if (!d) return;
    if (!d.processes) {
      body.textContent = "";
      var tr = el("tr");
      var td = el("td", "empty", "Process collector unavailable.");
      td.colSpan = 7;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    // /data holds the union of top-N by CPU and by memory: pick 25 by the basis, then order.
    var top = d.processes.top.slice().sort(compareBy(state.basis, "desc")).slice(0, TABLE_ROWS);
    top.sort(compareBy(state.sortKey, state.sortDir));
    $("proc-basis").textContent = "(top " + top.length + " of " + d.processes.total + " by " +
      (state.basis === "cpu_percent" ? "CPU" : "memory") + ")";
    if (body.querySelector(".empty")) body.textContent = "";
    syncRows(body, top, function () {
      var tr = el("tr");
      ["num", "", "", "num", "num", "num", ""].forEach(function (cls) {
        tr.appendChild(el("td", cls));
      });
      return tr;
    }, function (tr, p) {
      tr.title = p.cmdline || p.name;
      tr.dataset.pid = String(p.pid);
      var c = tr.children;
      c[0].textContent = String(p.pid);
      c[1].textContent = p.user || "";
      c[2].textContent = p.name;
      c[3].textContent = isNum(p.cpu_percent) ? p.cpu_percent.toFixed(1) : "–";
      c[4].textContent = isNum(p.memory_percent) ? p.memory_percent.toFixed(1) : "–";
      c[5].textContent = F.humanBytes(p.rss_bytes);
      c[6].textContent = p.state;
    });
  }

  function onSortClick(th) {
    var key = th.dataset.key;
    if (key === state.sortKey) {
      state.sortDir = state.sortDir === "asc" ? "desc" : "asc";
    } else {
      state.sortKey = key;
      state.sortDir = th.dataset.type === "num" && key !== "pid" ? "desc" : "asc";
    }
    if (key === "cpu_percent") state.basis = "cpu_percent";
    if (key === "memory_percent" || key === "rss_bytes") state.basis = "rss_bytes";
    document.querySelectorAll("#proc-table th").forEach(function (h) {
      h.setAttribute("aria-sort", h.dataset.key === state.sortKey
        ? (state.sortDir === "asc" ? "ascending" : "descending") : "none");
    });
    renderProcesses();
  }

  // ---------------------------------------------------------------- alerts
  function formatAlertValue(a, v) {
    if (!isNum(v)) return "–";
    return a.resource === "load_per_core" ? v.toFixed(2) : (v * 100).toFixed(1) + " %";
  }

  function formatTime(epoch) {
    if (!isNum(epoch)) return "";
    var dt = new Date(epoch * 1000);
    var today = new Date().toDateString() === dt.toDateString();
    return today ? dt.toLocaleTimeString() : dt.toLocaleString();
  }

  function renderAlerts(d) {
    var alerts = d.alerts || { firing: [], pending: [], log: [] };
    var firing = alerts.firing || [];
    var now = d.timestamp;
    // Banner
    var banner = $("alert-banner");
    banner.hidden = firing.length === 0;
    banner.dataset.severity = firing.some(function (a) { return a.severity === "critical"; }) ? "critical" : "warning";
    syncRows(banner, firing, function () {
      var item = el("div", "alert-item");
      item.appendChild(el("span", "badge"));
      item.appendChild(el("span", "msg"));
      item.appendChild(el("span", "since muted"));
      return item;
    }, function (item, a) {
      item.dataset.severity = a.severity;
      item.children[0].textContent = a.severity;
      item.children[1].textContent = a.message;
      item.children[2].textContent = isNum(a.started_at) ? "for " + F.humanDuration(now - a.started_at) : "";
    });
    // Title: count of active (firing) alerts
    var host = d.hostname ? " — " + d.hostname : "";
    document.title = (firing.length ? "(" + firing.length + ") " : "") + "System Monitor" + host;
    // Pending
    var pending = alerts.pending || [];
    $("alerts-pending").textContent = pending.length
      ? "Pending: " + pending.map(function (a) { return a.message + " (" + a.severity + ")"; }).join("; ")
      : "";
    // Log
    var body = $("alert-log-body");
    var log = alerts.log || [];
    if (!log.length) {
      if (!body.querySelector(".empty") || body.children.length !== 1) {
        body.textContent = "";
        var tr = el("tr");
        var td = el("td", "empty", d.alerts ? "No alerts so far." : "Alerts unavailable.");
        td.colSpan = 5;
        tr.appendChild(td);
        body.appendChild(tr);
      } else {
        body.querySelector(".empty").textContent = d.alerts ? "No alerts so far." : "Alerts unavailable.";
      }
      return;
    }
    if (body.querySelector(".empty")) body.textContent = "";
    syncRows(body, log, function () {
      var tr = el("tr");
      for (var i = 0; i < 5; i++) tr.appendChild(el("td", i === 4 ? "num" : ""));
      tr.children[1].appendChild(el("span", "badge"));
      return tr;
    }, function (tr, a) {
      tr.dataset.severity = a.severity;
      tr.dataset.state = a.ended_at ? "resolved" : "firing";
      var c = tr.children;
      c[0].textContent = a.message;
      c[1].firstChild.textContent = a.severity;
      c[1].dataset.severity = a.severity;
      c[2].textContent = formatTime(a.started_at);
      c[3].textContent = a.ended_at ? formatTime(a.ended_at) : "active";
      c[4].textContent = formatAlertValue(a, a.peak);
    });
  }

  // ---------------------------------------------------------------- charts
  var charts = {}; // id → {u, sig}
  var themeVersion = 0;

  function cssVar(name, fallback) {
    var v = getComputedStyle(document.documentElement).getPropertyValue(name);
    return (v && v.trim()) || fallback;
  }

  function nameParts(prefix, suffix, names) {
    var out = [];
    names.forEach(function (n) {
      if (n.indexOf(prefix) === 0 && n.slice(-suffix.length) === suffix && n.length > prefix.length + suffix.length) {
        out.push(n.slice(prefix.length, -suffix.length));
      }
    });
    return out;
  }

  function unique(xs) {
    return xs.filter(function (x, i) {
      return xs.indexOf(x) === i;
    });
  }

  /* Which charts and series to draw, from the names available in the current source. */
  function chartSpecs(names) {
    var d = state.latest || {};
    var hiddenMap = {};
    (d.network || []).forEach(function (n) {
      hiddenMap[n.device] = n.hidden;
    });
    var has = function (n) {
      return names.indexOf(n) >= 0;
    };
    var cores = d.cpu && d.cpu.count ? d.cpu.count : null;
    var ifaces = unique(nameParts("net.", ".rx_bytes_per_second", names)).filter(function (dev) {
      return state.showHidden || !hiddenMap[dev];
    });
    var disks = unique(nameParts("disk.", ".read_bytes_per_second", names));
    var c = 0;
    function color() {
      return COLORS[c++ % COLORS.length];
    }
    var specs = [
      { id: "chart-cpu", unit: "percent", series: [{ key: "cpu.percent", label: "CPU", color: color() }] },
      {
        id: "chart-load", unit: "load",
        series: [{ key: "load.load1", label: "load 1m", color: color() }].concat(
          cores ? [{ key: "=cores", label: "cores", color: cssVar("--muted", "#888"), dash: [4, 4], constant: cores }] : []),
      },
      {
        id: "chart-memory", unit: "percent",
        series: [{ key: "memory.percent", label: "memory", color: color() }].concat(
          has("swap.percent") ? [{ key: "swap.percent", label: "swap", color: color() }] : []),
      },
    ];
    c = 0;
    var net = [];
    ifaces.forEach(function (dev) {
      var col = color();
      net.push({ key: "net." + dev + ".rx_bytes_per_second", label: dev + " rx", color: col });
      net.push({ key: "net." + dev + ".tx_bytes_per_second", label: dev + " tx", color: col, dash: [5, 3] });
    });
    specs.push({ id: "chart-net", unit: "rate", series: net });
    c = 0;
    var disk = [];
    disks.forEach(function (dev) {
      var col = color();
      disk.push({ key: "disk." + dev + ".read_bytes_per_second", label: dev + " read", color: col });
      disk.push({ key: "disk." + dev + ".write_bytes_per_second", label: dev + " write", color: col, dash: [5, 3] });
    });
    specs.push({ id: "chart-disk", unit: "rate", series: disk });
    return specs;
  }

  function formatterFor(unit) {
    if (unit === "percent") return function (v) { return isNum(v) ? v.toFixed(1) + " %" : "–"; };
    if (unit === "rate") return function (v) { return F.humanRate(v); };
    return function (v) { return isNum(v) ? v.toFixed(2) : "–"; };
  }

  function axisFormatterFor(unit) {
    if (unit === "percent") return function (u, vals) { return vals.map(function (v) { return v + "%"; }); };
    if (unit === "rate") return function (u, vals) { return vals.map(function (v) { return F.humanRate(v); }); };
    return function (u, vals) { return vals.map(function (v) { return String(v); }); };
  }

  function plotWidth(fig) {
    var plot = fig.querySelector(".plot");
    return Math.max(200, Math.floor(plot.clientWidth || fig.clientWidth || 300));
  }

  function makeChart(spec, fig) {
    var plot = fig.querySelector(".plot");
    plot.textContent = "";
    var fg = cssVar("--muted", "#666");
    var grid = cssVar("--grid", "rgba(128,128,128,0.2)");
    var fmt = formatterFor(spec.unit);
    var axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    var yRange = spec.unit === "percent"
      ? [0, 100]
      : function (u, min, max) {
        var top = isNum(max) && max > 0 ? max * 1.1 : spec.unit === "rate" ? 1024 : 1;
        return [0, top];
      };
    // Live: at least a minute wide, so a fresh page does not show sub-second ticks.
    var xRange = function (u, min, max) {
      if (!isNum(min) || !isNum(max)) return [0, 1];
      return state.range === "live" && max - min < 60 ? [max - 60, max] : [min, max];
    };
    var opts = {
      width: plotWidth(fig),
      height: 170,
      cursor: { sync: { key: "sysmon", setSeries: false }, drag: { x: false, y: false } },
      legend: { live: true },
      scales: { x: { time: true, range: xRange }, y: { range: yRange } },
      axes: [
        Object.assign({}, axis),
        Object.assign({}, axis, { size: spec.unit === "rate" ? 78 : 48, values: axisFormatterFor(spec.unit) }),
      ],
      series: [{ value: "{HH}:{mm}:{ss}" }].concat(spec.series.map(function (s) {
        return {
          label: s.label,
          stroke: s.color,
          width: 1.5,
          dash: s.dash,
          // uPlot's default shows points only while they are sparse (a fresh page).
          value: function (u, v) { return fmt(v); },
        };
      })),
    };
    if (!spec.series.length) {
      plot.appendChild(el("p", "empty", "No series to show."));
      return null;
    }
    return new window.uPlot(opts, [[]].concat(spec.series.map(function () { return []; })), plot);
  }

  function liveDataFor(spec) {
    var n = live.t.len;
    var now = n ? live.t.get(n - 1) : 0;
    var from = 0;
    while (from < n && live.t.get(from) < now - LIVE_WINDOW) from++;
    var t = live.t.slice(from);
    // A single point makes uPlot span years on a time axis: lead it with an empty one.
    var pad = t.length === 1 ? 1 : 0;
    if (pad) t.unshift(t[0] - 1);
    return [t].concat(spec.series.map(function (s) {
      if (s.constant !== undefined) return t.map(function () { return s.constant; });
      var ring = live.series.get(s.key);
      var ys = ring ? ring.slice(from) : t.slice(pad).map(function () { return null; });
      if (pad) ys.unshift(null);
      return ys;
    }));
  }

  function historyDataFor(spec) {
    var h = state.historyData;
    var series = (h && h.series) || {};
    var tables = [];
    spec.series.forEach(function (s) {
      if (s.constant !== undefined) return;
      var entry = series[s.key];
      var t = entry && entry.t ? entry.t.map(function (x) { return x > 1e11 ? x / 1000 : x; }) : [];
      tables.push([t, entry && entry.avg ? entry.avg : t.map(function () { return null; })]);
    });
    var joined = tables.length ? window.uPlot.join(tables) : [[]];
    var x = joined[0] || [];
    var out = [x];
    var j = 1;
    spec.series.forEach(function (s) {
      if (s.constant !== undefined) out.push(x.map(function () { return s.constant; }));
      else out.push(joined[j++] || x.map(function () { return null; }));
    });
    return out;
  }

  function renderCharts() {
    if (!window.uPlot) return;
    var useHistory = state.range !== "live";
    var names;
    if (useHistory) {
      names = state.historyData ? Object.keys(state.historyData.series || {}) : state.historyNames;
    } else {
      names = Array.from(live.series.keys());
    }
    chartSpecs(names).forEach(function (spec) {
      var fig = $(spec.id);
      var sig = JSON.stringify([themeVersion, spec.series.map(function (s) { return [s.key, s.constant]; })]);
      var ch = charts[spec.id];
      if (!ch || ch.sig !== sig) {
        if (ch && ch.u) ch.u.destroy();
        ch = charts[spec.id] = { u: makeChart(spec, fig), sig: sig };
      }
      if (!ch.u) return;
      ch.u.setData(useHistory ? historyDataFor(spec) : liveDataFor(spec));
      fig.dataset.points = String(ch.u.data[0].length);
      fig.dataset.source = useHistory ? "history" : "live";
    });
  }

  function resizeCharts() {
    Object.keys(charts).forEach(function (id) {
      var ch = charts[id];
      if (ch.u) ch.u.setSize({ width: plotWidth($(id)), height: 170 });
    });
  }

  // ---------------------------------------------------------------- history
  function historyNamesFrom(body) {
    var list = body && body.series !== undefined ? body.series : body;
    if (Array.isArray(list)) {
      return list.map(function (x) { return typeof x === "string" ? x : x && x.name; }).filter(Boolean);
    }
    if (list && typeof list === "object") return Object.keys(list);
    return [];
  }

  /* Whether /history exists: from /data's "history" field when the server sends one
   * ({"enabled": false} or null means disabled), else by asking /history/series once. */
  function maybeProbeHistory(d) {
    if (state.historyAvailable !== null || state.historyProbing) return;
    if (d && Object.prototype.hasOwnProperty.call(d, "history") && (!d.history || d.history.enabled === false)) {
      state.historyAvailable = false;
      renderRangeControl();
      return;
    }
    state.historyProbing = true;
    probeHistory().then(function () {
      state.historyProbing = false;
      if (state.historyAvailable && state.range !== "live") loadHistory();
    });
  }

  function probeHistory() {
    return fetch("/history/series", { cache: "no-store" })
      .then(function (r) {
        if (r.status === 404) {
          state.historyAvailable = false;
          return null;
        }
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json().then(function (body) {
          state.historyAvailable = true;
          state.historyNames = historyNamesFrom(body);
        });
      })
      .catch(function () {
        state.historyAvailable = null; // unknown (server down?): try again later
      })
      .then(renderRangeControl);
  }

  function renderRangeControl() {
    var sel = $("range");
    var disabled = state.historyAvailable === false;
    Array.prototype.forEach.call(sel.options, function (o) {
      o.disabled = disabled && o.value !== "live";
    });
    $("history-note").hidden = !disabled && !state.historyError;
    $("history-note").textContent = disabled ? "history disabled" : state.historyError;
    if (disabled && state.range !== "live") {
      state.range = "live";
      writeUrl();
      renderCharts();
    }
    sel.value = state.range;
  }

  /* The charted series that the history has recorded (asking for one it has not,
   * e.g. a hidden interface, would be a 400), at most the API's 20. */
  function historyRequestNames() {
    var recorded = new Set(state.historyNames);
    var wanted = [];
    chartSpecs(state.historyNames).forEach(function (spec) {
      spec.series.forEach(function (s) {
        if (s.constant === undefined && recorded.has(s.key)) wanted.push(s.key);
      });
    });
    return unique(wanted).slice(0, 20);
  }

  function loadHistory() {
    clearTimeout(state.historyTimer);
    state.historyTimer = null;
    if (state.range === "live") return;
    // The recorded series change (a new interface, a mount): ask for the list each time.
    probeHistory().then(function () {
      if (state.historyAvailable && state.range !== "live") fetchHistory();
    });
  }

  function fetchHistory() {
    var range = state.range;
    var names = historyRequestNames();
    if (!names.length) {
      state.historyError = "history: nothing recorded yet";
      renderRangeControl();
      return;
    }
    var q = new URLSearchParams({
      series: names.join(","),
      from: "-" + range,
      to: "now",
      points: String(HISTORY_POINTS),
    });
    fetch("/history?" + q.toString(), { cache: "no-store" })
      .then(function (r) {
        if (r.status === 404) {
          state.historyAvailable = false;
          return null;
        }
        if (!r.ok) {
          return r.json().then(function (b) { throw new Error((b && b.error) || "HTTP " + r.status); },
            function () { throw new Error("HTTP " + r.status); });
        }
        return r.json();
      })
      .then(function (body) {
        if (range !== state.range) return;
        state.historyError = "";
        if (body) state.historyData = body;
        renderRangeControl();
        renderCharts();
      })
      .catch(function (e) {
        state.historyError = "history: " + e.message;
        renderRangeControl();
      })
      .then(function () {
        if (state.range !== range || state.range === "live") return;
        // Refresh about once per plotted point, at least every 30 s, at most every 10 min.
        var every = Math.min(600, Math.max(30, RANGES[range] / HISTORY_POINTS));
        state.historyTimer = setTimeout(function () {
          if (!document.hidden && !state.paused) loadHistory();
          else state.historyTimer = null;
        }, every * 1000);
      });
  }

  // ---------------------------------------------------------------- wiring
  function init() {
    readUrl();
    $("refresh").value = String(state.refresh);
    $("range").value = state.range;
    $("show-hidden-ifaces").checked = state.showHidden;
    renderStatus();

    $("refresh").addEventListener("change", function (e) {
      state.refresh = parseInt(e.target.value, 10) || DEFAULT_REFRESH;
      writeUrl();
      renderStatus();
      if (!state.inflight) schedule(state.refresh * 1000);
    });
    $("pause").addEventListener("click", function () {
      state.paused = !state.paused;
      writeUrl();
      renderStatus();
      if (state.paused) schedule(0); // clears the timer
      else {
        tick();
        if (state.range !== "live" && state.historyTimer === null) loadHistory();
      }
    });
    $("range").addEventListener("change", function (e) {
      state.range = e.target.value;
      state.historyData = null;
      writeUrl();
      renderCharts();
      loadHistory();
    });
    $("show-hidden-ifaces").addEventListener("change", function (e) {
      state.showHidden = e.target.checked;
      try {
        window.localStorage.setItem("sysmon.showHidden", state.showHidden ? "1" : "0");
      } catch (err) {
        /* ignore */
      }
      if (state.latest) renderNetworkList(state.latest);
      renderCharts();
      if (state.range !== "live") loadHistory();
    });
    document.querySelectorAll("#proc-table th button").forEach(function (b) {
      b.addEventListener("click", function () {
        onSortClick(b.parentNode);
      });
    });
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) {
        schedule(0); // clears the pending timer; nothing is fetched while hidden
      } else if (!state.paused && !state.inflight) {
        tick();
      }
    });
    if (window.matchMedia) {
      var mq = window.matchMedia("(prefers-color-scheme: dark)");
      var onTheme = function () {
        themeVersion += 1;
        renderCharts();
      };
      if (mq.addEventListener) mq.addEventListener("change", onTheme);
    }
    if (typeof ResizeObserver === "function") {
      var pending = false;
      new ResizeObserver(function () {
        if (pending) return;
        pending = true;
        window.requestAnimationFrame(function () {
          pending = false;
          resizeCharts();
        });
      }).observe($("charts"));
    }

    if (state.paused) {
      tick_once();
    } else {
      tick();
    }
  }

  /* Paused from the URL: still show one snapshot so the page is not empty. */
  function tick_once() {
    debug.requests += 1;
    loadData(undefined);
  }

  // Expose the pure pieces for tests.
  window.sysmonInternals = { Ring: Ring, seriesFromData: seriesFromData, compareBy: compareBy, charts: charts };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
