"""The /metrics exposition: one rendering per Reading, shared by every scrape.

Exposition subscribes to the Sampler after the process groups, so when it sees a
Reading the groups already include it. A scrape first asks the Sampler for a
fresh enough Reading (which notifies the subscribers if it collects), then takes
the bytes rendered for the latest Reading, rendering them once per encoding and
gzipping them once on demand.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Iterable, Iterator

from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from exporter.exposition import encoding
from exporter.exposition.host_families import reading_families
from exporter.sampling.process_groups import GroupStats, ProcessGroups
from exporter.sampling.reading import Reading

FamilySource = Callable[[], Iterable[Metric]]


class _Families(Collector):
    """The families of one rendering, in the shape the encoders (and the library's) take."""

    def __init__(self, families: Callable[[], Iterator[Metric]]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return self._families()


class Exposition:
    """Renders the latest Reading's families plus the `sources` (our own process,
    directory scans, history), once per Reading and encoding."""

    def __init__(
        self,
        top_n: int,
        groups: ProcessGroups | None = None,
        sources: Iterable[FamilySource] = (),
    ) -> None:
        self._top_n = top_n
        self._groups = groups
        self._sources = tuple(sources)
        self._lock = threading.Lock()
        self._latest: tuple[Reading, tuple[GroupStats, ...] | None] | None = None
        self._cache: dict[tuple[int, str, bool], bytes] = {}

    def on_reading(self, reading: Reading) -> None:
        """Take a new Reading with the process groups as they stand after it (a Sampler subscriber)."""
        groups = self._groups.latest if self._groups is not None else None
        with self._lock:
            self._latest = (reading, groups)

    def families(self) -> Iterator[Metric]:
        """Every family of the latest Reading; nothing before the first one."""
        latest = self._latest
        if latest is None:
            return
        reading, groups = latest
        yield from reading_families(reading, self._top_n, groups)
        for source in self._sources:
            yield from source()

    def render(self, accept: str | None, gzip_ok: bool) -> tuple[bytes, str]:
        encoder, content_type = encoding.choose(accept)
        with self._lock:
            latest = self._latest
            seq = latest[0].seq if latest is not None else -1
            key = (seq, content_type, gzip_ok)
            body = self._cache.get(key)
            if body is None:
                raw = self._cache.get((seq, content_type, False))
                if raw is None:
                    raw = encoder(_Families(self.families))
                    self._cache = {k: v for k, v in self._cache.items() if k[0] == seq}
                    self._cache[(seq, content_type, False)] = raw
                body = gzip.compress(raw, compresslevel=5) if gzip_ok else raw
                self._cache[key] = body
        return body, content_type
