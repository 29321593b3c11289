"""/disk-usage-details through a minimal app (the real dispatch, these routes only, no access checks)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporter.config import DirSizeConfig, Duration
from exporter.dirsize.scanner import ScanResult, scan
from exporter.dirsize.service import DirSizeService
from exporter.web import dirsize_routes
from exporter.web.dispatch import WebApp


def make_app(svc: DirSizeService | None) -> WebApp:
    return WebApp(dirsize_routes.rules(), SimpleNamespace(dirsize=svc))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "big").write_bytes(b"x" * 100_000)
    (root / "a" / "b" / "small").write_bytes(b"x" * 1000)
    (root / "file").write_bytes(b"x")
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "data").write_bytes(b"x" * 5000)
    (root / "escape").symlink_to(tmp_path / "secret")
    return root


@pytest.fixture
def svc(tree: Path) -> Iterator[DirSizeService]:
    # no minimum interval between rescans: these tests rescan at once (the limits are tested in tests/security)
    s = DirSizeService(DirSizeConfig(roots=(str(tree),), top_n=20, rescan_min_interval=Duration(0)))
    yield s
    s.stop()


@pytest.fixture
def client(svc: DirSizeService) -> Any:
    return make_app(svc).test_client()


def poll(client: Any, url: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get(url)
        if r.status_code != 202:
            return r
        time.sleep(0.01)
    raise AssertionError(f"{url} still 202 at the deadline")


def test_roots_listing(client: Any, tree: Path) -> None:
    r = client.get("/disk-usage-details")
    assert r.status_code == 200
    body = r.get_json()
    assert [x["path"] for x in body["roots"]] == [str(tree)]
    assert body["roots"][0]["state"] == "never"
    assert r.headers["Cache-Control"] == "no-store"


def test_get_queues_then_returns_cached_result(client: Any, tree: Path) -> None:
    first = client.get("/disk-usage-details", query_string={"path": str(tree)})
    assert first.status_code == 202
    assert first.get_json()["state"] in ("queued", "scanning", "ok")
    r = poll(client, f"/disk-usage-details?path={tree}&limit=1")
    assert r.status_code == 200
    body = r.get_json()
    res = body["result"]
    assert res["status"] == "ok" and res["complete"] is True
    assert res["directories"] == [{"path": str(tree / "a"), "bytes": res["directories"][0]["bytes"]}]
    assert res["files"][0]["path"] == str(tree / "a" / "big")
    assert isinstance(res["total_bytes"], int) and res["total_bytes"] >= 100_000
    assert res["finished"] >= res["started"] and res["duration_seconds"] >= 0
    assert res["errors"] == {"count": 0, "examples": []}
    assert body["limit"] == 1 and body["state"] == "ok" and body["progress"] is None


def test_subdirectory_is_scanned_separately(client: Any, tree: Path) -> None:
    r = poll(client, f"/disk-usage-details?path={tree}/a/../a/b")
    assert r.status_code == 200
    assert r.get_json()["path"] == str(tree / "a" / "b")
    assert r.get_json()["root"] == str(tree)


def test_post_starts_a_rescan(client: Any, svc: DirSizeService, tree: Path) -> None:
    poll(client, f"/disk-usage-details?path={tree}")
    r = client.post("/disk-usage-details", query_string={"path": str(tree)})
    assert r.status_code == 202
    deadline = time.monotonic() + 10
    while svc.view(tree).scans < 2:  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert client.post("/disk-usage-details").status_code == 400


def test_concurrent_posts_start_one_scan(tree: Path) -> None:
    calls = []
    release = threading.Event()

    def slow(path: str, **kw: Any) -> ScanResult:
        calls.append(path)
        release.wait(10)
        return scan(path, **kw)

    svc = DirSizeService(DirSizeConfig(roots=(str(tree),)), scan_fn=slow)
    app = make_app(svc)
    statuses = []

    def hit() -> None:
        c = app.test_client()
        statuses.append(c.post("/disk-usage-details", query_string={"path": str(tree)}).status_code)

    try:
        threads = [threading.Thread(target=hit) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        release.set()
        assert statuses == [202] * 12
        deadline = time.monotonic() + 10
        while svc.view(tree).scans < 1:  # type: ignore[union-attr]
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert calls == [str(tree)]
    finally:
        svc.stop()


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", "", "１", "10 "])
def test_bad_limit(client: Any, tree: Path, limit: str) -> None:
    r = client.get("/disk-usage-details", query_string={"path": str(tree), "limit": limit})
    assert r.status_code == 400
    assert "limit" in r.get_json()["error"]


def test_unknown_and_repeated_params(client: Any, tree: Path) -> None:
    assert client.get("/disk-usage-details?foo=1").status_code == 400
    assert client.get(f"/disk-usage-details?path={tree}&path={tree}").status_code == 400


@pytest.mark.parametrize(
    ("suffix", "status"),
    [
        ("/..", 403),
        ("/%2e%2e", 403),
        ("/a/%2E%2E/%2e%2e", 403),
        ("/escape", 403),
        ("/escape/data", 403),
        ("%00", 400),
        ("/a%00/b", 400),
        ("/missing", 404),
        ("/file", 400),
        ("/" + "x" * 5000, 400),
        ("/" + "x/" * 2100, 400),
        ("/%ff%fe", 404),
    ],
)
def test_traversal_never_escapes(client: Any, tree: Path, suffix: str, status: int) -> None:
    r = client.get(f"/disk-usage-details?path={tree}{suffix}")
    assert r.status_code == status, r.get_json()
    assert "error" in r.get_json()
    assert client.post(f"/disk-usage-details?path={tree}{suffix}").status_code == status


@pytest.mark.parametrize("path", ["/", "/etc", "/tmp/../etc", "%2Fetc", "relative", "~"])
def test_paths_outside_roots(client: Any, path: str) -> None:
    assert client.get(f"/disk-usage-details?path={path}").status_code in (400, 403)


_PATH_CHARS = st.sampled_from(list("./ab%2e\x00\n\\~")) | st.characters(exclude_categories=["Cs"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tail=st.text(alphabet=_PATH_CHARS, max_size=40))
def test_fuzzed_paths_never_500_nor_escape(client: Any, svc: DirSizeService, tree: Path, tail: str) -> None:
    r = client.get("/disk-usage-details", query_string={"path": f"{tree}/{tail}"})
    assert r.status_code in (200, 202, 400, 403, 404)
    if r.status_code in (200, 202):
        assert Path(r.get_json()["path"]).is_relative_to(tree)


def test_disabled_service_lists_no_roots_and_refuses_paths() -> None:
    client = make_app(None).test_client()
    r = client.get("/disk-usage-details")
    assert r.status_code == 200 and r.get_json()["enabled"] is False and r.get_json()["roots"] == []
    r = client.get("/disk-usage-details", query_string={"path": "/tmp"})
    assert r.status_code == 404 and "disabled" in r.get_json()["error"]
    assert client.post("/disk-usage-details", query_string={"path": "/tmp"}).status_code == 404
