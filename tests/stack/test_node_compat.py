"""Oracle 3 of the drop-in: dashboard 1860 and the node-mixin, run for node_exporter and for us
against one real Prometheus scraping both on this host (issue 13). A panel target, an alert's
inputs or a recording rule that has data with node_exporter must have data with ours.
`bench/compat_coverage.py` prints the same report in full."""

from __future__ import annotations

import pytest

from tests.support.compat import COMPAT, Coverage, side_by_side

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Coverage:
    if not COMPAT.is_dir():
        pytest.skip(f"{COMPAT} not found: the shared compat data lies beside the checkout")
    cov = side_by_side(tmp_path_factory.mktemp("compat"))
    print(cov.summary())
    return cov


def test_every_dashboard_target_with_node_exporter_data_has_ours(both: Coverage) -> None:
    assert both.panels_node and both.panels_missing == []


def test_every_mixin_alert_has_its_inputs(both: Coverage) -> None:
    assert both.alerts_node and both.alerts_missing == []


def test_every_recording_rule_has_series(both: Coverage) -> None:
    assert both.rules_node and both.rules_missing == []
