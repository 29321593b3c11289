"""The scan worker's priority (exporter/dirsize/priority.py): its own thread only, read back with psutil."""

from __future__ import annotations

import os
import threading

import psutil
import pytest

from exporter.dirsize import priority


def test_a_thread_lowers_its_own_cpu_and_io_priority_and_only_its_own() -> None:
    seen: list[tuple[int, int]] = []

    def worker() -> None:
        priority.lower_priority()
        tid = threading.get_native_id()
        seen.append((os.getpriority(os.PRIO_PROCESS, tid), psutil.Process(tid).ionice().ioclass))

    before = psutil.Process().ionice().ioclass, os.getpriority(os.PRIO_PROCESS, 0)
    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen == [(19, psutil.IOPRIO_CLASS_IDLE)]
    assert (psutil.Process().ionice().ioclass, os.getpriority(os.PRIO_PROCESS, 0)) == before


def test_on_a_machine_without_a_known_syscall_number_the_io_class_is_left_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(priority, "_IOPRIO_SET", {})
    assert priority.set_idle_io_priority(threading.get_native_id()) is False
