"""Attribute files of /sys read through descriptors kept open between collections.

A pread at offset 0 makes sysfs produce a fresh value (it renders the attribute on
every read from the start), for about 1 µs, where open + read + close costs 10-30 µs
here: for netclass's 26 attributes per interface that is most of the collector's
time. Descriptors are grouped per object (a network interface), and a group is
dropped when the object's directory is no longer the same inode (the interface was
removed, or renamed and another took its name), so a kept descriptor never reads a
different object than its path names. An attribute the object lacks is remembered
as absent for as long as the object is the same. Descriptors are kept while the shared
budget (exporter/host/fd_budget.py) allows; beyond that, files are read with open/read/close.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Container, Sequence
from typing import Generic, TypeVar

from exporter.host.fd_budget import FILES, FdBudget
from exporter.host.paths import HostPaths, read_text
from exporter.host.sysfs import KeptFile, float_value
from exporter.text import decode_bytes

T = TypeVar("T")
Text = Callable[[str], str]  # reads a whole file by path

# Errors that are the attribute's current value, not a broken descriptor (the speed of a link
# that is down: EINVAL): the descriptor stays, the next read asks again.
_VALUE_ERRORS = (errno.EINVAL, errno.EOPNOTSUPP, errno.ENODATA)


class _AnyErrno:
    """Every errno, for `read_many(absent=ANY_ERROR)`: readers that take any unreadable file as absent."""

    def __contains__(self, _errno: object) -> bool:
        return True


ANY_ERROR = _AnyErrno()


class KeptFiles:
    def __init__(self, budget: FdBudget = FILES) -> None:
        self._budget = budget
        self._groups: dict[str, tuple[int, dict[str, int]]] = {}  # group → (directory inode, name → fd)

    def check(self, group: str, directory: str, ino: int | None = None) -> None:
        """Start a collection of `group`: forget its descriptors unless `directory` is still the same
        object. OSError (the directory is gone) propagates. `ino`, when given, is the inode a
        directory listing just reported for the object's entry (os.DirEntry.inode(): no syscall),
        used in place of a stat() of `directory`: the entry's inode (for /sys/class/net/IF, the
        symlink's kernfs node) is another one whenever the object is."""
        if ino is None:
            ino = os.stat(directory).st_ino
        kept = self._groups.get(group)
        if kept is not None and kept[0] != ino:
            self._drop(group)
            kept = None
        if kept is None:
            self._groups[group] = (ino, {})

    def read(self, group: str, path: str) -> bytes:
        """The file's content; OSError as open or read raise it (the descriptor is then not kept)."""
        fds = self._groups[group][1]
        fd = fds.get(path)
        if fd == -1:  # known absent for this object: no syscall
            raise FileNotFoundError(2, "No such file or directory", path)
        if fd is None:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                fds[path] = -1
                raise
            if not self._budget.take():
                try:
                    return os.read(fd, 65536)
                finally:
                    os.close(fd)
            fds[path] = fd
        try:
            return os.pread(fd, 65536, 0)
        except OSError as e:
            if e.errno not in _VALUE_ERRORS:  # the object is gone or the file broke: open it anew next time
                del fds[path]
                self._budget.give()
                os.close(fd)
            raise

    def read_many(self, group: str, paths: Sequence[str], absent: Container[int] = ()) -> list[bytes | None]:
        """Each file's content, None for one that does not exist or fails with an errno in `absent`
        (the attribute is not provided for this object); other OSErrors propagate. The same as
        `read` per path, with the kept descriptors' pread inline: netclass reads 22 files per
        interface, and the per-call overhead was as large as the syscall."""
        fds = self._groups[group][1]
        pread = os.pread
        out: list[bytes | None] = []
        for path in paths:
            fd = fds.get(path)
            try:
                if fd is not None and fd >= 0:
                    out.append(pread(fd, 65536, 0))
                    continue
                out.append(self.read(group, path))
            except OSError as e:
                if fd is not None and fd >= 0 and e.errno not in _VALUE_ERRORS:  # as `read` does
                    del fds[path]
                    self._budget.give()
                    os.close(fd)
                if e.errno != errno.ENOENT and e.errno not in absent:
                    raise
                out.append(None)
        return out

    def stripped(self, group: str, path: str) -> str | None:
        """One attribute as sysfs.read_stripped gives it: None if it cannot be read."""
        raw = self.read_many(group, [path], ANY_ERROR)[0]
        return None if raw is None else decode_bytes(raw).strip()

    def number(self, group: str, path: str) -> float | None:
        """One attribute as sysfs.read_float gives it: None if unreadable or not a number."""
        return float_value(self.read_many(group, [path], ANY_ERROR)[0])

    def retain(self, groups: set[str]) -> None:
        """Close the descriptors of every group not in `groups` (objects that disappeared)."""
        for group in [g for g in self._groups if g not in groups]:
            self._drop(group)

    def _drop(self, group: str) -> None:
        _ino, fds = self._groups.pop(group)
        for fd in fds.values():
            if fd >= 0:
                os.close(fd)
                self._budget.give()

    def close(self) -> None:
        self.retain(set())


class ProcFiles:
    """Whole /proc files by path, each through a descriptor kept open (exporter.host.sysfs.KeptFile).

    Opening a /proc/net or /proc/sys file costs 50-700 µs here (the path walk through
    /proc/self/net), a pread of the kept descriptor 2-80 µs: for netstat's three files
    that is most of a collection. A file that cannot be opened is tried again next time."""

    def __init__(self, keep: bool = True) -> None:
        self._files: dict[str, KeptFile] = {}
        self._keep = keep

    def text(self, path: str) -> str:
        if not self._keep:
            return read_text(path)
        kept = self._files.get(path)
        if kept is None:
            kept = self._files[path] = KeptFile(path)
        return decode_bytes(kept.read())  # as read_text decodes (one U+FFFD per invalid run)

    def close(self) -> None:
        for kept in self._files.values():
            kept.close()


_kernel_proc: dict[str, bool] = {}


def keeps(paths: HostPaths) -> bool:
    """Whether this host tree's /proc files may be kept open: only when its /proc is the kernel's.
    A tree of regular files (node_exporter's fixtures, a copied /proc under a root_prefix) can
    have a file moved or replaced, which a kept descriptor would not notice (it goes on reading
    the old file); procfs never replaces a file under an open descriptor. procfs is told by its
    files' size: 0, with content (a regular file's size is its content's length). Decided once
    per root."""
    root = paths.root_prefix
    kernel = _kernel_proc.get(root)
    if kernel is None:
        try:
            kernel = os.stat(paths.proc("stat")).st_size == 0 and bool(read_text(paths.proc("stat")))
        except OSError:
            kernel = False
        _kernel_proc[root] = kernel
    return kernel


class KeptReader(Generic[T]):
    """A collector's callable over kept /proc files: `read(text)` with `text` reading a path.
    With keep=False (see `keeps`) each file is opened for each read instead."""

    def __init__(self, read: Callable[[Callable[[str], str]], T], keep: bool = True) -> None:
        self._read = read
        self._files = ProcFiles(keep)

    def __call__(self) -> T:
        return self._read(self._files.text)

    def close(self) -> None:
        self._files.close()


class KeptFilesReader(Generic[T]):
    """A collector's callable over one KeptFiles of its own: `read(files)`."""

    def __init__(self, read: Callable[[KeptFiles], T]) -> None:
        self._read = read
        self._files = KeptFiles()

    def __call__(self) -> T:
        return self._read(self._files)

    def close(self) -> None:
        self._files.close()
