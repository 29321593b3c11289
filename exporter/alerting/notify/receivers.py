"""A receiver as the notifier sees it: where to POST, what it has cost, whether it is failing, and (for
webhooks) when to try again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from exporter.alerting.notify.http import SendError, redact
from exporter.config import NotifyTarget

log = logging.getLogger("exporter.alerting.notify")

#: Webhook retries: the first after BACKOFF_INITIAL seconds, doubling up to BACKOFF_MAX.
BACKOFF_INITIAL = 1.0
BACKOFF_MAX = 300.0


class Receiver:
    """One Alertmanager or webhook. Counts POSTs that worked and that failed; logs an outage once."""

    def __init__(self, kind: str, target: NotifyTarget, post: Callable[[Any], None]) -> None:
        self.kind = kind  # "alertmanager" or "webhook"
        self.name = redact(target.url)  # the receiver label: bounded, from the configuration
        self.url = target.url
        self._post = post
        self.sent = 0
        self.failed = 0
        self.failing = False
        self.next_try = 0.0
        self._delay = 0.0

    def send(self, body: Any, now: float) -> SendError | None:
        """POST `body`; None when delivered, else the error (counted, logged once per outage, back-off set)."""
        try:
            self._post(body)
        except SendError as e:
            self.failed += 1
            self._delay = min(BACKOFF_MAX, self._delay * 2 if self._delay else BACKOFF_INITIAL)
            self.next_try = now + self._delay
            if not self.failing:
                self.failing = True
                log.error("notify: %s %s: %s; %s (sysmon_notifications_failed_total)", self.kind, self.name, e,
                          "retrying with back-off" if self.kind == "webhook" else "re-sent with the next alerts")
            else:
                log.debug("notify: %s %s: %s", self.kind, self.name, e)
            return e
        self.sent += 1
        self._delay = 0.0
        self.next_try = 0.0
        if self.failing:
            self.failing = False
            log.warning("notify: %s %s works again", self.kind, self.name)
        return None
