"""/proc/stat read once per collection for the two collectors that use it, cpu and stat.

The kernel renders /proc/stat anew at every read (every CPU's times and every IRQ's
count summed over the CPUs): 10 µs of the stat collector's 14 here went to reading
what the cpu collector had read a few hundred µs before, in the same collection. So cpu,
which the table runs first, offers the text it read, and stat takes it: once (a second
take reads the file), and only if it was read within MAX_AGE seconds. Since both run
in every collection, in table order (HostReader.read), one collection at a time (the
sampler's single-flight lock), what stat gets is the text of the same collection; MAX_AGE
bounds it should that ever not hold (an error between the two, a HostReader driven from
two threads). Without a cpu collector, stat reads the file itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from exporter.host.context import CollectorContext

MAX_AGE = 1.0  # seconds


class StatText:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._text: str | None = None
        self._at = 0.0

    def offer(self, text: str) -> None:
        self._text, self._at = text, self._clock()

    def take(self) -> str | None:
        """The offered text if it is fresh and not taken yet, else None (read the file)."""
        text, self._text = self._text, None
        if text is not None and self._clock() - self._at <= MAX_AGE:
            return text
        return None


def shared(ctx: CollectorContext) -> StatText:
    """The registry's one StatText (ctx.shared holds what a registry's collectors share)."""
    share: StatText = ctx.shared.setdefault("stat_text", StatText())
    return share
