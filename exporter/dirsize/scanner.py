"""The directory walk: sizes as `du -x` counts them, keeping only the top N.

Counting rules (GNU du's defaults with -x):

* a size is allocated space, ``st_blocks * 512`` (sparse files count what they occupy);
* a file with several hard links is counted once, by ``(st_dev, st_ino)``;
* the walk stays on the filesystem of the scanned directory (entries on another
  device, i.e. mount points, are neither counted nor entered);
* symbolic links are counted as themselves and never followed;
* a directory's size includes its own entry's blocks.

Why a Python ``os.scandir`` walk and not a ``du`` subprocess: measured on a 200k-file
tree (bench/RESULTS-dirsize.md) both cost the same; a `du -a` pipe has to print and
parse one line per file to find the largest files, and a directories-only `du` does not
give files at all. The walk gives exact progress, per-entry cancellation and the exact
paths of unreadable entries, without parsing du's quoted error messages.

Memory is bounded by the top-N heaps, the stack of directories (depth) and the
hard-link set (files with more than one link, as du keeps), never by the tree size.

Why the walk cannot leave its root (issue 16: a symlink swapped in during a scan used
to lead outside):

* the scanned directory itself is opened one component at a time from "/", each with
  O_NOFOLLOW (`open_dir`), so a symlink anywhere in its path is an error, not a detour;
* every subdirectory is opened relative to its parent's descriptor, with O_NOFOLLOW,
  and its device and inode are compared with what the parent's listing said: a
  directory swapped for a symlink (ELOOP) or for another directory is an error entry;
* no directory is ever reopened by path. Deeper than FD_WINDOW levels the descriptors
  of the oldest ancestors are closed (a 10,000-deep tree would otherwise need 10,000
  descriptors) and reopened on the way back up as ".." of the child, checked against
  the ancestor's device and inode; a mismatch (the child was moved meanwhile) ends the
  walk of that ancestor with an error, never a walk of whatever ".." now is.

Names are kept as Python gives them (undecodable bytes as surrogates) while walking,
and made valid UTF-8 (exporter.text) only in the result, so a file name can never break
/metrics or a JSON answer.
"""

from __future__ import annotations

import errno
import heapq
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from exporter.text import valid_text

PROGRESS_EVERY = 512  # entries between progress callbacks / cancellation and deadline checks
MAX_ERROR_EXAMPLES = 5
FD_WINDOW = 128  # descriptors kept open along the current branch; older ancestors are reopened as ".."
_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_PATH_DIR = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class Entry:
    path: str
    size: int


@dataclass(frozen=True)
class Progress:
    entries: int
    bytes: int
    started: float
    elapsed: float


@dataclass(frozen=True)
class ScanResult:
    path: str
    started: float  # Unix time
    finished: float  # Unix time
    duration: float  # seconds (monotonic)
    status: str  # "ok", "timeout", "cancelled", "error"
    message: str
    total_bytes: int
    entries: int
    directories: tuple[Entry, ...]  # largest first, below the scanned directory (not itself)
    files: tuple[Entry, ...]  # largest first (anything not a directory: files, symlinks, ...)
    error_count: int
    error_examples: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return self.status == "ok"


class TopN:
    """The n largest (size, path) pairs seen, in a min-heap: O(n) memory whatever is pushed."""

    __slots__ = ("n", "heap")

    def __init__(self, n: int) -> None:
        self.n = n
        self.heap: list[tuple[int, str]] = []

    def floor(self) -> int:
        """Sizes not above this cannot enter (−1 while the heap is not full)."""
        return self.heap[0][0] if len(self.heap) >= self.n else -1

    def push(self, size: int, path: str) -> None:
        if self.n <= 0:
            return
        if len(self.heap) < self.n:
            heapq.heappush(self.heap, (size, path))
        elif size > self.heap[0][0]:
            heapq.heapreplace(self.heap, (size, path))

    def largest(self) -> tuple[Entry, ...]:
        return tuple(Entry(valid_text(p), s) for s, p in sorted(self.heap, key=lambda t: (-t[0], t[1])))


@dataclass
class _Frame:
    path: str
    fd: int  # -1 while closed (deep trees: reopened as ".." of the child on the way back)
    total: int
    ident: tuple[int, int]  # (st_dev, st_ino) the parent's listing gave
    subdirs: list[tuple[str, int, int]] = field(default_factory=list)  # (name, own blocks*512, st_ino)
    next_index: int = 0


