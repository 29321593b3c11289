"""Notifier: sends the engine's alerts to Alertmanagers and webhooks, from its own thread.

A Sampler subscriber placed after the AlertEngine. `on_reading` only compares the engine's alerts with
what it tracks and queues what is due (bounded, drop-oldest, counted); a thread of its own does every
POST and every state write, so a slow receiver never holds up a scrape or the page.

Alertmanager, as Prometheus does it (rules/alerting.go, notifier/notifier.go): pending alerts are not
sent; firing ones are sent at once and re-sent every `resend_delay` with endsAt = now + 4 × max(
resend_delay, the ticker's period), so Alertmanager keeps them active exactly while we keep sending;
a resolved alert is sent at once with its resolve time as endsAt, and re-sent for RESOLVED_RETENTION
(15 min) in case one send was lost.
Grouping, inhibition, silences and repeat_interval are Alertmanager's.

Webhooks (no Alertmanager): told once when an alert fires, again every `repeat_interval` while it
fires, and once when it resolves, one message per (alertname, instance) like the bundled route; a
receiver that fails is retried with exponential back-off (1 s doubling to 5 min) until it answers, and
what it missed is sent then (an alert that fired and cleared meanwhile, as resolved). What each
webhook has been told is part of the kept state, so a restart neither repeats nor loses a message.
The state is written (by the thread) as soon as an alert fires, resolves or is delivered; a change
that concerns only pending alerts waits up to PENDING_SAVE_DELAY, and a Reading that changes
nothing wakes no thread at all.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from exporter.alerting.engine import Alert, AlertEngine
from exporter.alerting.notify.formats import api_alert, api_target, group_key, webhook_message
from exporter.alerting.notify.http import Poster
from exporter.alerting.notify.labels import Filesystem, Labeller
from exporter.alerting.notify.receivers import Receiver
from exporter.alerting.notify.state import StateStore, Tracked
from exporter.config import NotifyConfig, NotifyTarget
from exporter.sampling.reading import Reading

log = logging.getLogger("exporter.alerting.notify")

RESOLVED_RETENTION = 15 * 60.0  # Prometheus' resolvedRetention
#: A resolved alert that some webhook never heard about is kept this long at most.
UNDELIVERED_RETENTION = 86400.0
QUEUE_SIZE = 100  # Alertmanager batches waiting for the thread
#: A change that only concerns pending alerts (one turned pending, or cleared before firing) is
#: kept at most this late. It only matters for a pending alert's `for` clock across a restart,
#: and a pending alert that flaps (a CPU rate near its threshold, read at every scrape) wrote
#: the whole state at every other Reading: a third of a millisecond per scrape here.
PENDING_SAVE_DELAY = 30.0

Key = tuple[str, str, str]
#: How a receiver's POST is made: (target, timeout) → post(body), raising SendError (tests replace it).
Transport = Callable[[NotifyTarget, float], Callable[[Any], None]]


class Notifier:
    """Follows the engine's alerts and delivers them; see the module docstring for the rules."""

    def __init__(
        self,
        engine: AlertEngine,
        labeller: Labeller,
        config: NotifyConfig,
        state: StateStore,
        *,
        clock: Callable[[], float] = time.time,
        queue_size: int = QUEUE_SIZE,
        interval: float = 0.0,
        transport: Transport = lambda target, timeout: Poster(target, timeout).post,
    ) -> None:
        self._engine = engine
        self._labeller = labeller
        self._resend = float(config.resend_delay)
        # Prometheus: ValidUntil = now + 4 × max(resend delay, evaluation interval); ours is the ticker's.
        self._valid_for = 4 * max(self._resend, interval)
        self._repeat = float(config.repeat_interval)
        self._state = state
        self._clock = clock
        timeout = float(config.timeout)
        self.alertmanagers = [Receiver("alertmanager", t, transport(api_target(t), timeout))
                              for t in config.alertmanagers]
        self.webhooks = [Receiver("webhook", t, transport(t, timeout)) for t in config.webhooks]
        self._cond = threading.Condition()
        self._queue: collections.deque[list[dict[str, Any]]] = collections.deque()
        self._queue_size = queue_size
        self.dropped = 0
        self._tracked: dict[Key, Tracked] = {}
        self._dirty = False  # the kept state must be written at the next round
        self._pending_since: float | None = None  # when a pending-only change was first left unwritten
        self._save_failing = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        for t in state.load():
            self._tracked[t.alert.key] = t
        engine.restore([t.alert for t in self._tracked.values()])

    # --- the Sampler's side (never blocks on the network or the disk) ------------------

    def on_reading(self, reading: Reading) -> None:
        """Take up the engine's alerts after this Reading (subscribe after the engine)."""
        fs = {f.mountpoint: Filesystem(f.device, f.fstype) for f in reading.cur.filesystems or ()}
        self.update(self._engine.active(), reading.timestamp, fs)

    def update(self, active: Iterable[Alert], now: float, fs: Mapping[str, Filesystem] | None = None) -> None:
        """Track `active` (the engine's pending and firing alerts) at time `now`; queue what is due."""
        fs = fs or {}
        with self._cond:
            current = {a.key: a for a in active}
            hard = pending = False
            for key, alert in current.items():
                t = self._tracked.get(key)
                if t is None or t.alert.state == "resolved" or t.alert.since != alert.since:
                    labels = self._labeller.labels(alert, fs.get(alert.instance))
                    was = t.alert.state if t is not None else "pending"
                    t = Tracked(alert, labels, {}, hooks=dict(t.hooks) if t else {})
                    self._tracked[key] = t
                    if alert.state == "pending" and was == "pending":
                        pending = True
                    else:
                        hard = True
                elif t.alert.state != alert.state:
                    hard = True
                t.alert = alert  # annotations are rendered when sent (_render): most Readings send nothing
            for key, t in list(self._tracked.items()):
                if key in current:
                    continue
                if t.alert.state == "firing":
                    t.alert = replace(t.alert, state="resolved", ended_at=now)
                    hard = True
                elif t.alert.state == "pending":
                    del self._tracked[key]
                    pending = True
                elif self._expired(t, now):
                    del self._tracked[key]
                    hard = True
            wake = hard and not self._dirty
            self._dirty = self._dirty or hard
            if pending and self._pending_since is None:
                self._pending_since, wake = now, True  # the thread has a deadline to keep now
            batch = self._due_for_alertmanager(now)
            if batch:
                if len(self._queue) >= self._queue_size:
                    self._queue.popleft()
                    self.dropped += 1
                self._queue.append(batch)
            if wake or batch or self.webhooks:  # else the thread has nothing new to do: let it sleep
                self._cond.notify_all()

    def _expired(self, t: Tracked, now: float) -> bool:
        """A resolved alert is forgotten once Prometheus would, and every webhook has heard the resolve."""
        ended = t.alert.ended_at or 0.0
        if now - ended >= UNDELIVERED_RETENTION:
            return True
        owed = any(t.hooks.get(r.url, ("", 0.0))[0] != "resolved" for r in self.webhooks)
        return now - ended >= RESOLVED_RETENTION and not owed

    def _due_for_alertmanager(self, now: float) -> list[dict[str, Any]]:
        if not self.alertmanagers:
            return []
        url = self._labeller.generator_url()
        batch = []
        for t in self._tracked.values():
            a, sent = t.alert, t.am_sent_at
            if a.state == "firing":
                due = sent is None or now - sent >= self._resend
                ends = now + self._valid_for
            elif a.state == "resolved" and a.ended_at is not None:
                due = sent is None or sent < a.ended_at or (
                    now - sent >= self._resend and now - a.ended_at < RESOLVED_RETENTION)
                ends = a.ended_at
            else:
                continue
            if due:
                t.am_sent_at = now
                self._render(t)
                batch.append(api_alert(t, ends, url))
        return batch

    def _render(self, t: Tracked) -> None:
        """The rule's annotations with the alert's latest value (under the lock)."""
        t.annotations = self._labeller.annotations(t.labels, t.alert.value)

    def receivers(self) -> list[Receiver]:
        return [*self.alertmanagers, *self.webhooks]

    def tracked(self) -> list[Tracked]:
        with self._cond:
            return list(self._tracked.values())

    def queue_length(self) -> int:
        with self._cond:
            return len(self._queue)

    # --- the thread's side ----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="alert-notifier", daemon=True)
            self._thread.start()

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (one attempt each), save the state, stop the thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        else:
            self.run_once()

    def _run(self) -> None:
        while True:
            self.run_once()
            with self._cond:
                if self._stopping:
                    return
                self._cond.wait(self._wait_time())

    def _wait_time(self) -> float | None:
        """How long the thread sleeps: not at all with work queued; until woken (None) when only
        `update` (every Reading) and `close` can bring work, i.e. without webhooks, whose
        retries and repeats are the one timed work here; else at most a second."""
        if self._queue or self._stopping:
            return 0.0
        now = self._clock()
        pending = [] if self._pending_since is None else [self._pending_since + PENDING_SAVE_DELAY - now]
        if not self.webhooks and not self._dirty:
            # An idle exporter's notifier woke every second for nothing (0.08 ms/s): with no
            # webhooks only `update` and `close` bring work, or a pending-only change falling due.
            return max(0.0, pending[0]) if pending else None
        retry = [r.next_try - now for r in self.webhooks if r.next_try > now]  # and a failed save's retry
        return max(0.05, min([1.0, *retry, *pending]))

    def run_once(self, now: float | None = None) -> None:
        """One round: every queued Alertmanager batch, every due webhook message, then the state.
        The thread's loop body; tests without the thread call it with an injected `now`."""
        with self._cond:
            batches = list(self._queue)
            self._queue.clear()
        now = self._clock() if now is None else now
        for batch in batches:
            for am in self.alertmanagers:
                am.send(batch, now)
        for hook in self.webhooks:
            if now >= hook.next_try:
                self._deliver(hook, now)
        self._save(now)

    def _deliver(self, hook: Receiver, now: float) -> None:
        with self._cond:
            groups: dict[tuple[str, str], list[Tracked]] = {}
            for t in self._tracked.values():
                told = t.hooks.get(hook.url)
                if t.alert.state == "firing":
                    due = told is None or told[0] != "firing" or now - told[1] >= self._repeat
                else:  # resolved: also when it was never heard firing (it fired and cleared while the hook was down)
                    due = t.alert.state == "resolved" and (told is None or told[0] != "resolved")
                if due:
                    self._render(t)
                    groups.setdefault(group_key(t), []).append(t)
            base, url = self._labeller.external_url, self._labeller.generator_url()
            messages = [([(t, t.alert.state) for t in alerts], webhook_message(hook.name, alerts, base, url))
                        for _, alerts in sorted(groups.items())]
        for sent, message in messages:
            error = hook.send(message, now)
            if error is not None and error.retry:
                return  # back-off: the rest waits for the next try
            with self._cond:
                for t, state in sent:  # the state this message told, even if the alert moved on meanwhile
                    if self._tracked.get(t.alert.key) is t:  # not replaced meanwhile
                        t.hooks[hook.url] = (state, now)
                        self._dirty = True

    def _save(self, now: float) -> None:
        """Write the state if a change is due: at once for firing, resolved and delivered alerts;
        within PENDING_SAVE_DELAY for pending-only changes; everything when stopping."""
        with self._cond:
            since = self._pending_since
            late = since is not None and (now >= since + PENDING_SAVE_DELAY or self._stopping)
            if not self._dirty and not late:
                return
            self._dirty, self._pending_since = False, None
            snapshot = [Tracked.from_json(t.to_json()) for t in self._tracked.values()]
        try:
            self._state.save(snapshot)
        except Exception as e:  # noqa: BLE001 - sqlite3 or file errors: kept in memory, retried
            with self._cond:
                self._dirty = True
            if not self._save_failing:
                self._save_failing = True
                log.error("notify: cannot keep the alert state (%s); retried, alerts are still sent", e)
            return
        if self._save_failing:
            self._save_failing = False
            log.warning("notify: alert state is kept again")
