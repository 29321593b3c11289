"""What an alert of the page is called when it leaves the exporter: the labels and annotations that the
bundled Prometheus rules give the same condition (exporter.alerting.rules).

Prometheus labels a rule's alert with the rule's own labels (``alertname``, ``severity``) and the labels
of the series the expression returns: ``job`` and ``instance`` for every host rule, plus ``device``,
``fstype`` and ``mountpoint`` for a filesystem. The annotations are the rules' templates, rendered with
the same two functions Prometheus would use there (``humanizePercentage``, ``printf "%.2f"``), so an
Alertmanager route, inhibition or silence written for the stack matches the embedded mode unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from exporter.alerting.engine import Alert
from exporter.alerting.rules import JOB, build_rules
from exporter.config import Config

#: The engine's resource → the rule's alert name (a test checks each against the rules file).
ALERT_NAMES = {
    "cpu": "HostCpuHigh",
    "memory": "HostMemoryHigh",
    "swap": "HostSwapHigh",
    "filesystem": "HostFilesystemAlmostFull",
    "load_per_core": "HostLoadHigh",
}

_TEMPLATE = re.compile(r"\{\{\s*(.*?)\s*\}\}")


def humanize(v: float) -> str:
    """Prometheus' `humanize` for the range alerts live in (%.4g, SI prefixes for large values)."""
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= factor:
            return f"{v / factor:.4g}{prefix}"
    return f"{v:.4g}"


def render(template: str, labels: Mapping[str, str], value: float) -> str:
    """A rule annotation with its ``{{ $labels.x }}`` and ``{{ $value | f }}`` filled in."""

    def one(m: re.Match[str]) -> str:
        expr = m.group(1)
        if expr.startswith("$labels."):
            return labels.get(expr[len("$labels."):], "")
        if expr == "$value":
            return repr(value)
        if expr == "$value | humanizePercentage":
            return humanize(value * 100) + "%"
        if expr == '$value | printf "%.2f"':
            return f"{value:.2f}"
        return m.group(0)  # a template these rules do not use: left visible rather than guessed

    return _TEMPLATE.sub(one, template)


@dataclass(frozen=True)
class Filesystem:
    """The labels node_exporter gives a mount, kept from the Reading where the alert began."""

    device: str
    fstype: str


class Labeller:
    """Labels, annotations and generatorURL of the engine's alerts for one configuration."""

    def __init__(self, config: Config, instance: str, external_url: str) -> None:
        self.instance = instance
        self.external_url = external_url
        self._extra = dict(config.alerts.notify.labels)
        self._annotations: dict[tuple[str, str], dict[str, str]] = {}
        for group in build_rules(config)["groups"]:
            for rule in group["rules"]:
                key = (rule["alert"], rule["labels"]["severity"])
                self._annotations.setdefault(key, rule["annotations"])

    def labels(self, alert: Alert, fs: Filesystem | None) -> dict[str, str]:
        labels = {"job": JOB, "instance": self.instance}
        if alert.resource == "filesystem":
            device, fstype = (fs.device, fs.fstype) if fs else ("", "")
            labels |= {"mountpoint": alert.instance, "device": device, "fstype": fstype}
        labels |= self._extra
        labels |= {"alertname": ALERT_NAMES[alert.resource], "severity": alert.severity}
        return {k: v for k, v in sorted(labels.items()) if v != ""}  # Prometheus drops empty labels too

    def annotations(self, labels: Mapping[str, str], value: float) -> dict[str, str]:
        templates = self._annotations.get((labels["alertname"], labels["severity"]), {})
        return {name: render(text, labels, value) for name, text in templates.items()}

    def generator_url(self) -> str:
        return self.external_url.rstrip("/") + "/#alerts"
