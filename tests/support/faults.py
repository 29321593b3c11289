"""Probes for features the lead wires into the server, and small helpers for the fault tests."""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path

from exporter.config import config_from_dict
from exporter.history import open_history
from exporter.runtime import build_runtime
from exporter.web.app import create_app

HERE = Path(__file__).resolve().parents[1] / "faults"


@functools.cache
def dirsize_wired() -> bool:
    """The runtime builds a DirSizeService and the app serves /disk-usage-details."""
    runtime = build_runtime(config_from_dict({"dirsize": {"roots": [tempfile.gettempdir()]}}))
    try:
        return runtime.dirsize is not None and "dirsize" in create_app(runtime).blueprints
    finally:
        if runtime.dirsize is not None:
            runtime.dirsize.stop()
        runtime.reader.close()


@functools.cache
def history_wired() -> bool:
    """open_history() attaches a store and the app serves /history."""
    with tempfile.TemporaryDirectory() as tmp:
        config = config_from_dict({"data_dir": tmp})
        runtime = build_runtime(config, history=open_history(config))
        try:
            return runtime.history is not None and "history" in create_app(runtime).blueprints
        finally:
            if runtime.history is not None:
                runtime.history.close()
            runtime.reader.close()


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
