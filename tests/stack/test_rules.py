"""The shipped alerting rules and Prometheus config, checked by Debian's promtool.

prometheus/rules/tests/*.yml are promtool rule unit tests: every alert fires after its
`for` with the expected labels and annotations, not just below its threshold, and resolves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from exporter.alerting.engine import measure
from exporter.alerting.rules import CPU_BUSY, FILESYSTEM_USED, LOAD_PER_CORE, MEMORY_USED, SWAP_USED, render_rules
from exporter.config import config_from_dict
from exporter.sampling.snapshot import CpuTimes
from tests.support.snapshots import GiB, snapshot
from tests.support.stack import REPO, run_tool
from tests.support.wiring import runtime_for

pytestmark = pytest.mark.stack

RULES = REPO / "prometheus" / "rules" / "sysmon.rules.yml"
RULE_TESTS = sorted((REPO / "prometheus" / "rules" / "tests").glob("*.yml"))


def test_promtool_check_rules(promtool: str) -> None:
    r = run_tool([promtool, "check", "rules", str(RULES)])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout


def test_promtool_rule_unit_tests(promtool: str) -> None:
    assert RULE_TESTS
    r = run_tool([promtool, "test", "rules", *map(str, RULE_TESTS)])
    assert r.returncode == 0, r.stdout + r.stderr


def test_rules_of_any_valid_config_pass_promtool(promtool: str, tmp_path: Path) -> None:
    config = config_from_dict({
        "alerts": {"cpu": {"warning": 0.001, "critical": 1, "for": 0},
                   "load_per_core": {"warning": 0.5, "critical": 100, "for": "1d"}},
        "dirsize": {"refresh_interval": "90s", "time_limit": "1s"},
    })
    path = tmp_path / "custom.rules.yml"
    path.write_text(render_rules(config))
    r = run_tool([promtool, "check", "rules", str(path)])
    assert r.returncode == 0, r.stdout + r.stderr


def _expected_alerts() -> set[tuple[str, str]]:
    """(alertname, severity) pairs that some unit test expects to fire."""
    seen = set()
    for path in RULE_TESTS:
        doc = yaml.safe_load(path.read_text())
        assert doc["rule_files"] == ["../sysmon.rules.yml"], path
        for test in doc["tests"]:
            for case in test.get("alert_rule_test", []):
                for alert in case.get("exp_alerts") or []:
                    seen.add((case["alertname"], alert["exp_labels"]["severity"]))
    return seen


def _resolving_alerts() -> set[str]:
    """Alert names with a case expecting nothing after one expecting something (it resolves)."""
    names = set()
    for path in RULE_TESTS:
        for test in yaml.safe_load(path.read_text())["tests"]:
            cases: list[dict[str, Any]] = test.get("alert_rule_test", [])
            for name in {c["alertname"] for c in cases}:
                seq = sorted((_minutes(c["eval_time"]), bool(c.get("exp_alerts"))) for c in cases
                             if c["alertname"] == name)
                fired = [t for t, firing in seq if firing]
                if fired and any(not firing and t > fired[0] for t, firing in seq) and not seq[0][1]:
                    names.add(name)
    return names


def _minutes(duration: str) -> int:
    assert duration.endswith("m"), duration
    return int(duration[:-1])


def test_every_alert_and_severity_has_a_unit_test() -> None:
    rules = [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]
    wanted = {(r["alert"], r["labels"]["severity"]) for r in rules}
    missing = wanted - _expected_alerts()
    assert not missing, f"no promtool unit test fires {sorted(missing)}"
    unresolved = {name for name, _ in wanted} - _resolving_alerts()
    assert not unresolved, f"no unit test shows these alerts pending first and resolving later: {unresolved}"


def test_prometheus_config_is_valid(promtool: str) -> None:
    """prometheus/prometheus.yml as shipped: valid, loads the rules, file_sd and Alertmanager configured."""
    r = run_tool([promtool, "check", "config", str(REPO / "prometheus" / "prometheus.yml")])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "sysmon.rules.yml" in r.stdout


def test_prometheus_config_structure() -> None:
    cfg = yaml.safe_load((REPO / "prometheus" / "prometheus.yml").read_text())
    (job,) = [j for j in cfg["scrape_configs"] if j["job_name"] == "sysmon"]
    assert job["static_configs"][0]["targets"] == ["exporter:9877"]
    assert job["file_sd_configs"][0]["files"] == ["targets/*.yml"]
    assert cfg["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["alertmanager:9093"]
    # The rule glob takes the rules but not their unit tests.
    assert cfg["rule_files"] == ["rules/*.rules.yml"]
    text = (REPO / "prometheus" / "prometheus.yml").read_text()
    assert "# remote_write:" in text
    example = yaml.safe_load((REPO / "prometheus" / "targets" / "example.yml").read_text())
    assert example == []  # a valid, empty target list; the examples are comments


# --- the rules' PromQL against the page's numbers ----------------------------------------------


def _steady_series(first: str, second: str) -> list[dict[str, str]]:
    """promtool input series for every sample of two /metrics renderings one minute apart, as
    ten minutes of the same minute repeated: counters climb by the same step each minute (so
    rate() over 5m is exactly that step per 60 s), gauges hold the second value."""
    def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], tuple[str, float]]:
        return {(s.name, tuple(sorted(s.labels.items()))): (f.type, s.value)
                for f in text_string_to_metric_families(text) for s in f.samples}

    a, b = samples(first), samples(second)
    series = []
    for (name, labels), (kind, vb) in sorted(b.items()):
        if not name.startswith(("node_cpu_seconds_total", "node_memory_", "node_filesystem_", "node_load1")):
            continue
        va = a[(name, labels)][1]
        values = f"{va!r}+{vb - va!r}x10" if kind == "counter" else f"{vb!r}+0x10"
        selector = ",".join(f'{k}="{v}"' for k, v in (*labels, ("job", "sysmon"), ("instance", "h:9877")))
        series.append({"series": f"{name}{{{selector}}}", "values": values})
    return series


def test_the_rules_compute_what_the_page_measures(promtool: str, tmp_path: Path) -> None:
    """alerting.rules' expressions, evaluated by promtool on the metrics we export, give the values
    alerting.engine.measure gives the page's alerts for the same two snapshots (one minute apart)."""
    # Each core's counters advance 60 s in 60 s: PromQL divides by wall time, rates by counted time.
    a = snapshot(1, t=1000.0, cpus=(CpuTimes("0", 100, 0, 20, 500, 10, 0, 0, 0),
                                    CpuTimes("1", 50, 0, 10, 700, 5, 0, 0, 0)),
                 swap_free=GiB // 2, load1=1.5)
    b = snapshot(2, t=1060.0, cpus=(CpuTimes("0", 130, 0, 26, 520, 14, 0, 0, 0),
                                    CpuTimes("1", 60, 0, 10, 745, 10, 0, 0, 0)),
                 swap_free=GiB // 2, load1=1.5)
    runtime = runtime_for(a, b)
    runtime.sampler.latest()
    first = runtime.exposition.render(None, False)[0].decode()
    reading = runtime.sampler.latest()
    second = runtime.exposition.render(None, False)[0].decode()
    measured = {resource: value for resource, _instance, value in measure(reading.cur, reading.rates)}
    expressions = {"cpu": CPU_BUSY, "memory": MEMORY_USED, "swap": SWAP_USED, "filesystem": FILESYSTEM_USED,
                   "load_per_core": LOAD_PER_CORE}
    assert set(measured) == set(expressions)
    tests = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": _steady_series(first, second),
            "promql_expr_test": [
                {"expr": f"min(abs(({expr}) - {measured[name]!r}) < bool 1e-9)", "eval_time": "10m",
                 "exp_samples": [{"labels": "{}", "value": 1}]}
                for name, expr in expressions.items()
            ],
        }],
    }
    path = tmp_path / "page_values_test.yml"
    path.write_text(yaml.safe_dump(tests, sort_keys=False))
    r = run_tool([promtool, "test", "rules", str(path)])
    assert r.returncode == 0, f"the page measures {measured}; promtool:\n{r.stdout}{r.stderr}"
