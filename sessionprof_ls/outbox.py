"""What the OTLP collector has not acknowledged yet, kept in the store, sent in the background.

One row per (endpoint, session): `sent_seq`, the store row up to which every event of
the session has been acknowledged, and `pending` when more arrived since. Each stored
batch has a larger seq than the last, so "what is new" is the events whose seq is
above the watermark: nothing is lost across a crash or a collector that is down for
an hour (the row stays pending, retried with backoff up to a minute apart), and a
re-send repeats at most one request (span ids are derived, so it is the same span).
Headers are not stored (they may hold tokens): they come from the settings each run.

The editor never waits: `Forwarder` runs the sends in its own thread; the ingest path
only marks the session pending (one small SQLite upsert).
"""

from __future__ import annotations

import bisect
import logging
import random
import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

from . import otlp_export as ox

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

    from .config import Config
    from .engine import Engine

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS otlp_outbox (
  endpoint TEXT NOT NULL,
  session_id TEXT NOT NULL,
  sent_seq INTEGER NOT NULL DEFAULT 0,   -- every event stored at or below this seq is acknowledged
  root_seq INTEGER NOT NULL DEFAULT 0,   -- the session span was last sent when the session reached this seq
  pending INTEGER NOT NULL DEFAULT 1,
  gen INTEGER NOT NULL DEFAULT 0,        -- bumped by each mark, so a send never clears a newer one
  attempts INTEGER NOT NULL DEFAULT 0,
  next_try REAL NOT NULL DEFAULT 0,
  last_error TEXT,
  PRIMARY KEY (endpoint, session_id)
);
"""
BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0

# (endpoint, session, sent_seq, attempts, next_try, last_error) of a row not yet sent
PendingRow = tuple[str, str, int, int, float, "str | None"]


class FlushStats(TypedDict):
    spans: int  # spans the collector acknowledged
    sessions: int  # sessions sent whole
    failed: list[str]  # the sessions left pending by the first refusal


class ExportStats(FlushStats):
    pending: int  # rows of the endpoint still in the outbox


class OtlpHost(Protocol):
    """What live forwarding needs of the language server."""

    config: Config
    engine: Engine | None
    otlp_forwarder: Forwarder | None
    otlp_problem: str | None

    def show_warning(self, message: str) -> None: ...


class Outbox:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.store = engine.store
        with self.store.lock:
            self.store.db.executescript(SCHEMA)
            cols = {r[1] for r in self.store.db.execute("PRAGMA table_info(otlp_outbox)")}
            if "root_seq" not in cols:  # a table from before the session span waited for a quiet session
                self.store.db.execute("ALTER TABLE otlp_outbox ADD COLUMN root_seq INTEGER NOT NULL DEFAULT 0")

    def _db(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        with self.store.lock:
            return self.store.db.execute(sql, params).fetchall()

    def mark(self, endpoint: str, session_ids: Iterable[str], resend: bool = False) -> None:
        """These sessions have events the endpoint has not seen (resend: send them all again)."""
        for sid in session_ids:
            self._db(
                "INSERT INTO otlp_outbox (endpoint, session_id) VALUES (?, ?) ON CONFLICT DO UPDATE SET "
                "pending = 1, gen = gen + 1"
                + (", sent_seq = 0, root_seq = 0, attempts = 0, next_try = 0" if resend else ""),
                (endpoint, sid),
            )

    def pending(self, endpoint: str | None = None) -> list[PendingRow]:
        """The rows not yet sent (of one endpoint, or all)."""
        sql = "SELECT endpoint, session_id, sent_seq, attempts, next_try, last_error FROM otlp_outbox WHERE pending = 1"
        rows: list[PendingRow] = self._db(
            sql + (" AND endpoint = ?" if endpoint else "") + " ORDER BY next_try", (endpoint,) if endpoint else ()
        )
        return rows

    def next_due(self, endpoint: str) -> float | None:
        rows = self._db("SELECT MIN(next_try) FROM otlp_outbox WHERE pending = 1 AND endpoint = ?", (endpoint,))
        due: float | None = rows[0][0] if rows else None
        return due

    def flush(
        self,
        target: ox.Target,
        content: bool = False,
        exporter: SpanExporter | None = None,
        force: bool = False,
        duty: float = 1.0,
        quiet: float | None = None,
        activity: dict[str, float] | None = None,
    ) -> FlushStats:
        """Send what is due for the target's endpoint. Stops at the first refusal (the
        collector is down: the rest waits with it). {"spans", "sessions", "failed"}.
        `duty` < 1 rests between requests so this thread takes at most that share of
        the time (the server's event loop shares the GIL with it).
        `quiet`: the session span (whose end grows with the session) waits until the
        session has had no event for that long (`activity`: session -> last event, time.time()),
        so a backend that keeps the first copy of a span id keeps the whole session's;
        None: it goes with the events."""
        endpoint = target.url
        exp = exporter or ox.exporter(target)
        now = time.time()
        rows = self._db(
            "SELECT session_id, sent_seq, root_seq, gen, attempts FROM otlp_outbox "
            "WHERE pending = 1 AND endpoint = ?"
            + ("" if force else " AND next_try <= ?")
            + " ORDER BY next_try, session_id",
            (endpoint,) if force else (endpoint, now),
        )
        stats: FlushStats = {"spans": 0, "sessions": 0, "failed": []}
        for sid, sent_seq, root_seq, gen, attempts in rows:
            wait_until = None
            if quiet is not None:
                last = (activity or {}).get(sid)
                if last is not None and now - last < quiet:
                    wait_until = last + quiet
            ok, sent, error = self._send_session(exp, endpoint, sid, sent_seq, root_seq, gen, content, duty, wait_until)
            stats["spans"] += sent
            if ok:
                stats["sessions"] += 1
                continue
            delay = min(BACKOFF_BASE * 2**attempts, BACKOFF_CAP) * (1 + random.random() / 4)
            self._db(
                "UPDATE otlp_outbox SET attempts = attempts + 1, next_try = ?, last_error = ? "
                "WHERE endpoint = ? AND pending = 1",
                (time.time() + delay, error, endpoint),
            )
            stats["failed"] = [r[0] for r in rows]
            break
        return stats

    def _send_session(
        self,
        exp: SpanExporter,
        endpoint: str,
        sid: str,
        sent_seq: int,
        root_seq: int,
        gen: int,
        content: bool,
        duty: float = 1.0,
        wait_until: float | None = None,
    ) -> tuple[bool, int, str | None]:
        """Send a session's events stored above sent_seq, oldest batch first, moving the
        watermark after each acknowledged request; the session span too unless it has
        to wait until `wait_until` (the row then stays pending until then). (ok, spans sent, error)."""
        engine = self.engine
        with engine.lock:  # only the snapshot: spans are built a request at a time, outside it
            if engine.tree(sid) is None:
                self._db("DELETE FROM otlp_outbox WHERE endpoint = ? AND session_id = ?", (endpoint, sid))
                return True, 0, None
            a = engine.analysis(sid)
            n = a.n
            seqs = a.t.seq[:n].tolist()
        order = sorted(range(n), key=seqs.__getitem__)
        order = order[bisect.bisect_right([seqs[i] for i in order], sent_seq) :]
        top = max(seqs) if n else 0
        with_root = wait_until is None and root_seq < top
        sent = 0
        step = ox.BATCH - 1  # the first request carries the session span too
        for k in range(0, max(len(order), 1), step):
            began = time.perf_counter()
            part = order[k : k + step]
            spans = ox.session_spans(a, content=content, engine=engine, only=part, root=with_root and k == 0)
            try:
                ok = ox.send(exp, spans) if spans else True
            except Exception as exc:  # the SDK raises on some transport errors
                log.warning("OTLP export to %s failed: %s", endpoint, exc)
                ok = False
            if not ok:
                return False, sent, f"the collector at {endpoint} did not accept the spans"
            sent += len(spans)
            if k + step < len(order):  # everything stored below the next request's first seq is acknowledged
                self._db(
                    "UPDATE otlp_outbox SET sent_seq = MAX(sent_seq, ?) WHERE endpoint = ? AND session_id = ?",
                    (seqs[order[k + step]] - 1, endpoint, sid),
                )
            if duty < 1.0:
                time.sleep((time.perf_counter() - began) * (1 - duty) / duty)
        if with_root:
            root_seq = top
        done = root_seq >= top  # else the session span is still to go, once the session is quiet
        self._db(
            "UPDATE otlp_outbox SET sent_seq = MAX(sent_seq, ?), root_seq = ?, attempts = 0, next_try = ?, "
            "last_error = NULL, pending = CASE WHEN gen = ? AND ? THEN 0 ELSE 1 END "
            "WHERE endpoint = ? AND session_id = ?",
            (top, root_seq, 0 if done else wait_until, gen, done, endpoint, sid),
        )
        return True, sent, None


class Forwarder:
    """Live forwarding from the server: `notify(sessions)` on each ingest; a daemon
    thread sends what is pending, waking on notify or when a backoff ends. Event
    spans go as they arrive; a session's own span once it has been quiet for `quiet` s."""

    def __init__(
        self,
        engine: Engine,
        target: ox.Target,
        content: bool = False,
        debounce: float = 0.5,
        duty: float = 0.25,
        quiet: float = 30.0,
    ):
        self.outbox = Outbox(engine)
        self.target = target
        self.endpoint = target.url
        self.content = content
        self.debounce = debounce
        self.duty = duty  # the share of time the sends may take: hints come first
        self.quiet = quiet
        self.activity: dict[str, float] = {}  # session -> time.time() of its last batch
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sessionprof-otlp", daemon=True)
        self._lock = threading.Lock()
        self._new: set[str] = set()
        self.last: FlushStats | dict[str, Any] = {}  # the last flush's stats ({} before the first)

    def start(self) -> Forwarder:
        self._thread.start()
        self._wake.set()  # what an earlier run left pending goes first
        return self

    def notify(self, session_ids: Sequence[str]) -> None:
        """Never blocks the caller (the event loop): the thread writes the outbox rows."""
        if session_ids:
            now = time.time()
            with self._lock:
                self._new.update(session_ids)
                for sid in session_ids:
                    self.activity[sid] = now
            self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        exp = ox.exporter(self.target)
        while not self._stop.is_set():
            due = self.outbox.next_due(self.endpoint)
            wait = 30.0 if due is None else max(0.0, min(30.0, due - time.time()))
            if self._wake.wait(wait):
                self._wake.clear()
                if self._stop.wait(self.debounce):  # gather a burst of batches into one send
                    break
            try:
                with self._lock:
                    new, self._new = self._new, set()
                    activity = dict(self.activity)
                if new:
                    self.outbox.mark(self.endpoint, sorted(new))
                self.last = self.outbox.flush(
                    self.target, self.content, exporter=exp, duty=self.duty, quiet=self.quiet, activity=activity
                )
            except Exception:  # never let the thread die: the rows stay pending
                log.exception("OTLP forwarding failed")
                self._stop.wait(BACKOFF_CAP)
        exp.shutdown()


def export_sessions(engine: Engine, session_ids: list[str], target: ox.Target, content: bool = False) -> ExportStats:
    """`sessionprof export --otlp`: send these sessions whole (and whatever an earlier
    run left pending for the endpoint). What the collector refuses stays in the outbox."""
    box = Outbox(engine)
    box.mark(target.url, session_ids, resend=True)
    exp = ox.exporter(target)
    try:
        stats = box.flush(target, content, exporter=exp, force=True)
    finally:
        exp.shutdown()
    return {**stats, "pending": len(box.pending(target.url))}


def live_settings(otlp: dict[str, Any]) -> tuple[ox.Target | None, bool, str | None]:
    """(target, content, problem) from the `sessionprof.otlp` setting
    {endpoint, headers, content}; an empty endpoint means off."""
    endpoint = otlp.get("endpoint") or ""
    headers = otlp.get("headers") or {}
    content = otlp.get("content", False)
    if (
        not isinstance(endpoint, str)
        or not isinstance(headers, dict)
        or not isinstance(content, bool)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    ):
        return None, False, "sessionprof.otlp: expected {endpoint: string, headers: {name: string}, content: boolean}"
    if not endpoint:
        return None, False, None
    if not endpoint.startswith(("http://", "https://")):
        return None, False, f"sessionprof.otlp.endpoint {endpoint!r}: expected an http(s) URL of an OTLP/HTTP collector"
    return ox.Target(endpoint, dict(headers)), content, None


def live_configure(server: OtlpHost) -> None:
    """(Re)start the server's forwarder for its settings; stop it when they turn it off."""
    old = getattr(server, "otlp_forwarder", None)
    target, content, problem = live_settings(server.config.otlp or {})
    if old is not None and (target is None or (old.target, old.content) != (target, content)):
        old.stop(timeout=0.5)
        server.otlp_forwarder = old = None
    if problem and problem != getattr(server, "otlp_problem", None):  # settings arrive twice (push and pull)
        server.show_warning(problem)
    server.otlp_problem = problem
    if target is None or old is not None or server.engine is None:
        return
    logging.getLogger("opentelemetry").setLevel(logging.ERROR)  # the SDK's retry chatter
    server.otlp_forwarder = Forwarder(server.engine, target, content).start()


def live_notify(server: OtlpHost, session_ids: Sequence[str]) -> None:
    """Called on the event loop after each stored batch: only an in-memory note; the
    forwarder's thread writes the outbox row and sends."""
    fw = getattr(server, "otlp_forwarder", None)
    if fw is None:
        live_configure(server)
        fw = getattr(server, "otlp_forwarder", None)
    if fw is not None:
        fw.notify(session_ids)
