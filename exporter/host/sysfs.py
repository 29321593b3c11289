"""Small helpers for the one-value files of /sys, shared by the hardware collectors."""

from __future__ import annotations

import os

from exporter.host.device_filter import device_filter
from exporter.host.fd_budget import FILES, FdBudget
from exporter.host.paths import read_text
from exporter.text import decode_bytes


def read_stripped(path: str) -> str | None:
    """The file's content without surrounding whitespace, or None if it does not exist or cannot be read.

    Optional attributes differ per driver; node_exporter skips those it cannot read."""
    try:
        return read_text(path).strip()
    except OSError:
        return None


def read_float(path: str) -> float | None:
    text = read_stripped(path)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def float_value(value: bytes | None) -> float | None:
    """A read attribute's bytes as read_float takes them: None if unread (None) or not a number."""
    if value is None:
        return None
    try:
        return float(decode_bytes(value).strip())
    except ValueError:
        return None


def list_dir(path: str) -> list[str]:
    """Sorted entries of a directory; FileNotFoundError propagates (the collector has nothing to read)."""
    return sorted(os.listdir(path))


def parse_cpu_list(text: str) -> list[int]:
    """CPU numbers from the kernel's list format ("1,3-5,9")."""
    cpus: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        cpus.extend(range(int(lo), int(hi) + 1) if sep else [int(lo)])
    return cpus


class IncludeExclude:
    """node_exporter's device filter (exporter.host.device_filter) as an object: `wanted(name)`."""

    def __init__(self, include: str, exclude: str) -> None:
        self.wanted = device_filter(exclude, include)


class KeptFile:
    """A small /proc or /sys value file kept open and read with pread from offset 0.

    For files read on every collection: a pread on a kept descriptor costs about a seventh
    of open + read + close (/proc/sys files especially). Closed and reopened after an error,
    so a file that appears later (a module loaded) is picked up. Kept only while the shared
    descriptor budget allows (exporter/host/fd_budget.py); otherwise opened for each read."""

    def __init__(self, path: str, size: int = 4096, budget: FdBudget = FILES) -> None:
        self.path = path
        self._size = size  # the first pread asks this much; a longer file takes more reads
        self._budget = budget
        self._fd = -1

    def read(self) -> bytes:
        """The file's bytes; OSError (FileNotFoundError included) as open or read raise it."""
        if self._fd < 0 and not self._budget.take():
            with open(self.path, "rb", buffering=0) as f:
                return f.read()
        try:
            if self._fd < 0:
                try:
                    self._fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
                except OSError:
                    self._budget.give()
                    raise
            data = os.pread(self._fd, self._size, 0)
            if len(data) < self._size:
                return data
            chunks = [data]
            while data:
                data = os.pread(self._fd, self._size, sum(map(len, chunks)))
                chunks.append(data)
            return b"".join(chunks)
        except OSError:
            self.close()
            raise

    def read_float(self) -> float | None:
        """The value as a number, None if the file is missing, unreadable or not a number."""
        try:
            return float(self.read())
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
            self._budget.give()
