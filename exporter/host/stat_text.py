"""/proc/stat (and /proc/vmstat) read once per collection for the two collectors that use each.

The kernel renders /proc/stat anew at every read (every CPU's times and every IRQ's
count summed over the CPUs): 10 µs of the stat collector's 14 here went to reading
what the cpu collector had read a few hundred µs before, in the same collection. So cpu,
which the table runs first, offers the text it read, and stat takes it: once (a second
take reads the file), and only if it was read within MAX_AGE seconds. Since both run
in every collection, in table order (HostReader.read), one collection at a time (the
sampler's single-flight lock), what stat gets is the text of the same collection; MAX_AGE
bounds it should that ever not hold (an error between the two, a HostReader driven from
two threads). Without a cpu collector, stat reads the file itself.

/proc/vmstat goes the same way from the vmstat collector to the process reader's reclaim
watch (exporter/host/reclaim.py), which the table runs later: some 17 µs of kernel time for
190 lines. A partial collection (the page's) runs no vmstat collector: the watch reads the
file itself, as it does when the offered bytes were taken or are too old.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

from exporter.host.context import CollectorContext

MAX_AGE = 1.0  # seconds
T = TypeVar("T")


class StatText(Generic[T]):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._text: T | None = None
        self._at = 0.0

    def offer(self, text: T) -> None:
        self._text, self._at = text, self._clock()

    def take(self) -> T | None:
        """The offered text if it is fresh and not taken yet, else None (read the file)."""
        text, self._text = self._text, None
        if text is not None and self._clock() - self._at <= MAX_AGE:
            return text
        return None


def shared(ctx: CollectorContext) -> StatText[str]:
    """The registry's one StatText of /proc/stat (ctx.shared holds what a registry's collectors share)."""
    share: StatText[str] = ctx.shared.setdefault("stat_text", StatText[str]())
    return share


def shared_vmstat(ctx: CollectorContext) -> StatText[bytes]:
    """The registry's one hand-off of /proc/vmstat's bytes, from the vmstat collector to the reclaim watch."""
    share: StatText[bytes] = ctx.shared.setdefault("vmstat_bytes", StatText[bytes]())
    return share
