"""node_exporter's device filter: an exclude or an include regex, unanchored as Go's MatchString.

An empty pattern means "not set" (node_exporter's flags default to empty), so
`device_include: lo` keeps every device whose name contains "lo", as it does there.
"""

from __future__ import annotations

import re
from collections.abc import Callable


def device_filter(exclude: str = "", include: str = "") -> Callable[[str], bool]:
    """A predicate: True when the device is to be reported."""
    ex = re.compile(exclude).search if exclude else None
    inc = re.compile(include).search if include else None
    if ex is None and inc is None:
        return lambda _name: True
    return lambda name: not (ex is not None and ex(name)) and not (inc is not None and not inc(name))
