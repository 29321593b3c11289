"""What Prometheus users already run against node_exporter, as queries to run against both exporters.

The yardstick is `../shared/compat/`: Grafana dashboard 1860 ("Node Exporter Full") and the
node-mixin's alerts and recording rules. `coverage()` runs every panel target, every alert's
input selectors and every recording rule for job="node" (Debian's node_exporter) and job="ours"
against one real Prometheus scraping both, and says which have data for each.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.support.servers import REPO

COMPAT = REPO.parent / "shared" / "compat"
DASHBOARD = COMPAT / "node-exporter-full.json"
MIXIN = COMPAT / "node-mixin"
RATE_INTERVAL = "1m"  # what Grafana's $__rate_interval is at a short range with a 1 s scrape, floored at 4 scrapes

Query = Callable[[str], list[dict[str, Any]]]


@dataclass(frozen=True)
class Target:
    where: str  # "row / panel title / refId"
    expr: str  # with $job and $node left in


def _panels(panels: list[dict[str, Any]], row: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    for p in panels:
        if p.get("type") == "row":
            yield from _panels(p.get("panels", []), p.get("title", ""))
            row = p.get("title", "")
            continue
        yield row, p


def dashboard_targets(path: Path = DASHBOARD) -> list[Target]:
    dashboard = json.loads(path.read_text())
    out = []
    for row, panel in _panels(dashboard["panels"]):
        for t in panel.get("targets", []):
            if t.get("expr") and not t.get("hide"):
                out.append(Target(f"{row} / {panel.get('title', '')} / {t.get('refId', '')}", t["expr"]))
    return out


def substitute(expr: str, job: str, instance: str) -> str:
    return expr.replace("$__rate_interval", RATE_INTERVAL).replace("$node", instance).replace("$job", job)


_SELECTOR = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^{}]*job="(?:node|ours)"[^{}]*)\}')


def mixin_rules(job: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(alerts, recording rules) of the node-mixin rendered for `job` ("node" or "ours")."""
    def rules(name: str) -> list[dict[str, Any]]:
        doc = yaml.safe_load((MIXIN / f"{name}-{job}.yml").read_text())
        return [r for g in doc["groups"] for r in g["rules"]]
    return rules("alerts"), rules("rules")


def selectors(expr: str) -> list[str]:
    """The vector selectors of an expression that name the exporter's job: an alert's inputs."""
    return sorted({f"{m.group(1)}{{{m.group(2)}}}" for m in _SELECTOR.finditer(expr)})


def inline_recorded(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules with every use of another rule's recorded series replaced by that rule's expression
    (instance:node_load1_per_cpu:ratio reads instance:node_num_cpu:sum), so each can be evaluated
    on its own without loading the rule files into Prometheus."""
    exprs = {r["record"]: r["expr"].strip() for r in rules}
    out = []
    for r in rules:
        expr = r["expr"]
        for name, body in exprs.items():
            if name != r["record"]:
                expr = re.sub(re.escape(name) + r"(\{[^{}]*\})?", f"({body})", expr)
        out.append({**r, "expr": expr})
    return out


@dataclass
class Coverage:
    panels_node: list[str] = field(default_factory=list)  # targets with data for node_exporter
    panels_missing: list[str] = field(default_factory=list)  # ... of those, without data for ours
    alerts_node: list[str] = field(default_factory=list)  # alerts all of whose inputs node_exporter has
    alerts_missing: list[str] = field(default_factory=list)  # ... of those, an input ours lacks (named)
    rules_node: list[str] = field(default_factory=list)
    rules_missing: list[str] = field(default_factory=list)
    panels_total: int = 0

    def summary(self) -> str:
        def pct(missing: list[str], base: list[str]) -> str:
            have = len(base) - len(missing)
            return f"{have}/{len(base)} ({100 * have / len(base):.0f} %)" if base else "0/0"
        return (f"dashboard 1860: {pct(self.panels_missing, self.panels_node)} of the {len(self.panels_node)} "
                f"targets with data for node_exporter (of {self.panels_total}) have data for ours; "
                f"node-mixin alerts: {pct(self.alerts_missing, self.alerts_node)}; "
                f"recording rules: {pct(self.rules_missing, self.rules_node)}")


def coverage(query: Query, node_instance: str, our_instance: str) -> Coverage:
    def has_data(expr: str) -> bool:
        try:
            return bool(query(expr))
        except AssertionError:  # a query Prometheus refuses has no data
            return False

    cov = Coverage()
    targets = dashboard_targets()
    cov.panels_total = len(targets)
    for t in targets:
        if has_data(substitute(t.expr, "node", node_instance)):
            cov.panels_node.append(t.where)
            if not has_data(substitute(t.expr, "ours", our_instance)):
                cov.panels_missing.append(f"{t.where}: {t.expr}")
    node_alerts, node_rules = mixin_rules("node")
    our_alerts, our_rules = mixin_rules("ours")
    for theirs, ours in zip(node_alerts, our_alerts, strict=True):
        name = f"{theirs['alert']} ({theirs['labels'].get('severity', '')})"
        if all(has_data(s) for s in selectors(theirs["expr"])):
            cov.alerts_node.append(name)
            lacking = [s for s in selectors(ours["expr"]) if not has_data(s)]
            if lacking:
                cov.alerts_missing.append(f"{name}: {', '.join(lacking)}")
    node_rules, our_rules = inline_recorded(node_rules), inline_recorded(our_rules)
    for theirs, ours in zip(node_rules, our_rules, strict=True):
        if has_data(theirs["expr"]):
            cov.rules_node.append(theirs["record"])
            if not has_data(ours["expr"]):
                cov.rules_missing.append(f"{ours['record']}: {ours['expr'].strip()}")
    return cov


def side_by_side(workdir: Path, our_config: dict[str, Any] | None = None) -> Coverage:
    """Debian's node_exporter (defaults) and ours (defaults, or `our_config`) scraped by one real
    Prometheus every second; the coverage once both have five scrapes."""
    from tests.support.servers import ExporterProcess, start_node_exporter, wait_until
    from tests.support.stack import Prometheus

    node, node_url = start_node_exporter(workdir)
    ours = ExporterProcess(workdir, our_config or {})
    prom = None
    try:
        ours.start()
        node_target, our_target = node_url.removeprefix("http://"), ours.url.removeprefix("http://")
        prom = Prometheus(workdir, {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "scrape_configs": [{"job_name": "node", "static_configs": [{"targets": [node_target]}]},
                               {"job_name": "ours", "static_configs": [{"targets": [our_target]}]}],
        }).start()
        # rate() over 1m needs two samples of each target; five leave room for irate and deriv.
        wait_until(lambda: len(prom.query("up")) == 2 and all(len(r["values"]) >= 5 for r in prom.query("up[1m]")),
                   60, what="five scrapes of both exporters")
        return coverage(prom.query, node_target, our_target)
    finally:
        if prom is not None:
            prom.stop()
        node.stop()
        ours.stop()
