"""GET /history and /history/series on a minimal app (web/app.py serves the same rules)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from exporter.history import HistoryStore
from exporter.web import history_routes
from exporter.web.dispatch import WebApp
from tests.support.history import HOUR0, FakeClock, make_store, simulate


def make_app(store: HistoryStore | None) -> WebApp:
    return WebApp(history_routes.rules(), SimpleNamespace(history=store))


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock(HOUR0 + 3 * 86400)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, clock: FakeClock) -> Iterator[HistoryStore]:
    store = make_store(tmp_path_factory.mktemp("history"), clock)
    clock.now -= 2 * 86400
    simulate(store, clock, 2 * 86400, values=lambda now: {"cpu.percent": 50.0, "net.eth0.rx_bytes_per_second": 1e6})
    yield store
    store.close()


@pytest.fixture
def client(store: HistoryStore) -> Any:
    return make_app(store).test_client()


def test_default_is_the_last_hour_at_raw_resolution(client: Any, clock: FakeClock) -> None:
    r = client.get("/history?series=cpu.percent")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.get_json()
    assert body["resolution"] == "raw" and body["from"] == clock.now - 3600 and body["to"] == clock.now
    s = body["series"]["cpu.percent"]
    assert s["unit"] == "percent" and 0 < len(s["t"]) <= 300
    assert set(s["avg"]) == set(s["min"]) == set(s["max"]) == {50.0}
    assert len(s["t"]) == len(s["avg"]) == len(s["min"]) == len(s["max"])


@pytest.mark.parametrize(("rel", "resolution"), [("-24h", "1m"), ("-7d", "1m"), ("-30d", "1h")])
def test_long_ranges_pick_coarser_resolutions(client: Any, rel: str, resolution: str) -> None:
    body = client.get(f"/history?series=cpu.percent,net.eth0.rx_bytes_per_second&from={rel}&to=now").get_json()
    assert body["resolution"] == resolution
    assert set(body["series"]) == {"cpu.percent", "net.eth0.rx_bytes_per_second"}
    net = body["series"]["net.eth0.rx_bytes_per_second"]
    assert net["unit"] == "bytes_per_second" and 0 < len(net["t"]) <= 300 and set(net["avg"]) == {1e6}


def test_series_may_be_repeated_and_points_limits_the_answer(client: Any, clock: FakeClock) -> None:
    start = int(clock.now - 86400)
    r = client.get(f"/history?series=cpu.percent&series=swap.percent&from={start}&to={int(clock.now)}&points=50")
    body = r.get_json()
    assert r.status_code == 200 and body["from"] == start
    assert len(body["series"]["cpu.percent"]["t"]) <= 50
    assert body["series"]["swap.percent"]["t"] == []  # a fixed series with no data yet is not an error


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("series=nope", "unknown series 'nope'"),
        ("", "series: at least one"),
        ("series=cpu.percent&from=-1h&to=-2h", "is after to"),
        ("series=cpu.percent&points=0", "points: must be between 1 and 2000"),
        ("series=cpu.percent&points=2001", "points: must be between 1 and 2000"),
        ("series=cpu.percent&points=ten", "points: expected a whole number"),
        ("series=cpu.percent&from=yesterday", "from: expected Unix seconds"),
        ("series=cpu.percent&to=nan", "to: expected Unix seconds"),
        ("series=cpu.percent&from=-3600", "cannot be negative"),
        ("series=cpu.percent&to=1e300", "to: 1e300 is out of range"),
        ("series=cpu.percent&to=inf", "to: expected Unix seconds"),
        ("series=cpu.percent&from=-1h&from=-2h", "query parameter from is given more than once"),
        ("series=cpu.percent&step=60", "unknown query parameter: step"),
        ("series=" + ",".join(f"s{i}" for i in range(21)), "at most 20 series"),
    ],
)
def test_bad_parameters_are_400_json_naming_the_problem(client: Any, query: str, message: str) -> None:
    r = client.get(f"/history?{query}")
    assert r.status_code == 400
    assert message in r.get_json()["error"]


def test_a_huge_relative_range_is_clamped_to_the_epoch(client: Any) -> None:
    body = client.get("/history?series=cpu.percent&from=-999999999999y&points=2000").get_json()
    assert body["from"] == 0 and body["resolution"] == "1h" and len(body["series"]["cpu.percent"]["t"]) > 0


def test_series_list(client: Any) -> None:
    r = client.get("/history/series")
    assert r.status_code == 200
    listed = {s["name"]: s for s in r.get_json()["series"]}
    cpu = listed["cpu.percent"]
    assert cpu["unit"] == "percent" and cpu["description"] and cpu["first"] < cpu["last"]
    assert listed["net.eth0.rx_bytes_per_second"]["unit"] == "bytes_per_second"
    assert client.get("/history/series?x=1").status_code == 400


def test_disabled_history_is_404_json() -> None:
    client = make_app(None).test_client()
    for url in ("/history?series=cpu.percent", "/history/series"):
        r = client.get(url)
        assert r.status_code == 404 and r.get_json() == {"error": "history is disabled (history.enabled: false or"
                                                                 " --no-history)"}


def test_unreadable_history_is_503_json(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = HistoryStore(blocker / "history.sqlite3")
    store.open()  # degraded: the data directory cannot be created
    client = make_app(store).test_client()
    r = client.get("/history?series=cpu.percent")
    assert r.status_code == 503 and "history is unavailable" in r.get_json()["error"]
    assert client.get("/history/series").status_code == 503
    store.close()
