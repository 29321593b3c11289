"""Run `python -m exporter ...` (argv) or a reader snapshot (`--snapshot`) as uid/gid 65534 (nobody).

The interpreter and the checkout may live where nobody cannot read (a root user's clone
under /root, any 0700 folder), so the process starts as root, imports everything it will
need, warms the app once, and only then drops privileges for good before serving or
reading. From then on it has exactly the rights of `nobody`. Start it with
`tests.support.nobody.nobody_env()`, so what it reads after the drop comes from a
world-readable copy of the package.
"""

from __future__ import annotations

import encodings.idna  # noqa: F401  (lazy imports that would fail after the drop)
import gzip  # noqa: F401
import json
import os
import sqlite3  # noqa: F401
import ssl  # noqa: F401
import sys

from exporter import cli
from exporter.config import config_from_dict
from exporter.host.registry import HostReader
from exporter.runtime import build_runtime
from exporter.web.app import create_app
from exporter.web.server import make_server  # noqa: F401
from tests.support.nobody import drop


def warm() -> None:
    """Import what the first requests import lazily (the templates, JSON, exposition)."""
    for mod in ("exporter.history", "exporter.dirsize.service", "exporter.web.dirsize_routes",
                "exporter.web.history_routes", "exporter.web.auth", "exporter.web.openapi_routes"):
        __import__(mod)
    runtime = build_runtime(config_from_dict({"dirsize": {"enabled": False}, "history": {"enabled": False}}))
    client = create_app(runtime).test_client()
    for path in ("/", "/data", "/metrics", "/alerts", "/healthz", "/static/js/main.js"):
        client.get(path)
    runtime.reader.close()


def snapshot() -> dict[str, object]:
    reader = HostReader(config_from_dict({}))
    reader.read()
    snap = reader.read()
    reader.close()
    me = os.getuid()
    procs = snap.processes or ()
    return {
        "uid": me,
        "collectors": {c.name: c.success for c in snap.collectors},
        "errors": {c.name: c.error for c in snap.collectors if not c.success},
        "processes": len(procs),
        "users": sorted({p.user for p in procs}),
        "cmdlines": {str(p.pid): p.cmdline for p in procs},
        "filesystems": {f.mountpoint: f.error for f in (snap.filesystems or ())},
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--snapshot":
        as_root = snapshot() if "--also-root" in args else None
        drop()
        print(json.dumps({"nobody": snapshot(), "root": as_root}))
        sys.exit(0)
    warm()
    drop()
    sys.exit(cli.main(args))