def open_dir(path: str) -> int:
    """A descriptor of the absolute directory `path`, opened one component at a time from
    "/" with O_NOFOLLOW: a symbolic link anywhere in the path raises OSError (ELOOP or
    ENOTDIR) instead of being followed. `path` must be normalised (no "." or "..")."""
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise OSError(errno.EINVAL, "path is not normalised", path)
    # Components on the way need only search permission (O_PATH), as with a path lookup.
    fd = os.open("/", _PATH_DIR if parts else _OPEN_DIR)
    try:
        for i, part in enumerate(parts):
            child = os.open(part, _OPEN_DIR if i == len(parts) - 1 else _PATH_DIR, dir_fd=fd)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _why(e: OSError) -> str:
    if e.errno in (errno.ELOOP, errno.ENOTDIR):
        return "not a directory (symbolic links are never followed)"
    return str(e.strerror or e)


class _Stop(Exception):
    def __init__(self, status: str, message: str) -> None:
        self.status = status
        self.message = message


def scan(
    path: str | os.PathLike[str],
    *,
    top_n: int = 20,
    cancel: threading.Event | None = None,
    time_limit: float | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_directory: Callable[[str, int], None] | None = None,
    on_open: Callable[[int], None] | None = None,
    clock: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
) -> ScanResult:
    """Walk `path` (a directory) like `du -x` and return its total and largest entries.

    Never raises for problems inside the tree: unreadable entries are counted in
    ``error_count``. Stops early (status "cancelled"/"timeout", partial sizes) when
    `cancel` is set or `time_limit` seconds have passed. `on_directory(path, size)` is
    called for every directory, post-order, with its cumulative size (used by tests).
    `on_open(fd)` is given each directory's descriptor before the directory is listed
    (exporter.dirsize.watch watches it there, so a change made after the listing is seen).
    """
    root = os.fspath(path)
    started = clock()
    t0 = monotonic()
    deadline = None if time_limit is None else t0 + time_limit
    dirs = TopN(top_n)
    files = TopN(top_n)
    seen: set[tuple[int, int]] = set()
    errors = 0
    examples: list[str] = []
    entries = 0
    done_bytes = 0
    status, message = "ok", ""
    total = 0

    def error(p: str, e: OSError | str) -> None:
        nonlocal errors
        errors += 1
        if len(examples) < MAX_ERROR_EXAMPLES:
            examples.append(f"{valid_text(p)}: {e if isinstance(e, str) else _why(e)}")

    def check() -> None:
        if on_progress is not None:
            on_progress(Progress(entries, done_bytes, started, monotonic() - t0))
        if cancel is not None and cancel.is_set():
            raise _Stop("cancelled", "scan cancelled")
        if deadline is not None and monotonic() >= deadline:
            raise _Stop("timeout", f"time limit of {time_limit:g}s reached; sizes are partial")

    try:
        root_fd = open_dir(os.path.abspath(root))
        root_st = os.fstat(root_fd)
        dev = root_st.st_dev
    except OSError as e:
        finished = clock()
        shown = f"{valid_text(root)}: {_why(e)}"
        return ScanResult(valid_text(root), started, finished, monotonic() - t0, "error", shown,
                          0, 0, (), (), 1, (shown,))

    root_own = root_st.st_blocks * 512
    done_bytes = root_own
    stack: list[_Frame] = []
    S_ISDIR = stat.S_ISDIR

    def read_dir(frame: _Frame) -> None:
        """Count the non-directory entries of frame's directory; remember its subdirectories.

        The hot loop: only local variables, one fstatat per entry.
        """
        nonlocal entries, done_bytes
        base = frame.path.rstrip("/") + "/"  # rstrip: the root "/" itself
        subdirs = frame.subdirs
        own = 0
        n = entries
        limit = entries + PROGRESS_EVERY - entries % PROGRESS_EVERY
        floor = files.floor()
        if on_open is not None:
            on_open(frame.fd)
        try:
            it = os.scandir(frame.fd)
        except OSError as e:
            error(frame.path, e)
            return
        with it:
            while True:
                try:
                    de = next(it)
                except StopIteration:
                    break
                except OSError as ex:  # getdents failed part-way
                    error(frame.path, ex)
                    break
                n += 1
                if n >= limit:
                    limit = n + PROGRESS_EVERY
                    frame.total += own
                    entries, done_bytes = n, done_bytes + own
                    own = 0
                    check()
                try:
                    st = de.stat(follow_symlinks=False)  # fstatat(fd, name) relative to the open directory
                except OSError as ex:
                    error(base + de.name, ex)
                    continue
                if st.st_dev != dev:  # a mount point: like du -x, neither counted nor entered
                    continue
                size = st.st_blocks * 512
                if S_ISDIR(st.st_mode):
                    subdirs.append((de.name, size, st.st_ino))
                    continue
                if st.st_nlink > 1:
                    key = (st.st_dev, st.st_ino)
                    if key in seen:
                        continue
                    seen.add(key)
                own += size
                if size > floor:
                    files.push(size, base + de.name)
                    floor = files.floor()
        frame.total += own
        entries, done_bytes = n, done_bytes + own

    def enter(frame: _Frame, name: str, own_size: int, ino: int) -> _Frame | None:
        """Open `name` below `frame` (fd-relative, O_NOFOLLOW) and check it is the directory
        the listing saw; None (an error entry, its own blocks counted as du does) if not."""
        nonlocal done_bytes
        child_path = frame.path.rstrip("/") + "/" + name
        fd = -1
        try:
            fd = os.open(name, _OPEN_DIR, dir_fd=frame.fd)
            st = os.fstat(fd)
            if st.st_ino != ino or st.st_dev != dev:
                raise OSError(errno.ESTALE, "replaced by another directory during the scan")
        except OSError as e:
            if fd >= 0:
                os.close(fd)
            error(child_path, e)
            frame.total += own_size
            done_bytes += own_size
            dirs.push(own_size, child_path)
            if on_directory is not None:
                on_directory(child_path, own_size)
            return None
        done_bytes += own_size
        return _Frame(child_path, fd, own_size, (dev, ino))

    def reopen_parent(child: _Frame, parent: _Frame) -> None:
        """Give `parent` (whose descriptor was closed) a descriptor again: ".." of `child`,
        accepted only if it is the very directory `parent` was. Otherwise `parent`'s
        remaining subdirectories are skipped with an error (never walked by path)."""
        if child.fd >= 0:
            try:
                fd = os.open("..", _OPEN_DIR, dir_fd=child.fd)
            except OSError as e:
                error(parent.path, e)
            else:
                st = os.fstat(fd)
                if (st.st_dev, st.st_ino) == parent.ident:
                    parent.fd = fd
                    return
                os.close(fd)
                error(parent.path, "moved during the scan; its remaining subdirectories were skipped")
        parent.next_index = len(parent.subdirs)

    try:
        try:
            stack.append(_Frame(root, root_fd, root_own, (dev, root_st.st_ino)))
            read_dir(stack[0])
            while stack:
                frame = stack[-1]
                if frame.next_index < len(frame.subdirs):
                    if cancel is not None and cancel.is_set():
                        raise _Stop("cancelled", "scan cancelled")
                    name, own_size, ino = frame.subdirs[frame.next_index]
                    frame.next_index += 1
                    child = enter(frame, name, own_size, ino)
                    if child is None:
                        continue
                    stack.append(child)
                    read_dir(child)
                    if len(stack) > FD_WINDOW:
                        oldest = stack[-1 - FD_WINDOW]
                        if oldest.fd >= 0:
                            os.close(oldest.fd)
                            oldest.fd = -1
                    continue
                # all subdirectories done: post-order
                stack.pop()
                if stack and stack[-1].fd < 0:
                    reopen_parent(frame, stack[-1])
                if frame.fd >= 0:
                    os.close(frame.fd)
                    frame.fd = -1
                frame.subdirs = []
                if on_directory is not None:
                    on_directory(frame.path, frame.total)
                if stack:
                    stack[-1].total += frame.total
                    dirs.push(frame.total, frame.path)
                else:
                    total = frame.total
            check()
        except _Stop as s:
            status, message = s.status, s.message
            # partial: fold what the open directories have so far into the total
            for frame in reversed(stack):
                total += frame.total
    finally:
        for frame in stack:
            if frame.fd >= 0:
                os.close(frame.fd)
    if status == "ok" and errors:
        message = f"{errors} entries could not be read"
    return ScanResult(
        path=valid_text(root),
        started=started,
        finished=clock(),
        duration=monotonic() - t0,
        status=status,
        message=message,
        total_bytes=total,
        entries=entries,
        directories=dirs.largest(),
        files=files.largest(),
        error_count=errors,
        error_examples=tuple(examples),
    )


def human_bytes(n: float) -> str:
    """1536 → "1.5 KiB"."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def is_within(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)
