"""Fixtures of the stack tests (tests/stack/): promtool, amtool, a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import Webhook, require_binary


@pytest.fixture
def promtool() -> str:
    return require_binary("promtool", "prometheus")


@pytest.fixture
def amtool() -> str:
    return require_binary("amtool", "prometheus-alertmanager")


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook().start()
    yield hook
    hook.stop()
