"""SIGHUP's reload (exporter/reload.py) on the real app: the web access settings apply to the next request."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from exporter.config import ConfigError, config_from_dict
from exporter.reload import Reloader
from exporter.runtime import build_runtime
from exporter.web.app import create_app
from tests.support.security import PASSWORD, USER, basic, bcrypt_hash


def test_auth_users_apply_at_once_and_a_restart_setting_only_logs(caplog: pytest.LogCaptureFixture) -> None:
    base = {"dirsize": {"enabled": False}, "history": {"enabled": False}}
    config = config_from_dict(base)
    runtime = build_runtime(config)
    app = create_app(runtime)
    client = app.test_client()
    try:
        assert client.get("/data").status_code == 200
        new = config_from_dict({**base, "web": {"basic_auth_users": {USER: bcrypt_hash(PASSWORD)}, "threads": 3}})
        with caplog.at_level(logging.INFO, logger="exporter.reload"):
            assert Reloader(lambda: new, config, app)() is True
        assert client.get("/data").status_code == 401
        assert client.get("/data", headers=basic(USER, PASSWORD)).status_code == 200
        assert "only applied after a restart: web.threads" in caplog.text
    finally:
        runtime.stop()


def test_a_bad_file_keeps_the_running_settings() -> None:
    config = config_from_dict({"dirsize": {"enabled": False}, "history": {"enabled": False}})
    runtime = build_runtime(config)
    app = create_app(runtime)
    try:
        def bad() -> object:
            raise ConfigError("web.threads: expected an integer")

        reloader = Reloader(bad, config, app)  # type: ignore[arg-type]
        assert reloader() is False and reloader.current is config
        assert dataclasses.asdict(app.guard.access.web) == dataclasses.asdict(config.web)
        assert app.test_client().get("/data").status_code == 200
    finally:
        runtime.stop()
