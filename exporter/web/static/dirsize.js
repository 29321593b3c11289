/* Largest directories and files (/disk-usage-details), rendered into <section id="dirsize">.
 * Plain JS, no framework, no inline scripts; every piece of data (paths are user data) goes
 * through textContent, never innerHTML. Polls every second while a scan is queued/running. */
(function () {
  "use strict";

  var API = "/disk-usage-details";
  var POLL_MS = 1000;
  var LIMIT = 20;

  var section, rootSelect, pathInput, showButton, rescanButton, statusLine, progressWrap, progressBar,
    progressText, summary, errorsLine, dirsBody, filesBody, message;
  var roots = [];
  var current = null; // the path shown
  var lastResult = null;
  var pollTimer = null;
  var ageTimer = null;
  var generation = 0; // ignores answers to superseded requests

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function humanBytes(n) {
    if (typeof n !== "number" || !isFinite(n)) return "–";
    var units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    var i = 0;
    while (Math.abs(n) >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return i === 0 ? n.toFixed(0) + " B" : n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0) + " " + units[i];
  }

  function humanAge(seconds) {
    if (typeof seconds !== "number" || !isFinite(seconds)) return "never";
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) return seconds + " s ago";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min ago";
    return Math.floor(seconds / 86400) + " d ago";
  }

  function build() {
    section.textContent = "";
    section.classList.add("panel", "du-panel");
    section.setAttribute("aria-labelledby", "du-title");
    section.appendChild(el("h2", "du-title", "Largest directories and files")).id = "du-title";

    var form = el("form", "du-controls");
    form.setAttribute("novalidate", "");
    var rootLabel = el("label", "du-label", "Root ");
    rootSelect = el("select", "du-root");
    rootSelect.id = "du-root";
    rootLabel.appendChild(rootSelect);
    var pathLabel = el("label", "du-label du-path-label", "Path ");
    pathInput = el("input", "du-path");
    pathInput.type = "text";
    pathInput.id = "du-path";
    pathInput.spellcheck = false;
    pathInput.autocomplete = "off";
    pathLabel.appendChild(pathInput);
    showButton = el("button", "du-show", "Show");
    showButton.type = "submit";
    rescanButton = el("button", "du-rescan", "Rescan");
    rescanButton.type = "button";
    form.appendChild(rootLabel);
    form.appendChild(pathLabel);
    form.appendChild(showButton);
    form.appendChild(rescanButton);
    section.appendChild(form);

    message = el("p", "du-message");
    message.setAttribute("role", "status");
    message.hidden = true;
    section.appendChild(message);

    statusLine = el("p", "du-status");
    section.appendChild(statusLine);

    progressWrap = el("div", "du-progress");
    progressWrap.hidden = true;
    progressBar = el("progress", "du-progress-bar");
    progressBar.removeAttribute("value"); // indeterminate: the total is unknown until the end
    progressText = el("span", "du-progress-text");
    progressWrap.appendChild(progressBar);
    progressWrap.appendChild(progressText);
    section.appendChild(progressWrap);

    summary = el("p", "du-summary");
    section.appendChild(summary);
    errorsLine = el("p", "du-errors");
    errorsLine.hidden = true;
    section.appendChild(errorsLine);

    var grid = el("div", "du-grid");
    dirsBody = table(grid, "Largest directories");
    filesBody = table(grid, "Largest files");
    section.appendChild(grid);

    rootSelect.addEventListener("change", function () {
      pathInput.value = rootSelect.value;
      show(rootSelect.value);
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      show(pathInput.value.trim());
    });
    rescanButton.addEventListener("click", function () {
      if (current) rescan(current);
    });
  }

  function table(parent, title) {
    var wrap = el("div", "du-table-wrap");
    var t = el("table", "du-table");
    t.appendChild(el("caption", "du-caption", title));
    var head = el("thead");
    var tr = el("tr");
    tr.appendChild(el("th", "du-col-size", "Size"));
    tr.appendChild(el("th", "du-col-bar", "Share"));
    tr.appendChild(el("th", "du-col-path", "Path"));
    head.appendChild(tr);
    t.appendChild(head);
    var body = el("tbody");
    t.appendChild(body);
    wrap.appendChild(t);
    parent.appendChild(wrap);
    return body;
  }

  function setMessage(text, isError) {
    message.textContent = text || "";
    message.hidden = !text;
    message.classList.toggle("du-error", !!isError);
  }

  function request(method, path) {
    var url = API + (path === null ? "" : "?path=" + encodeURIComponent(path) + "&limit=" + LIMIT);
    return fetch(url, { method: method, headers: { Accept: "application/json" }, cache: "no-store" }).then(
      function (r) {
        return r.json().then(
          function (body) {
            return { status: r.status, body: body };
          },
          function () {
            return { status: r.status, body: { error: "unexpected response (" + r.status + ")" } };
          }
        );
      }
    );
  }

  function loadRoots() {
    request("GET", null).then(
      function (res) {
        if (res.status !== 200 || res.body.enabled === false) {
          setMessage(res.body.error || "Directory scans are turned off (dirsize.enabled: false).", res.status !== 200);
          section.classList.add("du-disabled");
          return;
        }
        roots = res.body.roots || [];
        rootSelect.textContent = "";
        roots.forEach(function (r) {
          var o = el("option", null, r.path);
          o.value = r.path;
          rootSelect.appendChild(o);
        });
        if (!roots.length) {
          setMessage("No scan roots are configured.", false);
          return;
        }
        pathInput.value = roots[0].path;
        show(roots[0].path);
      },
      function () {
        setMessage("Cannot reach the exporter.", true);
      }
    );
  }

  function stopPolling() {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
  }

  function show(path) {
    if (!path) return;
    stopPolling();
    generation++;
    current = path;
    fetchAndRender("GET", path, generation);
  }

  function rescan(path) {
    stopPolling();
    generation++;
    fetchAndRender("POST", path, generation);
  }

  function fetchAndRender(method, path, gen) {
    request(method, path).then(
      function (res) {
        if (gen !== generation) return;
        if (res.status >= 400) {
          setMessage(res.body.error || "request failed (" + res.status + ")", true);
          return;
        }
        setMessage("", false);
        render(res.body);
        var busy = res.status === 202 || res.body.running || res.body.queued;
        if (busy) {
          pollTimer = setTimeout(function () {
            fetchAndRender("GET", path, gen);
          }, POLL_MS);
        }
      },
      function () {
        if (gen !== generation) return;
        setMessage("Cannot reach the exporter; retrying…", true);
        pollTimer = setTimeout(function () {
          fetchAndRender("GET", path, gen);
        }, POLL_MS * 5);
      }
    );
  }

  function render(body) {
    current = body.path;
    if (document.activeElement !== pathInput) pathInput.value = body.path;
    if (rootSelect.value !== body.root) rootSelect.value = body.root;

    var p = body.progress;
    if (body.running && p) {
      progressWrap.hidden = false;
      progressText.textContent = "Scanning… " + p.entries.toLocaleString() + " entries, " + humanBytes(p.bytes) +
        ", " + p.elapsed_seconds.toFixed(0) + " s";
      section.classList.add("du-busy");
    } else if (body.queued) {
      progressWrap.hidden = false;
      progressText.textContent = "Scan queued (one scan per root runs at a time)…";
      section.classList.add("du-busy");
    } else {
      progressWrap.hidden = true;
      section.classList.remove("du-busy");
    }
    rescanButton.disabled = !!(body.running || body.queued);

    var r = body.result;
    lastResult = r ? { finished: r.finished, fetchedAt: Date.now(), age: body.age_seconds } : null;
    updateAge();
    if (!r) {
      summary.textContent = body.running || body.queued ? "No result yet for this directory." : "";
      fill(dirsBody, [], 0);
      fill(filesBody, [], 0);
      errorsLine.hidden = true;
      return;
    }
    summary.textContent = humanBytes(r.total_bytes) + " in " + r.entries.toLocaleString() + " entries, scanned in " +
      r.duration_seconds.toFixed(1) + " s" + (r.complete ? "" : " — partial: " + r.message);
    summary.classList.toggle("du-partial", !r.complete);
    if (r.errors && r.errors.count) {
      errorsLine.hidden = false;
      errorsLine.textContent = r.errors.count.toLocaleString() + " entries could not be read (not counted)" +
        (r.errors.examples.length ? ", e.g. " + r.errors.examples.join("; ") : "");
    } else {
      errorsLine.hidden = true;
    }
    fill(dirsBody, r.directories, r.total_bytes);
    fill(filesBody, r.files, r.total_bytes);
  }

  function fill(tbody, entries, total) {
    tbody.textContent = "";
    if (!entries.length) {
      var tr = el("tr");
      var td = el("td", "du-empty", "—");
      td.colSpan = 3;
      tr.appendChild(td);
      tbody.appendChild(tr);
      return;
    }
    var max = entries[0].bytes || 1;
    entries.forEach(function (e) {
      var row = el("tr", "du-row");
      row.appendChild(el("td", "du-size", humanBytes(e.bytes))).title = e.bytes.toLocaleString() + " bytes";
      var barCell = el("td", "du-bar-cell");
      var bar = el("div", "du-bar");
      var fillEl = el("div", "du-bar-fill");
      fillEl.style.width = Math.max(0.5, (100 * e.bytes) / max).toFixed(1) + "%"; // CSSOM: allowed by the CSP
      bar.appendChild(fillEl);
      barCell.appendChild(bar);
      if (total) barCell.title = ((100 * e.bytes) / total).toFixed(1) + "% of the scanned directory";
      row.appendChild(barCell);
      var pathCell = el("td", "du-path-cell");
      var pathText = el("span", "du-path-text", e.path); // dir=ltr inside an rtl cell: long paths lose their start
      pathText.dir = "ltr";
      pathCell.appendChild(pathText);
      pathCell.title = e.path;
      row.appendChild(pathCell);
      tbody.appendChild(row);
    });
  }

  function updateAge() {
    if (!lastResult) {
      statusLine.textContent = "Last scan: never";
      return;
    }
    var age = (lastResult.age || 0) + (Date.now() - lastResult.fetchedAt) / 1000;
    statusLine.textContent = "Last scan: " + humanAge(age);
  }

  function init() {
    section = document.getElementById("dirsize");
    if (!section) return;
    build();
    loadRoots();
    ageTimer = setInterval(updateAge, 10000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
