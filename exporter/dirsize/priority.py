"""The scan worker's priority: lowest CPU (nice 19) and I/O (idle class), for its own thread only.

A directory scan is the one expensive job of the exporter (README "Largest directories"): it must
yield to everything else on the host, the exporter's own web threads included.
"""

from __future__ import annotations

import os
import threading

# ioprio_set(2) has no wrapper in Python's os module nor in glibc: its syscall number per machine
# (os.uname().machine), from the kernel's syscall tables. Elsewhere the I/O class stays as it is.
_IOPRIO_SET = {"x86_64": 251, "i386": 289, "i686": 289, "aarch64": 30, "riscv64": 30, "loongarch64": 30,
               "armv7l": 314, "armv6l": 314, "ppc64le": 273, "ppc64": 273, "s390x": 282}
IOPRIO_CLASS_IDLE = 3
_IOPRIO_WHO_PROCESS = 1  # with a thread id: that thread only
_IOPRIO_CLASS_SHIFT = 13


def set_idle_io_priority(tid: int) -> bool:
    """ioprio_set(IOPRIO_WHO_PROCESS, tid, IDLE class): what `ionice -c3` does; False where it cannot.

    Called directly (ctypes is loaded anyway, see exporter.tuning) rather than through psutil, which
    this one call was the only use of: importing psutil cost 0.5 MiB of RSS for the life of the process."""
    number = _IOPRIO_SET.get(os.uname().machine)
    if number is None:
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.syscall(number, _IOPRIO_WHO_PROCESS, tid, IOPRIO_CLASS_IDLE << _IOPRIO_CLASS_SHIFT)) == 0
    except (OSError, AttributeError):
        return False


def lower_priority() -> None:
    """Lowest CPU (nice 19) and I/O (idle class) priority for the calling thread only.

    On Linux both setpriority and ioprio_set accept a thread id, so the web server's
    threads keep their priority. Failures are ignored (e.g. a seccomp filter).
    """
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, 19)
    except (OSError, AttributeError):
        pass
    set_idle_io_priority(tid)
