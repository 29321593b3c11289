"""Linux System Monitor: a Prometheus exporter and web dashboard for one host.

Importing the package defers prometheus_client's package `__init__` (see `_defer_prometheus_client_init`):
it is here, and not in the modules that import prometheus_client, because it must run before the first
of them, whichever that is (the CLI, a test, a benchmark).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

__version__ = "0.1.0"


def _defer_prometheus_client_init() -> bool:
    """Import prometheus_client's submodules without running its package `__init__` until needed.

    Its `__init__` imports `prometheus_client.exposition`, which loads http.server, wsgiref,
    urllib.request, email and ssl (OpenSSL's libcrypto and libssl): 113 modules and 12.1 MiB of RSS
    (measured: 1.2 MiB and 18 modules for what we use, `metrics_core`, `samples`, `registry`,
    `utils`, `openmetrics.exposition`). We never serve with the library's HTTP servers, so the
    package module is created from its spec but not executed; the first access to a name it does
    not have yet (`prometheus_client.Counter`, `from prometheus_client import CollectorRegistry`)
    runs the real `__init__` into it, so code that uses the top-level names still gets them
    (tests/test_init.py). Does nothing when prometheus_client is already imported or not found."""
    name = "prometheus_client"
    if name in sys.modules:
        return False
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return False
    module = importlib.util.module_from_spec(spec)  # __path__ set, __init__ not run
    loader = spec.loader
    try:
        submodules = {e.removesuffix(".py") for d in spec.submodule_search_locations for e in os.listdir(d)}
    except OSError:  # not a plain directory (a zip): import it the ordinary way
        return False

    def __getattr__(attr: str) -> Any:  # PEP 562: only called for names the module lacks
        if attr in submodules:  # `from . import values` in a submodule: the import system loads it
            raise AttributeError(attr)
        module.__dict__.pop("__getattr__", None)  # before running: its `from . import x` must not recurse
        loader.exec_module(module)
        return getattr(module, attr)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[name] = module
    return True


_defer_prometheus_client_init()
