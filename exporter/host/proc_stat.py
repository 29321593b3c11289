"""/proc/PID/stat and the other per-process facts every reader of processes needs.

One place for the clock tick and page size, the stat line parser and the uid → name
cache, shared by the process reader (exporter.host.processes) and our own process
(exporter.host.self_process).
"""

from __future__ import annotations

import os
import pwd

TICKS = float(os.sysconf("SC_CLK_TCK"))
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CMDLINE_MAX = 4096

_user_names: dict[int, str] = {}


def user_name(uid: int) -> str:
    name = _user_names.get(uid)
    if name is None:
        try:
            name = pwd.getpwuid(uid).pw_name
        except KeyError:
            name = str(uid)
        _user_names[uid] = name
    return name


_STATES = {bytes([c]): chr(c) for c in range(ord("A"), ord("z") + 1)}


def parse_stat(data: bytes) -> tuple[bytes, str, float, int, int, int]:
    """(comm as bytes, state, cpu seconds, threads, start time ticks, rss bytes) from /proc/PID/stat.

    comm stays bytes: it is decoded only for a process not seen before. This runs
    once per process per collection, so it does as little as it can."""
    rpar = data.rindex(b")")
    rest = data[rpar + 2 :].split(None, 22)  # fields up to rss; the rest is not needed
    # rest[0] is field 3 (state); field n is rest[n - 3].
    return (
        data[data.index(b"(") + 1 : rpar],
        _STATES.get(rest[0]) or rest[0].decode(),
        (int(rest[11]) + int(rest[12])) / TICKS,
        int(rest[17]),
        int(rest[19]),
        int(rest[21]) * PAGE_SIZE,
    )
