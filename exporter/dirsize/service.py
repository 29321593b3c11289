"""DirSizeService: background scans of allowlisted roots, cached, one at a time per root.

* Readers (HTTP requests, scrapes) never wait for a scan: they get an immutable
  `ScanView` copied under a lock that is only ever held for a few dict operations
  (never during a scan).
* Each root has one worker thread, at nice 19 and the idle I/O class, that runs the
  queued scans of that root (the root itself or a subdirectory) one after another.
* Results are cached per scanned path: roots always, subdirectories in an LRU of
  `max_cached_paths`. Roots are rescanned every `refresh_interval` if their tree
  reported a change since its last scan began (inotify, exporter.dirsize.watch; a
  tree that cannot be watched counts as changed), and every UNCHANGED_FACTOR
  intervals in any case: a root's size is at most `refresh_interval` behind a change
  the kernel reports, and at most 6 intervals behind one it cannot (mmap writes). A
  cached subdirectory older than `refresh_interval` is rescanned when asked for again.
* `stop()` cancels running scans (the walk checks a threading.Event) and returns
  within about 2 seconds.

Bounded against a hostile client (issue 16): each root's queue holds at most
MAX_QUEUED_PER_ROOT paths (more: 503), a forced rescan of a path whose last scan
finished less than `rescan_min_interval` ago is refused (429), and each root allows
ROOT_RESCAN_BURST forced rescans, then one per `rescan_min_interval` (429, with how
long to wait). A requested path is checked the way the scanner opens it: every
component with O_NOFOLLOW from "/", so a symlink swapped in after `Path.resolve` is
refused too, and the scan itself re-checks at every level.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exporter.config import DirSizeConfig
from exporter.dirsize import priority, scanner
from exporter.dirsize.scanner import Progress, ScanResult, is_within
from exporter.dirsize.watch import UNCHANGED_FACTOR, TreeWatch
from exporter.ratelimit import RateLimiter

log = logging.getLogger(__name__)

MAX_PATH_LENGTH = 4096
MAX_CACHED_PATHS = 16
MAX_QUEUED_PER_ROOT = 8
ROOT_RESCAN_BURST = 4
STOP_TIMEOUT = 2.0

ScanFn = Callable[..., ScanResult]


class PathRejected(Exception):
    """A requested path that may not or cannot be scanned; `status` is the HTTP status."""

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class ScanView:
    """What a reader sees of one scanned path: last result plus the running scan's progress."""

    path: str
    root: str
    state: str  # "never", "queued", "scanning", or the last result's status ("ok", "timeout", "error", ...)
    running: bool
    queued: bool
    progress: Progress | None
    result: ScanResult | None
    last_success: float | None
    scans: int


class _State:
    __slots__ = ("path", "root", "result", "running", "queued", "progress", "last_success", "scans", "watch")

    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        self.root = root
        self.result: ScanResult | None = None
        self.running = False
        self.queued = False
        self.progress: Progress | None = None
        self.last_success: float | None = None
        self.scans = 0
        self.watch: TreeWatch | None = None  # roots only: changes since the last complete scan began

    def view(self) -> ScanView:
        if self.running:
            state = "scanning"
        elif self.queued:
            state = "queued"
        elif self.result is not None:
            state = self.result.status
        else:
            state = "never"
        return ScanView(str(self.path), str(self.root), state, self.running, self.queued, self.progress,
                        self.result, self.last_success, self.scans)


