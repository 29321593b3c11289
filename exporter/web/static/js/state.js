/* The few settings shared by the panels, and where they are kept: refresh, paused and
 * range in the URL (a reload or a shared link keeps them), showHidden in localStorage. */

export const REFRESH_CHOICES = [1, 2, 5, 10];
export const DEFAULT_REFRESH = 2;
/* Range name → seconds drawn (0: live, from the page's ring buffers). */
export const RANGES = { live: 0, "1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400 };

const HIDDEN_KEY = "sysmon.showHidden";

/* Settings from a query string; unknown or out-of-range values fall back to the defaults. */
export function parseQuery(search) {
  const q = new URLSearchParams(search);
  const refresh = Number(q.get("refresh"));
  const range = q.get("range") || "live";
  return {
    refresh: REFRESH_CHOICES.includes(refresh) ? refresh : DEFAULT_REFRESH,
    paused: q.get("paused") === "1" || q.get("paused") === "true",
    range: Object.hasOwn(RANGES, range) ? range : "live",
    debug: q.get("debug") === "1",
  };
}

/* The query string for settings: defaults left out, so a plain visit keeps a plain URL. */
export function toQuery(s) {
  const q = new URLSearchParams();
  if (s.refresh !== DEFAULT_REFRESH) q.set("refresh", String(s.refresh));
  if (s.range !== "live") q.set("range", s.range);
  if (s.paused) q.set("paused", "1");
  if (s.debug) q.set("debug", "1");
  return q.toString();
}

export function loadSettings() {
  let showHidden = false;
  try {
    showHidden = window.localStorage.getItem(HIDDEN_KEY) === "1";
  } catch {
    /* storage may be disabled (private windows): the default applies */
  }
  return { ...parseQuery(window.location.search), showHidden, disk: "" };
}

export function saveSettings(s) {
  const q = toQuery(s);
  window.history.replaceState(null, "", window.location.pathname + (q ? `?${q}` : ""));
  try {
    window.localStorage.setItem(HIDDEN_KEY, s.showHidden ? "1" : "0");
  } catch {
    /* see loadSettings */
  }
}
