"""From one host to a fleet, on existing engines (docs/stack.md, "A fleet").

Ten exporters on loopback, each reading its own generated /proc and /sys (`root_prefix`, made
from tests/fixtures/root with different memory, swap, load, CPUs and hostname, so their series
differ), plus one reading this machine and one target that is down, are found by a real
Prometheus through `file_sd`; Prometheus `remote_write`s everything into a real VictoriaMetrics
(Debian's victoria-metrics). At one evaluation time, every query of every bundled Grafana
dashboard (per instance) and every bundled alert rule must return the same series from
VictoriaMetrics as from Prometheus (external labels aside: only the remote store has them).

The figures docs/stack.md quotes (series per host, samples per second at the default
scrape interval, bytes per sample as VictoriaMetrics reports it) are written to
test-artifacts/fleet.json by this test.
"""

from __future__ import annotations

import json
import math
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.support.fleet import Fleet, both, query, series
from tests.support.servers import REPO, http_get
from tests.support.stack import DASHBOARDS, dashboard_queries, load_dashboard, substitute

pytestmark = [pytest.mark.stack, pytest.mark.slow]

HOSTS = 10
RULES = sorted((REPO / "prometheus" / "rules").glob("*.yml"))
ARTIFACTS = REPO / "test-artifacts"
EXTERNAL = {"site": "fleet-test"}  # what a per-site Prometheus adds when it writes to the central store
RATE_INTERVAL = "15s"  # Grafana's $__rate_interval at a 1 s scrape: several samples per window
HISTORY = 18.0  # seconds of scrapes before the comparison: more than RATE_INTERVAL
DEFAULT_SCRAPE_INTERVAL = 15.0  # prometheus/prometheus.yml


def same_value(a: float, b: float) -> bool:
    # VictoriaMetrics keeps about 15 significant digits: a Unix timestamp comes back within a
    # microsecond, so `time() - timestamp` may differ by that much.
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-5) or (math.isnan(a) and math.isnan(b))


def same_ranking(p: dict[Any, float], v: dict[Any, float], top: bool) -> bool:
    """topk/bottomk: the same values, and the same series wherever no tie at the cut-off makes the
    choice arbitrary (each engine breaks ties its own way)."""
    pv, vv = sorted(p.values()), sorted(v.values())
    if len(pv) != len(vv) or not all(same_value(a, b) for a, b in zip(pv, vv, strict=True)):
        return False
    if not pv:
        return True
    cut = pv[0] if top else pv[-1]
    clear = {k for k, x in p.items() if not same_value(x, cut)}
    return clear == {k for k, x in v.items() if not same_value(x, cut)}


# Functions whose values the two engines compute differently by design (VictoriaMetrics does not
# extrapolate rate() to the window's edges, and looks one sample behind it): series compared, values not.
WINDOWED = re.compile(r"\b(rate|irate|increase|delta|deriv|predict_linear|changes|\w+_over_time)\(")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    f = Fleet(tmp_path_factory.mktemp("fleet"), hosts=HOSTS, external_labels=EXTERNAL)
    try:
        f.start()
        f.record(HISTORY)
        yield f
    finally:
        f.stop()


def dashboard_cases() -> list[tuple[str, str, str]]:
    return [(path.stem, title, expr) for path in sorted(DASHBOARDS.glob("*.json"))
            for title, expr in dashboard_queries(load_dashboard(path))]


_RANKING = re.compile(r"\s*(topk|bottomk)\(\s*\d+\s*,\s*(.+)\)\s*$", re.S)
_THRESHOLD = re.compile(r"(.+\S)\s*(>=|<=|>|<)\s*([\d.]+)\s*$", re.S)
_OPS = {">=": float.__ge__, "<=": float.__le__, ">": float.__gt__, "<": float.__lt__}
RATE_TOLERANCE = 0.15  # how far the two engines' rate() of the same samples may be apart here


def compare(fleet: Fleet, expr: str) -> tuple[dict[Any, float], list[str]]:
    """Prometheus' answer, and what differs in VictoriaMetrics' (empty when they agree)."""
    p, v = both(fleet, expr)
    ranking = _RANKING.match(expr)
    if ranking:
        agree = same_ranking(p, v, ranking.group(1) == "topk")
    else:
        agree = set(p) == set(v) and (bool(WINDOWED.search(expr)) or all(same_value(p[k], v[k]) for k in p))
    if agree:
        return p, []
    differs = f"{expr}\n  Prometheus: {sorted(p.items())[:4]}\n  VictoriaMetrics: {sorted(v.items())[:4]}"
    if not WINDOWED.search(expr):
        return p, [differs]
    # rate() and friends: the engines compute them differently from the same samples (no
    # extrapolation to the window's edges in VictoriaMetrics), so a ranking or a threshold may
    # fall differently. Then the same series must stand behind it, and a threshold may only
    # split values that are within RATE_TOLERANCE of each other.
    threshold = _THRESHOLD.fullmatch(expr)
    inner = ranking.group(2) if ranking else threshold.group(1) if threshold else None
    if inner is None:
        return p, [differs]
    ip, iv = both(fleet, inner)
    if set(ip) != set(iv):
        return p, [f"{differs}\n  and the series behind it differ: {sorted(set(ip) ^ set(iv))[:4]}"]
    if threshold:
        op, limit = _OPS[threshold.group(2)], float(threshold.group(3))
        split = [k for k in ip if op(ip[k], limit) != op(iv[k], limit)
                 and not math.isclose(ip[k], iv[k], rel_tol=RATE_TOLERANCE)]
        if split:
            return p, [f"{differs}\n  far apart: {[(k, ip[k], iv[k]) for k in split][:4]}"]
    return p, []


