from __future__ import annotations

from pathlib import Path

import pytest

from exporter.config import ConfigError, config_from_dict, format_duration, load_config, parse_duration

REPO = Path(__file__).resolve().parents[1]


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


def test_example_config_is_valid_and_complete() -> None:
    """The shipped example sets every setting, so it documents them all."""
    import yaml

    example = REPO / "config.example.yml"
    c = load_config(example)
    assert c == load_config(None), "the example must show the defaults"
    data = yaml.safe_load(example.read_text())
    for section in ("web", "filesystems", "diskio", "network", "processes", "alerts", "dirsize", "history"):
        assert section in data, f"config.example.yml lacks the {section} section"
