"""The strict loader: YAML → Config, errors naming the key path.

PyYAML is imported by the first file load, not with this module: the defaults (no --config)
never parse YAML, and its 20 modules would stay in memory for nothing (0.55 MiB of RSS).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exporter.config.schema import Config
from exporter.config.values import ConfigError, Duration, Regex, parse_duration

if TYPE_CHECKING:
    import yaml

# --- the strict loader ---------------------------------------------------------------


def _yaml_key(name: str) -> str:
    return name.rstrip("_")


def _convert(value: Any, tp: Any, path: str, default: Any = None) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: expected a mapping, got {type(value).__name__}")
        return _build(tp, value, path, default)
    if tp is Duration:
        try:
            return Duration(parse_duration(value))
        except ValueError as e:
            raise ConfigError(f"{path}: {e}") from None
    if tp is Regex:
        if not isinstance(value, str):
            raise ConfigError(f"{path}: expected a regular expression string")
        try:
            re.compile(value)
        except re.error as e:
            raise ConfigError(f"{path}: invalid regular expression: {e}") from None
        return Regex(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{path}: expected a whole number, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{path}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{path}: expected a string, got {value!r}")
        return value
    if origin is tuple:
        (item_tp, _ellipsis) = typing.get_args(tp)
        if isinstance(value, str) or not isinstance(value, list):
            raise ConfigError(f"{path}: expected a list")
        return tuple(_convert(v, item_tp, f"{path}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        _k, v_tp = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: expected a mapping")
        return {str(k): _convert(v, v_tp, f"{path}.{k}") for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        raise ConfigError(f"{path}: unsupported type")  # not used by the schema
    raise ConfigError(f"{path}: unsupported type {tp!r}")


def _build(cls: Any, data: dict[str, Any], path: str, base: Any = None) -> Any:
    """An instance of `cls` from `data`; settings not given keep `base`'s values (the defaults)."""
    if base is None:
        base = cls()
    hints = typing.get_type_hints(cls)
    fields = {_yaml_key(f.name): f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        key_path = f"{path}.{key}" if path else str(key)
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(f"{key_path}: unknown setting (known here: {known})")
        f = fields[key]
        kwargs[f.name] = _convert(value, hints[f.name], key_path, getattr(base, f.name))
    obj = dataclasses.replace(base, **kwargs)
    check = getattr(obj, "_check", None)
    if check:
        check(path)
    return obj


def config_from_dict(data: dict[str, Any] | None) -> Config:
    """A validated Config from parsed YAML (None or {} gives the defaults)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("the configuration must be a YAML mapping at the top level")
    return typing.cast(Config, _build(Config, data, ""))


@functools.cache
def _strict_loader() -> type[yaml.SafeLoader]:
    """safe_load's loader, but a key given twice in one mapping is an error (PyYAML keeps the last)."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: dict[Any, int] = {}
            for key_node, _value in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r} (first at line {seen[key] + 1})", key_node.start_mark)
                seen[key] = key_node.start_mark.line
            return super().construct_mapping(node, deep=deep)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, StrictLoader.construct_mapping)
    return StrictLoader


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Load and validate a YAML file; None gives the defaults."""
    if path is None:
        return config_from_dict({})
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ConfigError(f"{path}: not valid UTF-8 (byte 0x{raw[e.start]:02x} at line {line})") from None
    import yaml

    try:
        data = yaml.load(text, Loader=_strict_loader())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}: {problem}{where}") from None
    try:
        return config_from_dict(data)
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None
