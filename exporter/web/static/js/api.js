/* One function per endpoint the page calls. A 4xx/5xx body is {"error": "..."} on every
 * route (exporter/web/errors.py): it becomes an ApiError carrying that message and the status. */

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

async function call(url, { method = "GET", signal } = {}) {
  const r = await fetch(url, { method, signal, cache: "no-store", headers: { Accept: "application/json", "X-Requested-With": "fetch" } });
  const body = await r.json();
  if (!r.ok) throw new ApiError(body.error, r.status);
  return { status: r.status, body };
}

/* The /data document of the latest reading. */
export async function getData(signal) {
  return (await call("/data", { signal })).body;
}

/* [{name, unit, description, first, last}] of every recorded series. */
export async function listHistorySeries() {
  return (await call("/history/series")).body.series;
}

/* /history for `names` (at most 20) from `from` ("-1h" or Unix seconds) to `to`, in about `points` buckets. */
export async function getHistory(names, from, to, points) {
  const q = new URLSearchParams({ series: names.join(","), from: String(from), to: String(to), points: String(points) });
  return (await call(`/history?${q}`)).body;
}

/* The scan roots ({enabled, roots: [{path, …}]}). */
export async function listRoots() {
  return (await call("/disk-usage-details")).body;
}

function usageUrl(path, limit) {
  return `/disk-usage-details?${new URLSearchParams({ path, limit: String(limit) })}`;
}

/* {status, body}: 200 with a cached result, 202 while the scan it queued runs. */
export function getDiskUsage(path, limit) {
  return call(usageUrl(path, limit));
}

/* Queue a rescan of `path`: {status: 202, body} with the progress. */
export function rescan(path, limit) {
  return call(usageUrl(path, limit), { method: "POST" });
}
