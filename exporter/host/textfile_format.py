"""The Prometheus text format as node_exporter's textfile collector reads it (Go's expfmt TextParser).

prometheus_client's parser is not used: it renames a counter's samples to
`<name>_total`, which would change the series a textfile exports. This one keeps
every name as written and returns the samples with their optional client-side
timestamp, so the collector can refuse such files as node_exporter does. A line it
cannot read raises ValueError naming the line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|\})')
_TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
_SPECIAL = {"+Inf": math.inf, "-Inf": -math.inf, "NaN": math.nan}


@dataclass
class Sample:
    name: str
    labels: dict[str, str]
    value: float
    timestamp_ms: int | None = None


@dataclass
class ParsedFamily:
    name: str
    type: str = "untyped"
    help: str | None = None
    samples: list[Sample] = field(default_factory=list)


def _unescape(value: str, help_text: bool = False) -> str:
    if "\\" not in value:
        return value
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            n = value[i + 1]
            if n == "n":
                out.append("\n")
            elif n == "\\" or (n == '"' and not help_text):
                out.append(n)
            else:
                raise ValueError(f"invalid escape sequence \\{n}")
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _value(text: str) -> float:
    if text in _SPECIAL:
        return _SPECIAL[text]
    return float(text)


def _sample(line: str) -> Sample:
    m = _NAME.match(line)
    if not m:
        raise ValueError(f"invalid metric name in {line!r}")
    name, rest = m.group(), line[m.end():]
    labels: dict[str, str] = {}
    if rest.startswith("{"):
        rest = rest[1:].lstrip()
        if rest.startswith("}"):
            rest = rest[1:]
        else:
            while True:
                lm = _LABEL.match(rest)
                if not lm:
                    raise ValueError(f"invalid labels in {line!r}")
                if lm.group(1) in labels:
                    raise ValueError(f"duplicate label {lm.group(1)} in {line!r}")
                labels[lm.group(1)] = _unescape(lm.group(2))
                rest = rest[lm.end():]
                if lm.group(3) == "}":
                    break
                if rest.lstrip().startswith("}"):  # a trailing comma
                    rest = rest.lstrip()[1:]
                    break
    parts = rest.split()
    if len(parts) not in (1, 2):
        raise ValueError(f"expected a value and an optional timestamp in {line!r}")
    return Sample(name, labels, _value(parts[0]), int(parts[1]) if len(parts) == 2 else None)


def _family_of(name: str, families: dict[str, ParsedFamily]) -> str:
    """The family a sample belongs to: `x_sum`/`x_count` (and `x_bucket`) belong to a summary
    or histogram `x` declared before them, anything else to its own name."""
    for suffix, types in (("_bucket", ("histogram",)), ("_sum", ("histogram", "summary")),
                          ("_count", ("histogram", "summary"))):
        if name.endswith(suffix):
            base = families.get(name[: -len(suffix)])
            if base is not None and base.type in types:
                return base.name
    return name


def parse_text(text: str) -> list[ParsedFamily]:
    """The families of one text-format document, in the order they first appear."""
    families: dict[str, ParsedFamily] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        try:
            if line.startswith("#"):
                parts = line[1:].split(None, 2)
                if len(parts) < 2 or parts[0] not in ("HELP", "TYPE"):
                    continue  # a comment
                name = parts[1]
                if not _NAME.fullmatch(name):
                    raise ValueError(f"invalid metric name {name!r}")
                fam = families.setdefault(name, ParsedFamily(name))
                if parts[0] == "HELP":
                    if fam.help is not None:
                        raise ValueError(f"second HELP line for {name}")
                    fam.help = _unescape(parts[2] if len(parts) > 2 else "", help_text=True)
                else:
                    kind = parts[2].strip() if len(parts) > 2 else ""
                    if kind not in _TYPES:
                        raise ValueError(f"unknown metric type {kind!r}")
                    if fam.samples:
                        raise ValueError(f"TYPE line for {name} after its samples")
                    fam.type = kind
                continue
            sample = _sample(line)
            name = _family_of(sample.name, families)
            families.setdefault(name, ParsedFamily(name)).samples.append(sample)
        except ValueError as e:
            raise ValueError(f"line {number}: {e}") from None
    return [f for f in families.values() if f.samples]
