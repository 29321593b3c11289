"""Value types with their own parsing (durations, regexes, listen addresses) and ConfigError."""

from __future__ import annotations

import math
import re
from typing import Any

DEFAULT_PORT = 9877
DEFAULT_LISTEN = f"127.0.0.1:{DEFAULT_PORT}"


class ConfigError(ValueError):
    """A configuration problem, worded for the user, naming the key path."""


# --- value types with their own parsing ------------------------------------------

_DURATION_RE = re.compile(r"^(?:(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y))+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def parse_duration(value: Any) -> float:
    """Seconds from a number or a Prometheus-style duration ("90s", "5m", "1h30m")."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 5m or 1h")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and _DURATION_RE.match(value.strip()):
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(value))
    else:
        raise ValueError(f"expected a duration such as 30s, 5m or 1h, got {value!r}")
    if not math.isfinite(seconds):  # YAML's .inf / .nan: would pass every check and then mean nothing
        raise ValueError(f"a duration must be a finite number, got {value!r}")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest Prometheus duration string for a whole number of seconds."""
    s = int(round(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s and s % size == 0:
            return f"{s // size}{unit}"
    return f"{s}s"


class Duration(float):
    """A float of seconds that YAML may give as "5m"."""


class Regex(str):
    """A string that must compile as a regular expression."""


def parse_listen(listen: str) -> tuple[str, int]:
    """("127.0.0.1", 9877) from "127.0.0.1:9877" or "[::1]:9877"."""
    host, sep, port_s = listen.rpartition(":")
    if not sep or not port_s.isdigit():
        raise ValueError(f"expected HOST:PORT, got {listen!r}")
    port = int(port_s)
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is out of range")
    host = host.strip("[]") or "0.0.0.0"
    return host, port
