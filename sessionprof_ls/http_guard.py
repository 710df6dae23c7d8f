"""Who may talk to the loopback endpoint, and how much of it they may hold.

Loopback is not a trust boundary: every local process and every page in the
user's browser can reach 127.0.0.1. So, beside the token (http_api.py):
- the Host header must name our own address and port: a DNS-rebinding page
  (evil.example resolving to 127.0.0.1) sends `Host: evil.example`;
- a request carrying an Origin other than ours is refused: a page on another
  port is another origin, and a browser always says so on cross-origin requests;
- connections are capped below the descriptor limit and an idle one is shed
  when a new one would pass the cap, so silent sockets cannot starve real
  clients or the transcript follower of descriptors;
- what asyncio and aiohttp log about broken connections is rate-limited.
"""

from __future__ import annotations

import logging
import resource
import time
from typing import Any

MAX_CONNECTIONS_CAP = 512  # live HTTP connections; far above what agents and a browser need
SHED_GRACE = 0.5  # seconds a new connection has to send its request before it may be shed
HEADER_IDLE_TIMEOUT = 10.0  # aiohttp's keepalive_timeout: a connection that sends no full request is closed


def allowed_hosts(port: int) -> frozenset[str]:
    """Host header values naming us (the address we bind, and the name that only means loopback)."""
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})


def allowed_origins(port: int) -> frozenset[str]:
    return frozenset({f"http://127.0.0.1:{port}", f"http://localhost:{port}"})


def host_problem(host: str | None, port: int) -> str | None:
    """Why a Host header is refused (None: it names us)."""
    if host is None or host.lower() not in allowed_hosts(port):
        shown = (host or "")[:80]
        return f"Host {shown!r} refused: this server answers only to 127.0.0.1:{port}"
    return None


def origin_problem(origin: str | None, port: int) -> str | None:
    """Why an Origin header is refused (None: absent, as from agents and curl, or ours)."""
    if origin is None or origin.lower() in allowed_origins(port):
        return None
    return f"Origin {origin[:80]!r} refused: only pages served by this server may call it"


ACCEPT_BACKLOG = 128  # asyncio accepts up to this many sockets in one go, before any is looked at


def raise_descriptor_limit(want: int = 8192) -> int:
    """Lift the soft descriptor limit towards the hard one (1024 is a common soft default);
    returns the soft limit now in force."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = want if hard == resource.RLIM_INFINITY else min(want, hard)
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ValueError, OSError):
        return 1024


def max_connections() -> int:
    """Live connections allowed: half the descriptor limit minus one accept burst (the store,
    the follower and stdio need the rest), at most the cap."""
    soft = raise_descriptor_limit()
    if soft == resource.RLIM_INFINITY:
        soft = 1 << 20
    return max(16, min(MAX_CONNECTIONS_CAP, soft // 2 - ACCEPT_BACKLOG))


def _idle(handler: Any) -> bool:
    """An aiohttp connection waiting for (the rest of) a request's head: nothing to lose by closing it."""
    waiter = getattr(handler, "_waiter", None)
    return getattr(handler, "_current_request", None) is None and (waiter is None or not waiter.done())


def cap_connections(web_server: Any, limit: int) -> None:
    """Wrap aiohttp's Server.connection_made: past `limit` live connections, close the
    oldest idle ones (those still waiting for a request's head) to make room."""
    original = web_server.connection_made
    conns: dict[Any, Any] = web_server._connections  # aiohttp keeps handler -> transport, oldest first

    born: dict[Any, float] = {}  # handler -> when it connected

    def connection_made(handler: Any, transport: Any) -> None:
        original(handler, transport)
        now = time.monotonic()
        born[handler] = now
        excess = len(conns) - limit
        if excess <= 0:
            if len(born) > 2 * limit:  # forget handlers aiohttp has let go of
                for h in [h for h in born if h not in conns]:
                    del born[h]
            return
        # the oldest idle first: a client that just connected has not had time to send its request
        for grace in (SHED_GRACE, 0.0):
            for h in list(conns):
                if excess <= 0:
                    break
                if h is not handler and _idle(h) and now - born.get(h, 0.0) >= grace:
                    h.force_close()
                    t = conns.get(h)
                    if t is not None:
                        t.abort()  # release the descriptor now, not after a lingering close
                    born.pop(h, None)
                    excess -= 1
        if excess > 0:  # everything else is busy: the newcomer waits its turn elsewhere
            transport.abort()

    web_server.connection_made = connection_made


class RateLimit(logging.Filter):
    """At most `burst` records per `window` seconds from one logger, then one line saying
    how many were dropped: 25,000 tracebacks about dropped sockets help nobody."""

    def __init__(self, burst: int = 20, window: float = 60.0):
        super().__init__()
        self.burst, self.window = burst, window
        self.state: dict[str, list[float]] = {}  # logger name -> [window start, count, dropped]

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        st = self.state.setdefault(record.name, [now, 0, 0])
        if now - st[0] > self.window:
            if st[2]:
                record.msg = f"({st[2]:,} similar messages dropped) " + str(record.msg)
            st[:] = [now, 0, 0]
        st[1] += 1
        if st[1] > self.burst:
            st[2] += 1
            return False
        return True


_installed = False


def rate_limit_noisy_logs() -> None:
    """Install the rate limit on the loggers that report connection trouble (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    for name in ("asyncio", "aiohttp.server", "aiohttp.web", "aiohttp.access", "aiohttp.internal"):
        logging.getLogger(name).addFilter(RateLimit())


class ScrubToken(logging.Filter):
    """Replace the endpoint token in every log line (pygls logs whole messages at INFO,
    `sessionprof/ready` included)."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:
            return True
        if self.token in text:
            record.msg, record.args = text.replace(self.token, "[token]"), None
        return True


def scrub_token_from_logs(token: str) -> None:
    """On every handler of the root logger (where every logger's records end up)."""
    f = ScrubToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(f)