_METRIC = re.compile(r"\b(?:node|sysmon)_[A-Za-z0-9_]+|\bup\b")


@pytest.mark.timeout(180)
def test_every_dashboard_query_returns_the_same_series_from_both_per_instance(fleet: Fleet) -> None:
    problems: list[str] = []
    with_data = set()
    for instance in fleet.instances:
        variables = {"job": "sysmon", "instance": instance, "__rate_interval": RATE_INTERVAL, "__interval": "1s",
                     "__range": "1m", "datasource": "sysmon-prometheus", "root": ".*"}
        for dashboard, title, expr in dashboard_cases():
            q = substitute(expr, variables)
            assert "$" not in q, q
            p, found = compare(fleet, q)
            problems += [f"{dashboard} / {title} / {instance}: {f}" for f in found]
            if p:
                with_data.add((dashboard, title))
    assert not problems, "\n".join(problems[:20])
    # Not a comparison of empty answers: every panel has data for some instance, except a panel
    # whose metrics no exporter here exports at all (sensors on a machine without any, say).
    assert fleet.prom is not None
    exported = {r["metric"]["__name__"] for r in query(fleet.prom.url, 'count by (__name__) ({job="sysmon"})',
                                                       fleet.at)}
    assert len(exported) > 100
    expected = {(d, t) for d, t, expr in dashboard_cases() if set(_METRIC.findall(expr)) & exported}
    assert expected - with_data == set()


@pytest.mark.timeout(120)
def test_the_instance_variable_lists_the_fleet_on_both(fleet: Fleet) -> None:
    assert fleet.prom is not None and fleet.vm is not None
    for base in (fleet.prom.url, fleet.vm.url):
        status, body, _ = http_get(f"{base}/api/v1/label/instance/values?" + urllib.parse.urlencode(
            {"match[]": 'node_uname_info{job="sysmon"}', "start": f"{fleet.at - 10:.0f}", "end": f"{fleet.at:.0f}"}))
        assert status == 200 and sorted(json.loads(body)["data"]) == sorted(fleet.instances), (base, body[:500])
    # The fixture hosts differ from one another.
    totals = series(query(fleet.prom.url, 'node_memory_MemTotal_bytes{job="sysmon",env="fixture"}', fleet.at))
    assert len(set(totals.values())) == HOSTS


@pytest.mark.timeout(120)
def test_every_alert_rule_returns_the_same_series_from_both_per_instance(fleet: Fleet) -> None:
    rules = [r for path in RULES for g in yaml.safe_load(path.read_text())["groups"] for r in g["rules"]]
    assert len(rules) >= 15
    problems: list[str] = []
    firing: dict[str, set[str]] = {}
    for rule in rules:
        # The rules' windows (5m, 6h) scaled to what this test has recorded, as Grafana's
        # $__rate_interval does for the dashboards: over a window the data do not cover yet, each
        # engine's rate() guesses differently.
        expr = re.sub(r"\[\d+[smhd]\]", f"[{RATE_INTERVAL}]", rule["expr"])
        p, found = compare(fleet, expr)
        problems += [f"{rule['alert']}: {f}" for f in found]
        firing.setdefault(rule["alert"], set()).update(dict(k).get("instance", "") for k in p)
    assert not problems, "\n".join(problems[:20])
    # The fleet was built so that these fire on some hosts and not on others.
    hosts = fleet.instances[:HOSTS]
    assert firing["HostMemoryHigh"] == set(hosts[7:])
    assert firing["HostSwapHigh"] == set(hosts[5:])
    assert set(hosts[8:]) <= firing["HostLoadHigh"] and hosts[0] not in firing["HostLoadHigh"]
    assert firing["SysmonExporterDown"] == {fleet.down}


def test_fleet_figures(fleet: Fleet) -> None:
    """Series per host, samples/s per host at the default interval, bytes per sample in VictoriaMetrics."""
    assert fleet.prom is not None and fleet.vm is not None
    scraped = series(query(fleet.prom.url, 'scrape_samples_scraped{job="sysmon"}', fleet.at))
    per_host = {dict(k)["instance"]: int(v) for k, v in scraped.items() if dict(k)["instance"] != fleet.down}
    fixture = [per_host[i] for i in fleet.instances[:HOSTS]]
    real = per_host[fleet.instances[HOSTS]]
    assert min(fixture) > 50 and real > min(fixture)
    store = fleet.vm.storage()
    rows, storage, index = store["rows"], store["data_bytes"], store["index_bytes"]
    assert rows > 0 and storage > 0
    figures = {
        "hosts": len(per_host),
        "series_per_fixture_host": [min(fixture), max(fixture)],
        "series_this_host": real,
        "samples_per_second_per_host_at_15s": {"fixture": round(max(fixture) / DEFAULT_SCRAPE_INTERVAL, 1),
                                               "this_host": round(real / DEFAULT_SCRAPE_INTERVAL, 1)},
        "victoriametrics_rows": int(rows),
        "victoriametrics_bytes_per_sample": round(storage / rows, 3),
        "victoriametrics_bytes_per_sample_with_index": round((storage + index) / rows, 3),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fleet.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures))
