"""The /metrics exposition: one rendering per Reading, shared by every scrape.

Exposition subscribes to the Sampler after the process groups, so when it sees a
Reading the groups already include it. A scrape first asks the Sampler for a
fresh enough Reading (which notifies the subscribers if it collects), then takes
the bytes rendered for the latest Reading, rendering them once per encoding (and per
collect[]/exclude[] selection, filtered from the same Reading: no extra collection) and
gzipping them once on demand. The families come by segment (one area's, one collector's,
one source's), and the fast encoders keep each segment's text between Readings while its
families are the same (exporter/exposition/encoding.py).
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Iterable, Iterator

from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from exporter.exposition import encoding
from exporter.exposition.host_families import Segment, Selection, reading_segments
from exporter.sampling.process_groups import GroupStats, ProcessGroups
from exporter.sampling.reading import Reading

FamilySource = Callable[[], Iterable[Metric]]

# Renderings kept for the latest Reading (encodings × gzip × collect[]/exclude[] selections).
MAX_CACHED = 32
# Prometheus asks for gzip on every scrape: level 1 compresses a 74 KB body in 0.16 ms to
# 13.3 KB, level 5 in 0.61 ms to 11.8 KB (measured here); the CPU matters more than 1.5 KB.
GZIP_LEVEL = 1


class _Families(Collector):
    """The families of one rendering, in the shape the encoders (and the library's) take; ours
    take them by segment (encoding._segment), the library's as one stream."""

    def __init__(self, exposition: Exposition, only: Selection) -> None:
        self._exposition = exposition
        self._only = only

    def collect(self) -> Iterator[Metric]:
        return self._exposition.families(self._only)

    def segments(self) -> Iterator[Segment]:
        return self._exposition.segments(self._only)


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
        self._cache: dict[tuple[int, str, bool, Selection], bytes] = {}

    def on_reading(self, reading: Reading) -> None:
        """Take a new Reading with the process groups as they stand after it (a Sampler subscriber).
        A partial Reading lacks the families of the collectors only /metrics shows: the last
        full one stays (a scrape asks the Sampler for a full one before rendering)."""
        if reading.cur.partial:
            return
        groups = self._groups.latest if self._groups is not None else None
        with self._lock:
            self._latest = (reading, groups)

    def families(self, only: Selection = None) -> Iterator[Metric]:
        """Every family of the latest Reading (of the collectors in `only`, if given), then the
        exporter's own sources, which a selection keeps (node_exporter keeps its process_* too);
        nothing before the first Reading."""
        for _, families in self.segments(only):
            yield from families

    def segments(self, only: Selection = None) -> Iterator[Segment]:
        """`families`, as (fixed key, the families of one area, collector or source)."""
        latest = self._latest
        if latest is None:
            return
        reading, groups = latest
        yield from reading_segments(reading, self._top_n, groups, only)
        for i, source in enumerate(self._sources):
            yield f"source:{i}", source()

    def render(self, accept: str | None, gzip_ok: bool, only: Selection = None) -> tuple[bytes, str]:
        """The latest Reading rendered for this encoding and collector selection, once per Reading."""
        encoder, content_type = encoding.choose(accept)
        with self._lock:
            latest = self._latest
            seq = latest[0].seq if latest is not None else -1
            key = (seq, content_type, gzip_ok, only)
            body = self._cache.get(key)
            if body is None:
                raw_key = (seq, content_type, False, only)
                raw = self._cache.get(raw_key)
                if raw is None:
                    raw = encoder(_Families(self, only))
                    self._cache = {k: v for k, v in self._cache.items() if k[0] == seq}
                    if len(self._cache) >= MAX_CACHED:  # many distinct selections: keep memory bounded
                        self._cache.clear()
                    self._cache[raw_key] = raw
                body = gzip.compress(raw, compresslevel=GZIP_LEVEL) if gzip_ok else raw
                self._cache[key] = body
        return body, content_type
