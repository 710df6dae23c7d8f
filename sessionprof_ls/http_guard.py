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


def max_connections() -> int:
    """Half the descriptor limit (the store, the follower and stdio need the rest), at most the cap."""
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ValueError, OSError):
        soft = 1024
    if soft == resource.RLIM_INFINITY:
        soft = 1 << 20
    return max(16, min(MAX_CONNECTIONS_CAP, soft // 2))


def _idle(handler: Any) -> bool:
    """An aiohttp connection waiting for (the rest of) a request's head: nothing to lose by closing it."""
    waiter = getattr(handler, "_waiter", None)
    return getattr(handler, "_current_request", None) is None and (waiter is None or not waiter.done())


def cap_connections(web_server: Any, limit: int) -> None:
    """Wrap aiohttp's Server.connection_made: past `limit` live connections, close the
    oldest idle ones (those still waiting for a request's head) to make room."""
    original = web_server.connection_made
    conns: dict = web_server._connections  # aiohttp keeps handler -> transport, oldest first

    def connection_made(handler, transport) -> None:
        original(handler, transport)
        excess = len(conns) - limit
        if excess <= 0:
            return
        for h in list(conns):
            if excess <= 0:
                break
            if h is not handler and _idle(h):
                h.force_close()
                t = conns.get(h)
                if t is not None:
                    t.abort()  # release the descriptor now, not after a lingering close
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
        self.state: dict[str, list] = {}  # logger name -> [window start, count, dropped]

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
