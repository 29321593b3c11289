"""The app factory itself installs access control and /openapi.json (not only the tests' helper)."""

from __future__ import annotations

import pytest

from exporter.config import config_from_dict
from exporter.runtime import build_runtime
from exporter.web.app import create_app

pytestmark = pytest.mark.security


def test_create_app_installs_auth_and_openapi() -> None:
    runtime = build_runtime(config_from_dict({"dirsize": {"enabled": False}, "history": {"enabled": False}}))
    app = create_app(runtime)
    assert "sysmon_access" in app.extensions, (
        "exporter/web/app.py: call install_auth(app, runtime.config.web) right after creating the Flask app")
    assert "openapi" in app.blueprints, (
        "exporter/web/app.py: app.register_blueprint(openapi_blueprint) from exporter.web.openapi_routes")
    assert app.test_client().get("/openapi.json").status_code == 200