class DirSizeService:
    def __init__(
        self,
        config: DirSizeConfig,
        clock: Callable[[], float] = time.time,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        scan_fn: ScanFn = scanner.scan,
        max_cached_paths: int = MAX_CACHED_PATHS,
        watch: Callable[[], TreeWatch] | None = TreeWatch,
    ) -> None:
        self.config = config
        self.roots: tuple[Path, ...] = config.resolved_roots()
        self.keep = max(config.top_n, config.metrics_top_n)
        self._clock = clock
        self._monotonic = monotonic
        self._scan_fn = scan_fn
        self._max_cached = max_cached_paths
        self._watch = watch  # None: roots are rescanned every interval, changed or not
        self.unchanged_skips = 0  # due rescans of a root not run because its tree reported no change
        self._lock = threading.Lock()
        self._cv = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._states: OrderedDict[Path, _State] = OrderedDict((r, _State(r, r)) for r in self.roots)
        self._pending: dict[Path, deque[Path]] = {r: deque() for r in self.roots}
        self._workers: dict[Path, threading.Thread] = {}
        self._scheduler: threading.Thread | None = None
        self._root_rescans = RateLimiter(ROOT_RESCAN_BURST, max(float(config.rescan_min_interval), 0.001),
                                         clock=clock)
        # Called by the worker after each scan: `serve` sets glibc's malloc_trim (exporter.tuning), so the
        # heap pages the walk freed in the worker's arena go back now, not at the next periodic trim.
        self.after_scan: Callable[[], object] | None = None

    # --- life cycle -----------------------------------------------------------------

    def start(self) -> None:
        """Start the periodic refresh (which also runs the first scan of every root)."""
        if self._scheduler is not None or self._stop.is_set():
            return
        self._scheduler = threading.Thread(target=self._schedule_loop, name="dirsize-scheduler", daemon=True)
        self._scheduler.start()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Cancel running scans and end the threads; returns within about `timeout` seconds."""
        self._stop.set()
        with self._cv:
            self._cv.notify_all()
        end = time.monotonic() + timeout
        threads = list(self._workers.values())
        if self._scheduler is not None:
            threads.append(self._scheduler)
        for t in threads:
            t.join(max(0.0, end - time.monotonic()))
        with self._lock:
            for st in self._states.values():
                if st.watch is not None:
                    st.watch.close()
                    st.watch = None

    def now(self) -> float:
        return self._clock()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _schedule_loop(self) -> None:
        interval = max(1.0, float(self.config.refresh_interval))
        while not self._stop.is_set():
            self.run_due()
            # wake up at least every interval/10 so a result that ages out is noticed promptly
            self._stop.wait(min(interval / 10, 60.0))

    def run_due(self) -> list[str]:
        """Queue a scan of every root whose last result is missing or older than the refresh interval."""
        started = []
        now = self._clock()
        with self._lock:
            for root in self.roots:
                st = self._states[root]
                if self._is_stale(st, now) and self._enqueue(st):
                    started.append(str(root))
        return started

    # --- paths ----------------------------------------------------------------------

    def resolve(self, path_str: str) -> Path:
        """The real path of a requested directory, if it lies inside a configured root.

        Symlinks and ".." are resolved before the check. Outside every root → 403 (also
        when it does not exist, so nothing about the rest of the disk is revealed);
        missing → 404; not a directory → 400.
        """
        if not path_str:
            raise PathRejected(400, "path is empty")
        if "\x00" in path_str:
            raise PathRejected(400, "path contains a NUL byte")
        if len(path_str) > MAX_PATH_LENGTH:
            raise PathRejected(400, f"path is longer than {MAX_PATH_LENGTH} characters")
        if not os.path.isabs(path_str):
            raise PathRejected(400, "path must be absolute")
        try:
            resolved = Path(path_str).resolve(strict=False)
        except RuntimeError:  # symlink loop (Python 3.11)
            raise PathRejected(400, "path contains a symlink loop") from None
        except OSError as e:
            raise PathRejected(400, f"path cannot be resolved: {e.strerror or e}") from None
        if self.root_of(resolved) is None:
            raise PathRejected(403, "path is outside the configured roots")
        try:
            fd = scanner.open_dir(str(resolved))  # as the scan will open it: no symlink anywhere
        except OSError as e:
            if e.errno == errno.ENOENT:
                raise PathRejected(404, "no such directory") from None
            if e.errno in (errno.ENOTDIR, errno.ELOOP):
                raise PathRejected(400, "not a directory") from None
            if e.errno == errno.EACCES:
                raise PathRejected(403, "permission denied") from None
            raise PathRejected(400, f"cannot access path: {e.strerror or e}") from None
        os.close(fd)
        return resolved

    def root_of(self, path: Path) -> Path | None:
        """The innermost configured root containing `path` (already resolved)."""
        best: Path | None = None
        for root in self.roots:
            if is_within(path, root) and (best is None or len(root.parts) > len(best.parts)):
                best = root
        return best

    # --- requests -------------------------------------------------------------------

    def request(self, path: Path, *, force: bool = False) -> ScanView:
        """The cached view of `path` (resolved, inside a root); queue a scan when none is
        cached, when the cache is older than the refresh interval, or when `force`d.
        At most one scan of a path is queued or running at a time."""
        root = self.root_of(path)
        if root is None:
            raise PathRejected(403, "path is outside the configured roots")
        now = self._clock()
        with self._lock:
            st = self._states.get(path)
            created = st is None
            if st is None:
                st = _State(path, root)
            busy = st.running or st.queued
            want = not busy and (force or self._is_stale(st, now))
            if want and force:
                self._check_rescan(st, now)
            if want and len(self._pending[root]) >= MAX_QUEUED_PER_ROOT:
                if force or st.result is None:
                    raise PathRejected(503, f"too many scans are queued for {root}; retry in a minute",
                                       retry_after=60.0)
                want = False  # a stale cached result is still an answer
            if created:
                self._states[path] = st
            self._states.move_to_end(path)
            if want:
                self._enqueue(st)
            if created:
                self._evict()  # after queueing: a queued path is never evicted
            return st.view()

    def _check_rescan(self, st: _State, now: float) -> None:
        """Refuse (429) a forced rescan that comes too soon for this path or this root."""
        interval = float(self.config.rescan_min_interval)
        if st.result is not None and now - st.result.finished < interval:
            wait = interval - (now - st.result.finished)
            raise PathRejected(429, f"{st.path} was scanned {now - st.result.finished:.0f}s ago; "
                               f"rescans of a path are at most one per {interval:g}s", retry_after=wait)
        wait = self._root_rescans.take(str(st.root))
        if wait > 0:
            raise PathRejected(429, f"too many rescans of {st.root}; retry in {wait:.0f}s", retry_after=wait)

    def view(self, path: Path) -> ScanView | None:
        with self._lock:
            st = self._states.get(path)
            return None if st is None else st.view()

    def root_views(self) -> list[ScanView]:
        """One view per configured root, in configuration order (cheap: the scrape path)."""
        with self._lock:
            return [self._states[r].view() for r in self.roots]

    # --- internals (called with the lock held unless noted) ---------------------------

    def _is_stale(self, st: _State, now: float) -> bool:
        if st.result is None:
            return not (st.running or st.queued)
        age = now - st.result.finished
        interval = float(self.config.refresh_interval)
        if age < interval:
            return False
        if st.watch is not None and age < interval * UNCHANGED_FACTOR and not st.watch.changed():
            # The cached sizes are current as of now: last_success says so (the scan-stale alert
            # and the dashboards read it), while the result keeps the time its scan finished.
            self.unchanged_skips += 1
            st.last_success = now
            return False
        return True

    def _enqueue(self, st: _State) -> bool:
        if st.running or st.queued or self._stop.is_set():
            return False
        st.queued = True
        self._pending[st.root].append(st.path)
        worker = self._workers.get(st.root)
        if worker is None or not worker.is_alive():
            worker = threading.Thread(target=self._work, args=(st.root,), name=f"dirsize-scan {st.root}", daemon=True)
            self._workers[st.root] = worker
            worker.start()
        else:
            self._cv.notify_all()
        return True

    def _evict(self) -> None:
        extra = sum(1 for p in self._states if p not in self._pending) - self._max_cached
        for path in list(self._states):
            if extra <= 0:
                break
            st = self._states[path]
            if path in self._pending or st.running or st.queued:  # roots and busy paths stay
                continue
            del self._states[path]
            extra -= 1

    def _work(self, root: Path) -> None:
        """One root's worker thread (lock not held on entry)."""
        priority.lower_priority()
        while True:
            with self._cv:
                while not self._pending[root] and not self._stop.is_set():
                    self._cv.wait()
                if self._stop.is_set():
                    for p in self._pending[root]:
                        if p in self._states:
                            self._states[p].queued = False
                    self._pending[root].clear()
                    return
                path = self._pending[root].popleft()
                st = self._states.get(path)
                if st is None:  # evicted while queued (should not happen: busy paths are kept)
                    continue
                st.queued = False
                st.running = True
                st.progress = Progress(0, 0, self._clock(), 0.0)

            def progress(p: Progress, st: _State = st) -> None:
                with self._lock:
                    st.progress = p

            # A root's scan watches its tree as it goes, so the next periodic rescan can be
            # skipped when nothing changed (exporter.dirsize.watch).
            watch = self._watch() if self._watch is not None and path == root else None
            extra: dict[str, Any] = {"on_open": watch.add} if watch is not None and watch.complete else {}
            try:
                result = self._scan_fn(
                    str(path),
                    top_n=self.keep,
                    cancel=self._stop,
                    time_limit=float(self.config.time_limit),
                    on_progress=progress,
                    clock=self._clock,
                    monotonic=self._monotonic,
                    **extra,
                )
            except Exception as e:  # noqa: BLE001 - a scan bug must not kill the worker
                log.exception("directory scan of %s failed", path)
                now = self._clock()
                result = ScanResult(str(path), now, now, 0.0, "error", str(e), 0, 0, (), (), 0, ())
            with self._lock:
                if watch is not None:
                    if st.watch is not None:
                        st.watch.close()
                    # Only a complete scan is a baseline: after a partial one, the interval rules.
                    st.watch = watch if result.status == "ok" and watch.complete else None
                    if st.watch is None:
                        watch.close()
                st.running = False
                st.progress = None
                st.scans += 1
                if result.status != "cancelled" or st.result is None:
                    st.result = result
                if result.status == "ok":
                    st.last_success = result.finished
            log.info("scanned %s: %s in %.1fs (%d entries, %d unreadable)", path, result.status,
                     result.duration, result.entries, result.error_count)
            if self.after_scan is not None:
                self.after_scan()
