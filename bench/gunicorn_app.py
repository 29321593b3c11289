"""The exporter's app for gunicorn, only to compare servers in `bench/load.py --slow-clients
--server gunicorn` (the exporter itself always serves with cheroot and its head gate).

    SYSMON_CONFIG=cfg.yml gunicorn -k gthread --threads 8 bench.gunicorn_app:app
"""

from __future__ import annotations

import os

from exporter.config import load_config
from exporter.runtime import build_runtime
from exporter.web.app import create_app

_runtime = build_runtime(load_config(os.environ["SYSMON_CONFIG"]))
_runtime.start()
app = create_app(_runtime)
