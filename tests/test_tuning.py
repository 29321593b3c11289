"""exporter.tuning: the process-wide allocator and open-files settings `serve` applies.

The trimmer runs with an injected trim function and is stopped by each test, so no thread
outlives its test; the settings that change the whole interpreter are applied in a child."""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import threading
from typing import Any

import pytest

from exporter.tuning import HeapTrimmer, malloc_trim

GLIBC = platform.libc_ver()[0] == "glibc"


def test_the_trimmer_trims_periodically_and_stops() -> None:
    calls: list[int] = []
    twice = threading.Event()

    def trim() -> None:
        calls.append(1)
        if len(calls) >= 2:
            twice.set()

    trimmer = HeapTrimmer(0.001, trim=trim).start()
    try:
        assert trimmer.running
        assert twice.wait(10), "the trimmer did not trim twice"
    finally:
        trimmer.stop()
    assert not trimmer.running  # the thread has ended: it trims no more


def test_a_stopped_trimmer_does_not_wait_for_its_period() -> None:
    trimmer = HeapTrimmer(3600.0, trim=lambda: None).start()
    trimmer.stop(timeout=5.0)
    assert not trimmer.running
    HeapTrimmer(3600.0, trim=lambda: None).stop()  # one never started stops too


def test_glibc_trim_is_callable_where_there_is_glibc() -> None:
    trim = malloc_trim()
    assert (trim is not None) is GLIBC
    if trim is not None:
        assert trim() in (0, 1)  # 1: memory was released, 0: there was none to release


CHILD = """
import json, resource
from exporter import tuning
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 256), hard))  # a low start, as under many init systems
soft0 = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
print(json.dumps({"arenas": tuning.limit_malloc_arenas(), "soft0": soft0, "hard": hard,
                  "raised": tuning.raise_fd_limit(), "soft": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}))
"""


@pytest.mark.integration
def test_arenas_and_fd_limit_in_a_child() -> None:
    """In a child interpreter, so this test process keeps its allocator and limits."""
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=30, check=True)
    got = json.loads(out.stdout)
    assert got["arenas"] is GLIBC
    hard = got["hard"]
    assert got["soft0"] <= 256
    expected = 65536 if hard == resource.RLIM_INFINITY else min(65536, hard)
    assert got["raised"] == got["soft"] == expected



# The serve path in a fresh interpreter after leave_out_openssl: what the page and Prometheus fetch.
_WITHOUT_OPENSSL = """
import json, sys, tempfile
from exporter import tuning
left_out = tuning.leave_out_openssl(NEEDED)
import hashlib, hmac
from exporter.config import config_from_dict
from exporter.history import open_history
from exporter.runtime import build_runtime
from exporter.web.app import create_app
from exporter.web.server import make_server
tmp = tempfile.mkdtemp()
config = config_from_dict({"data_dir": tmp, "dirsize": {"enabled": False}})
runtime = build_runtime(config, history=open_history(config))
app = create_app(runtime)
make_server(app, config.web)
client = app.test_client()
paths = ["/metrics", "/data", "/", "/static/js/main.js", "/static/css/app.css"]
statuses = [client.get(p).status_code for p in paths]
etag = client.get("/static/css/app.css").headers.get("ETag")
runtime.stop()
maps = open("/proc/self/maps").read()
print(json.dumps({"left_out": left_out, "statuses": statuses, "etag": bool(etag),
                  "libcrypto": "libcrypto" in maps, "ssl": sys.modules.get("ssl") is not None,
                  "sha256": hashlib.sha256(b"x").hexdigest(),
                  "hmac": hmac.new(b"k", b"m", "sha256").hexdigest(), "same": hmac.compare_digest(b"a", b"a")}))
"""


def _openssl_run(needed: bool) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", _WITHOUT_OPENSSL.replace("NEEDED", str(needed))],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    result: dict[str, Any] = json.loads(out.stdout.splitlines()[-1])
    return result


@pytest.mark.integration  # a fresh interpreter: the test process has OpenSSL loaded long ago
def test_without_tls_openssl_stays_out_and_the_page_and_metrics_are_served() -> None:
    result = _openssl_run(False)
    assert result["left_out"] is True
    assert result["statuses"] == [200] * 5
    assert result["etag"]
    assert not result["libcrypto"] and not result["ssl"]
    assert result["sha256"] == "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    assert result["hmac"] == "b60090e3052297aeb5a080889ce2fc4bca957e756faeb4df7d31800ca1e771ec"  # CPython's own
    assert result["same"] is True


@pytest.mark.integration
def test_with_tls_openssl_is_loaded_as_usual() -> None:
    result = _openssl_run(True)
    assert result["left_out"] is False
    assert result["statuses"] == [200] * 5
    assert result["ssl"] is True


def test_once_ssl_is_imported_nothing_is_left_out() -> None:
    import ssl  # noqa: F401 - imported first, so this process cannot lose it

    from exporter.tuning import leave_out_openssl

    assert leave_out_openssl(False) is False
    assert sys.modules["_ssl"] is not None
