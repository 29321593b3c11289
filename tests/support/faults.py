"""Small helpers of the fault tests."""

from __future__ import annotations

import json


def metric_value(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in a text exposition, or None."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return None


def get_json(exp: object, path: str) -> tuple[int, object]:
    status, body, _ = exp.get(path)  # type: ignore[attr-defined]
    return status, json.loads(body)
