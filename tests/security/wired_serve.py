"""`python -m exporter` with auth and /openapi.json installed by the app factory.

Until the app factory calls install_auth and registers the openapi blueprint itself,
this launcher adds them, so the TLS/auth tests exercise the real CLI, server and
TLS adapter. Once the factory does it, this is exactly `python -m exporter`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from exporter import cli  # noqa: E402
from exporter.runtime import Runtime  # noqa: E402
from exporter.web import app as app_module  # noqa: E402

_factory = app_module.create_app


def _create_app(runtime: Runtime):  # type: ignore[no-untyped-def]
    from tests.support.security import ensure_wired

    return ensure_wired(_factory(runtime), runtime)


app_module.create_app = _create_app  # type: ignore[assignment]

if __name__ == "__main__":
    sys.exit(cli.main())
