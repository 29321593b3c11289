"""Access control for the web app: HTTP basic auth with bcrypt hashes, and a request-body cap.

In the spirit of Prometheus' web configuration (``basic_auth_users: {user: bcrypt hash}``):

- With no users configured, nothing is asked: the exporter is meant to listen on loopback.
- With users, every route needs a login, except
  - ``/healthz``: open, but without credentials it answers only ``{"status": "ok"}``
    (liveness for a container or a load balancer, nothing about the host, not even the
    version); with credentials the full answer of the route.
  - ``/metrics`` when ``metrics_require_auth: false`` (a Prometheus on the same
    trusted network scrapes without a password while the page and JSON API need one).
- A missing or wrong login gets ``401 {"error": "authentication required"}`` with
  ``WWW-Authenticate: Basic realm="sysmon"``; the app's security headers are added to
  it like to every other response (exporter/web/dispatch.py adds them to all).

bcrypt is deliberately slow (~0.25-0.5 s at cost 12), so a successful check is
remembered in memory for CACHE_TTL seconds, keyed by sha256(user, password): a
Prometheus scraping every 15 s pays bcrypt once per CACHE_TTL, not on every scrape.
Only successes are cached, at most CACHE_MAX entries. An unknown user is checked
against a configured hash (never accepted) so that the answer takes as long as for a known user with a
wrong password (no user enumeration by timing). At most BCRYPT_CONCURRENCY checks
run at once, so a flood of wrong passwords cannot take every CPU.

Independently of auth, a request announcing a body larger than the app's
MAX_CONTENT_LENGTH is refused with ``413 {"error": ...}`` before any route runs
(no route reads a body, so a limit applied when reading one would never trigger).

Two more checks run before auth, for any configuration:

- **Host** (against DNS rebinding: a page on evil.example whose name is made to resolve to
  127.0.0.1 reaches a loopback-only exporter with ``Host: evil.example``): the host part
  must be one of ``web.allowed_hosts``; when that is empty and the exporter listens on
  loopback, only loopback names are accepted (localhost, 127.0.0.1, [::1]); on any other
  listen address with no list, every Host is accepted. Otherwise ``400 {"error": ...}``.
- **Same origin for unsafe methods** (against CSRF: a form on any web page the user visits
  can POST to a loopback exporter): a POST needs a custom header (``X-Requested-With``,
  which another origin cannot send without a CORS preflight that is never granted), or
  ``Sec-Fetch-Site: same-origin``, or an ``Origin`` equal to our own; else
  ``403 {"error": ...}``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import threading
import time
from collections.abc import Callable

from werkzeug.wrappers import Request, Response

from exporter.config import WebConfig, parse_listen
from exporter.web.dispatch import json_error, json_response

log = logging.getLogger(__name__)

REALM = "sysmon"
CACHE_TTL = 60.0
CACHE_MAX = 256
BCRYPT_CONCURRENCY = 2
OPEN_PATHS = frozenset({"/healthz"})
BCRYPT_MAX_PASSWORD = 72  # bcrypt>=5 refuses longer passwords; such a password can never match
FAILURE_LOG_INTERVAL = 10.0
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-Requested-With"


def allowed_hosts(web: WebConfig) -> frozenset[str] | None:
    """Host names (lower case, no port) a request may name; None when any is accepted."""
    if web.allowed_hosts:
        return frozenset(h.lower().strip("[]") for h in web.allowed_hosts)
    host, _port = parse_listen(web.listen)
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return frozenset(LOOPBACK_HOSTS) if loopback else None


def host_name(host_header: str) -> str:
    """"example.org" from "Example.org:9877", "::1" from "[::1]:9877"."""
    h = host_header.strip().lower()
    if h.startswith("["):
        return h[1:].partition("]")[0]
    return h.rpartition(":")[0] if h.count(":") == 1 else h


def same_origin(request: Request) -> bool:
    """True when the request cannot come from a page of another origin (see the module doc)."""
    if request.headers.get(CSRF_HEADER):
        return True
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin == f"{request.scheme}://{request.host}"
    return False


class BasicAuth:
    """Verifies basic-auth credentials against bcrypt hashes, with a short success cache."""

    def __init__(
        self,
        users: dict[str, str],
        *,
        ttl: float = CACHE_TTL,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = CACHE_MAX,
    ) -> None:
        self._users = {u: h.encode() for u, h in users.items()}
        # Checked when the user is unknown (never a match then), so that the answer costs
        # the same bcrypt work as a known user with a wrong password.
        self._dummy = next(iter(self._users.values()), b"")
        self._ttl = ttl
        self._clock = clock
        self._max = max_entries
        self._cache: dict[bytes, float] = {}
        self._lock = threading.Lock()
        self._bcrypt_slots = threading.BoundedSemaphore(BCRYPT_CONCURRENCY)
        self.bcrypt_checks = 0  # how many times bcrypt actually ran (tests, debugging)

    @staticmethod
    def _key(user: str, password: str) -> bytes:
        h = hashlib.sha256()
        for part in (user, password):
            b = part.encode("utf-8", "surrogatepass")
            h.update(len(b).to_bytes(8, "big"))
            h.update(b)
        return h.digest()

    def check(self, user: str, password: str) -> bool:
        key = self._key(user, password)
        now = self._clock()
        with self._lock:
            expires = self._cache.get(key)
        if expires is not None and now < expires:
            return True
        ok = self._bcrypt(user, password)
        if ok:
            with self._lock:
                if len(self._cache) >= self._max:
                    self._cache = {k: t for k, t in self._cache.items() if t > now}
                    if len(self._cache) >= self._max:
                        self._cache.clear()
                self._cache[key] = now + self._ttl
        return ok

    def _bcrypt(self, user: str, password: str) -> bool:
        # Look the user up without leaking, by timing, which names exist.
        stored = self._dummy
        known = False
        for name, h in self._users.items():
            if hmac.compare_digest(name.encode("utf-8", "surrogatepass"), user.encode("utf-8", "surrogatepass")):
                stored, known = h, True
        pw = password.encode("utf-8", "surrogatepass")
        if len(pw) > BCRYPT_MAX_PASSWORD:
            pw = pw[:BCRYPT_MAX_PASSWORD]
            known = False  # still pay the check, but a longer password never matches
        with self._bcrypt_slots:
            self.bcrypt_checks += 1
            try:
                import bcrypt  # loaded only when auth is on

                ok = bcrypt.checkpw(pw, stored)
            except ValueError:  # a malformed hash: the configuration check refuses them, so never here
                return False
        return ok and known


def _unauthorized() -> Response:
    return json_error(401, "authentication required",
                      {"WWW-Authenticate": f'Basic realm="{REALM}"', "Cache-Control": "no-store"})


class Access:
    """What the checks below read on every request; `Guard.update` swaps it whole (SIGHUP reload)."""

    def __init__(self, web: WebConfig) -> None:
        self.web = web
        self.hosts = allowed_hosts(web)
        self.checker: BasicAuth | None = BasicAuth(web.basic_auth_users) if web.basic_auth_users else None
        self.open_paths = frozenset(OPEN_PATHS | (set() if web.metrics_require_auth else {"/metrics"}))


class Guard:
    """The checks every request passes before its route, in this order: the body-size cap, the
    Host check, basic auth, the same-origin check (see the module doc). A `before` hook of
    exporter/web/dispatch.WebApp: it returns the refusal, or None to let the request through.

    The settings are one Access, replaced whole by `update` (exporter/reload.py on SIGHUP), so
    a request sees either the old settings or the new ones, never a mix."""

    def __init__(self, web: WebConfig, max_body: int) -> None:
        self.access = Access(web)
        self.max_body = max_body
        self._failures = 0
        self._failures_last_log = -FAILURE_LOG_INTERVAL
        self._failures_lock = threading.Lock()

    def update(self, web: WebConfig) -> None:
        """Apply new web settings (auth users, metrics_require_auth, allowed_hosts) at once."""
        self.access = Access(web)

    def __call__(self, request: Request) -> Response | None:
        policy = self.access
        length = request.content_length
        if length is not None and length > self.max_body:
            return json_error(413, f"request body too large (limit {self.max_body} bytes)", {"Connection": "close"})
        if policy.hosts is not None:
            name = host_name(request.host)
            if name not in policy.hosts:
                return json_error(400, f"Host {name[:64]!r} is not allowed here (web.allowed_hosts)",
                                  {"Connection": "close"})
        if policy.checker is not None:
            refused = self._require_auth(request, policy)
            if refused is not None:
                return refused
        # after auth: a stranger gets 401, not a hint; no route matched: the 404/405 follows
        if request.method in SAFE_METHODS or getattr(request, "rule", None) is None or same_origin(request):
            return None
        return json_error(403, f"{request.method} needs a same-origin request: send the header {CSRF_HEADER} "
                               "(any value), as the page does; cross-site requests are refused")

    def _require_auth(self, request: Request, policy: Access) -> Response | None:
        checker = policy.checker
        assert checker is not None
        path = request.path
        if path in policy.open_paths and path != "/healthz":
            return None
        auth = request.authorization
        ok = False
        if auth is not None and auth.type == "basic" and auth.username is not None:
            ok = checker.check(auth.username, auth.password or "")
            if not ok:
                self._log_failure(request, auth.username)
        if ok:
            return None
        if path == "/healthz":
            return json_response({"status": "ok"})
        return _unauthorized()

    def _log_failure(self, request: Request, user: str) -> None:
        now = time.monotonic()
        with self._failures_lock:
            self._failures += 1
            if now - self._failures_last_log < FAILURE_LOG_INTERVAL:
                return
            count, self._failures, self._failures_last_log = self._failures, 0, now
        # %r: a user name as sent, newlines and all, can never forge a log line
        log.warning("basic auth failed for user %r from %s (%d failure(s) since the last message)",
                    user[:64], request.remote_addr, count)
