from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml

from exporter.config import Config, ConfigError, config_from_dict, format_duration, load_config, parse_duration
from tests.support.servers import REPO


def test_defaults_need_no_file() -> None:
    c = load_config(None)
    assert c.web.listen == "127.0.0.1:9877"
    assert c.history.enabled and c.history.sample_interval == 10
    assert c.alerts.cpu.warning < c.alerts.cpu.critical


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"nope": 1}, "nope: unknown setting"),
        ({"alerts": {"cpu": {"warnin": 0.5}}}, "alerts.cpu.warnin: unknown setting"),
        ({"alerts": {"cpu": {"warning": "high"}}}, "alerts.cpu.warning: expected a number"),
        ({"alerts": {"cpu": {"warning": 1.5, "critical": 2}}}, "alerts.cpu.warning: a ratio between 0 and 1"),
        ({"alerts": {"memory": {"warning": 0.9, "critical": 0.5}}}, "alerts.memory: warning (0.9) must not exceed"),
        ({"alerts": {"cpu": {"for": "soon"}}}, "alerts.cpu.for: expected a duration"),
        ({"filesystems": {"fs_types_exclude": "("}}, "filesystems.fs_types_exclude: invalid regular expression"),
        ({"web": {"listen": "localhost"}}, "web.listen: expected HOST:PORT"),
        ({"web": {"basic_auth_users": {"bob": "plain"}}}, "web.basic_auth_users.bob: expected a bcrypt hash"),
        ({"processes": {"max_groups": 0}}, "processes.max_groups: must be between"),
        ({"disabled_collectors": ["cpux"]}, "disabled_collectors: unknown collector 'cpux'"),
        ({"dirsize": {"roots": "/home"}}, "dirsize.roots: expected a list"),
        ({"history": {"enabled": "yes"}}, "history.enabled: expected true or false"),
        ([1, 2], "must be a YAML mapping"),
    ],
)
def test_bad_values_name_the_key_path(data: object, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        config_from_dict(data)  # type: ignore[arg-type]
    assert message in str(e.value)


def test_durations() -> None:
    assert parse_duration("5m") == 300
    assert parse_duration("1h30m") == 5400
    assert parse_duration(2.5) == 2.5
    assert format_duration(300) == "5m"
    assert format_duration(90) == "90s"
    assert format_duration(86400) == "1d"
    with pytest.raises(ValueError):
        parse_duration("-5m")


def test_yaml_errors_give_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("alerts:\n  cpu: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad.yml: .*line"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yml")


def _schema_paths(cls: Any, prefix: str = "") -> set[str]:
    """Every setting's key path: a nested settings class is a section, anything else one setting."""
    hints = typing.get_type_hints(cls)
    paths: set[str] = set()
    for f in dataclasses.fields(cls):
        path = prefix + f.name.rstrip("_")  # `for_` is `for` in YAML
        paths |= _schema_paths(hints[f.name], path + ".") if dataclasses.is_dataclass(hints[f.name]) else {path}
    return paths


def _yaml_paths(data: dict[str, Any], cls: Any, prefix: str = "") -> set[str]:
    """The key paths a YAML document sets, read along the schema (so a mapping value such as
    basic_auth_users is one setting, not a section)."""
    hints = typing.get_type_hints(cls)
    fields = {f.name.rstrip("_"): f.name for f in dataclasses.fields(cls)}
    paths: set[str] = set()
    for key, value in data.items():
        tp = hints[fields[key]]
        nested = dataclasses.is_dataclass(tp) and isinstance(value, dict)
        paths |= _yaml_paths(value, tp, f"{prefix}{key}.") if nested else {prefix + key}
    return paths


def test_example_config_shows_the_defaults() -> None:
    assert load_config(REPO / "config.example.yml") == load_config(None), "the example must show the defaults"


def test_example_config_sets_every_setting() -> None:
    """The shipped example documents every setting: each key path of the settings classes is
    set in it (a setting left out would load as its default and pass the test above)."""
    data = yaml.safe_load((REPO / "config.example.yml").read_text())
    missing = _schema_paths(Config) - _yaml_paths(data, Config)
    assert not missing, f"config.example.yml does not show: {', '.join(sorted(missing))}"


def test_the_completeness_check_sees_a_missing_setting() -> None:
    data = yaml.safe_load((REPO / "config.example.yml").read_text())
    del data["processes"]["keep_files_open"]
    assert "processes.keep_files_open" in _schema_paths(Config) - _yaml_paths(data, Config)
