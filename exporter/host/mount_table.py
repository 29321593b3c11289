"""The mount table, reread only when the kernel says it changed.

/proc/PID/mounts is a seq file that the kernel renders anew at every read (30 µs here for
20 mounts, plus the parse). Its poll() reports POLLPRI|POLLERR once the mount namespace's
event counter moved since the last poll of that open file: the kernel bumps it on every
mount, unmount, move and remount in the namespace (touch_mnt_namespace), propagated mounts
included. So a descriptor is kept open and polled with a zero timeout at each collection;
the text is reread only after such a report. The open file starts from the event count at
open(), and each poll takes the count it reports, before the read that follows: a change
landing between a poll and its read is reported again by the next poll. So a served table
is never older than that collection's poll. A read-only flag that flips without a remount
(an emergency remount) is not a mount-table event, but the filesystem collector takes
statvfs's ST_RDONLY at every collection too.

Only a pseudo file is trusted this way: one that fstat() gives size 0 but that reads
non-empty, as procfs files do. A regular file (node_exporter's fixture tree under a
root_prefix) never reports POLLPRI, so it is read at every call, as before.
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from exporter.text import decode_bytes

T = TypeVar("T")

_CHANGED = select.POLLPRI | select.POLLERR


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    offset = 0
    while True:
        data = os.pread(fd, 65536, offset)
        if not data:
            return b"".join(chunks)
        chunks.append(data)
        offset += len(data)


class MountTable(Generic[T]):
    """`parse(text)` of the first of `candidates` that opens, recomputed only when it changed."""

    def __init__(self, candidates: Sequence[str], parse: Callable[[str], T]) -> None:
        self._candidates = tuple(candidates)
        self._parse = parse
        self._fd = -1
        self._poll: select.poll | None = None  # set while the kept file is a pollable pseudo file
        self._value: T | None = None

    def read(self) -> T:
        """The parsed table; OSError when no candidate can be read."""
        if self._fd >= 0:
            try:
                return self._kept()
            except OSError:
                self.close()  # the file broke: open anew below
        for path in self._candidates:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                pseudo = os.fstat(fd).st_size == 0
                data = _read_all(fd)
            except OSError:
                os.close(fd)
                continue
            value = self._parse(decode_bytes(data))
            if pseudo and data:
                # The open took the namespace's event count: any change after it, before or
                # after the read above, is reported by the next poll.
                poll = select.poll()
                poll.register(fd, _CHANGED)
                self._fd, self._poll, self._value = fd, poll, value
            else:
                os.close(fd)
            return value
        raise OSError(f"cannot read {' or '.join(self._candidates)}")

    def _kept(self) -> T:
        if self._poll is None or self._poll.poll(0):
            self._value = self._parse(decode_bytes(_read_all(self._fd)))
        return self._value  # type: ignore[return-value]  # set with the descriptor

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        self._poll = None
        self._value = None
