// URL state (exporter/web/static/js/state.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFAULT_REFRESH, parseQuery, toQuery } from "../../exporter/web/static/js/state.js";

test("parseQuery falls back to defaults on unknown values", () => {
  assert.deepEqual(parseQuery(""), { refresh: DEFAULT_REFRESH, paused: false, range: "live", debug: false });
  assert.deepEqual(parseQuery("?refresh=5&paused=1&range=7d&debug=1"),
    { refresh: 5, paused: true, range: "7d", debug: true });
  assert.deepEqual(parseQuery("?refresh=3&range=1y&paused=yes"),
    { refresh: DEFAULT_REFRESH, paused: false, range: "live", debug: false });
  assert.equal(parseQuery("?range=__proto__").range, "live");
});

test("toQuery leaves defaults out and round-trips", () => {
  assert.equal(toQuery({ refresh: DEFAULT_REFRESH, paused: false, range: "live", debug: false }), "");
  const s = { refresh: 10, paused: true, range: "24h", debug: false };
  assert.deepEqual(parseQuery(`?${toQuery(s)}`), s);
});
