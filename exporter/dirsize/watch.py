"""TreeWatch: whether anything changed under a scanned tree since its scan began (inotify).

The periodic rescan of a root costs a full walk (about 1 s of CPU for 300,000 entries,
every `refresh_interval`: a third of the exporter's steady-state CPU when nothing else
is asked of it). Most of those walks find what the last one found. So the scan watches
every directory it opens, before listing it (`add`, given the directory's descriptor,
so nothing is ever looked up by path again), in one inotify instance of its own; the
service then rescans when the refresh interval has passed *and* the tree reported a
change (`changed`), and at least every UNCHANGED_FACTOR intervals regardless.

What the events cover: any entry created, deleted, moved, written or truncated, or
whose metadata (link count, times, mode) changed, in any directory the scan listed,
from the moment it was listed. What they do not, and why the forced rescan stays:
writes through a shared mapping (mmap), and writes to a hard-linked file through a
path outside the tree. A tree with more directories than MAX_WATCHES (or a full
per-user watch budget, fs.inotify.max_user_watches) is not watched at all: `complete`
is False and the service rescans it every interval, as without a watch.

Cost: one inotify_add_watch per directory during the scan (3,300 for the 300,000-entry
bench home, about 1 % of the walk), one non-blocking read per check, and kernel memory
for the watches (each pins its directory's inode) until the next scan or the first
event, whichever comes first: the first event closes the instance.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import threading

log = logging.getLogger(__name__)

MAX_WATCHES = 8192  # directories per root; beyond that the tree is rescanned on the interval
UNCHANGED_FACTOR = 6  # a tree that reported nothing is still rescanned every 6 intervals (1 h by default)

IN_MODIFY = 0x00000002
IN_ATTRIB = 0x00000004
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_ONLYDIR = 0x01000000
MASK = (IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF
        | IN_ONLYDIR)
_IN_NONBLOCK = os.O_NONBLOCK
_IN_CLOEXEC = getattr(os, "O_CLOEXEC", 0o2000000)

_libc: ctypes.CDLL | None = None
_libc_lock = threading.Lock()


def _lib() -> ctypes.CDLL | None:
    """libc's inotify calls (glibc or musl, through dlopen(NULL)); None where there are none."""
    global _libc
    with _libc_lock:
        if _libc is None:
            try:
                lib = ctypes.CDLL(None, use_errno=True)
                lib.inotify_init1.argtypes = [ctypes.c_int]
                lib.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
            except (OSError, AttributeError):
                return None
            _libc = lib
        return _libc


class TreeWatch:
    """One inotify instance for one scan of one tree. `add` is called on the scan's thread;
    `changed` and `close` by whoever holds the owner's lock."""

    def __init__(self, max_watches: int = MAX_WATCHES) -> None:
        self._max = max_watches
        self._lib = _lib()
        self._fd = -1
        self.watches = 0
        self.complete = False  # every directory the scan opened is watched
        self._changed = False
        if self._lib is None:
            return
        fd = self._lib.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if fd < 0:
            log.info("directory scans: no inotify instance (%s); roots are rescanned every interval",
                     os.strerror(ctypes.get_errno()))
            return
        self._fd = fd
        self.complete = True

    def add(self, dir_fd: int) -> None:
        """Watch the directory open as `dir_fd` (through /proc/self/fd: the very directory the
        scan opened, never a path looked up again)."""
        if not self.complete:
            return
        assert self._lib is not None
        if self.watches >= self._max:
            self._give_up(f"more than {self._max} directories")
            return
        if self._lib.inotify_add_watch(self._fd, b"/proc/self/fd/%d" % dir_fd, MASK) < 0:
            err = ctypes.get_errno()
            why = "fs.inotify.max_user_watches reached" if err == errno.ENOSPC else os.strerror(err)
            self._give_up(why)
            return
        self.watches += 1

    def _give_up(self, why: str) -> None:
        log.info("directory scans: tree not watched (%s); it is rescanned every interval", why)
        self.complete = False
        self.close()

    def changed(self) -> bool:
        """True once anything under the tree changed (or the kernel's event queue overflowed)
        since the scan began; True also when the tree could not be watched completely."""
        if self._changed or not self.complete:
            return True
        try:
            if os.read(self._fd, 4096):
                self._changed = True
        except BlockingIOError:
            return False
        except OSError:
            self._changed = True
        if self._changed:
            self.close()  # nothing more to learn: give the watches back now
        return self._changed

    def close(self) -> None:
        if self._fd >= 0:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = -1
