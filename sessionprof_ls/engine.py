"""The engine: validated events in, session trees and the store kept together,
analyses out. The server, the CLI and the benchmarks all go through it, so an
event takes the same path whichever way it arrived.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import msgspec
import orjson

from . import snapshot
from .events import Event, EventError, convert_event, decode_event, decode_stored_lines, split_body
from .store import Store
from .tree import SessionTree, StringTable, cap_nesting

if TYPE_CHECKING:
    from .analysis import Analysis

Raw = msgspec.Raw
RAW_TYPES = (bytes, bytearray, memoryview, Raw)
_stream_decode = msgspec.json.Decoder().decode_lines  # a batch as a stream of JSON values


class Engine:
    def __init__(self, store: Store | str | None = None, slow_threshold_ms: float = 5000.0, slowest_count: int = 5):
        self.store = store if isinstance(store, Store) else Store(store)
        self.strings = StringTable()  # shared by all trees: model, tool and file names repeat across sessions
        self.trees: dict[str, SessionTree] = {}
        self.slow_threshold_ms = slow_threshold_ms
        self.slowest_count = slowest_count
        self._analyses: OrderedDict[tuple[str, int], Analysis] = OrderedDict()
        # trees change under this lock, and analyses copy their columns under it: the
        # server ingests and analyses in worker threads so the event loop stays free
        self.lock = threading.RLock()

    # ------------------------------------------------------------ ingest

    def ingest(self, events: Iterable[Any], cursor: tuple[str, dict[str, Any]] | None = None) -> dict[str, Any]:
        """Validate and store a batch; one bad event never costs the others.

        Items may be dicts (LSP, importers) or raw JSON bytes (HTTP). `cursor`, a
        transcript's (path, new cursor), is stored in the same transaction as the
        events it read, so a kill can neither lose nor repeat them.
        Returns {"accepted", "rejected": [{"index", "error"}], "sessions": [...]}.
        """
        rejected: list[dict[str, Any]] = []
        by_session: dict[str, tuple[list[Event], list[bytes]]] = {}
        accepted = 0
        for index, item in enumerate(events):
            try:
                if item.__class__ is Raw or isinstance(item, RAW_TYPES):  # JSON from HTTP
                    ev, raw = decode_event(item)
                else:  # objects from LSP and the importers
                    ev, raw = convert_event(item)
            except EventError as exc:
                rejected.append({"index": index, "error": str(exc)})
                continue
            group = by_session.get(ev.sessionId)
            if group is None:
                group = by_session[ev.sessionId] = ([], [])
            group[0].append(ev)
            group[1].append(raw)
            accepted += 1
        with self.lock:
            # events, session rows and cursor in one commit, before anything is acknowledged;
            # readers take the lock, so none sees a tree whose events are not committed
            try:
                with self.store.transaction():
                    # trees first: a new session's tree must not load the batch it is about to get
                    trees = [self._open_tree(sid) for sid in by_session]
                    seqs = self.store.append([(sid, raws) for sid, (_, raws) in by_session.items()])
                    now = time.time()
                    for (_sid, (evs, _)), seq, tree in zip(by_session.items(), seqs, trees, strict=True):
                        tree.add_many(evs, seq)
                        tree.last_update = now
                        self._save_session_row(tree)
                    if cursor is not None:
                        self.store.set_cursor(*cursor)
            except BaseException:
                self._forget(list(by_session))  # rolled back: the trees reload from what was committed
                raise
            # a bulk import (this call brought half the session or more) saves its snapshot now,
            # after the commit: never part of a batch's fate; a session that grows in small
            # batches saves it at its next cold load instead (not on the ingest's clock)
            for tree, (evs, _raws) in zip(trees, by_session.values(), strict=True):
                if 2 * len(evs) >= len(tree) and snapshot.due(tree):
                    self._save_snapshot(tree)
        return {"accepted": accepted, "rejected": rejected, "sessions": list(by_session)}

    def ingest_body(self, body: bytes, content_type: str = "") -> dict[str, Any]:
        """An HTTP body: a JSON array, {"events": [...]}, or NDJSON (EventError if unreadable)."""
        return self.ingest(split_body(body, content_type))

    def _forget(self, session_ids: list[str]) -> None:
        for sid in session_ids:
            self.trees.pop(sid, None)
        for key in [k for k in self._analyses if k[0] in session_ids]:
            del self._analyses[key]

    def _save_session_row(self, tree: SessionTree) -> None:
        if not len(tree):
            return
        self.store.update_session(
            tree.session_id,
            title=tree.title,
            source=tree.source,
            workspace=tree.workspace,
            start_time=tree.min_start,
            end_time=tree.max_end,
            total_tokens=tree.token_total,
            event_count=len(tree),
            updated_at=time.time(),
        )

    # ------------------------------------------------------------ trees

    def tree(self, session_id: str, create: bool = False) -> SessionTree | None:
        tree = self.trees.get(session_id)
        if tree is not None:
            return tree
        with self.lock:
            return self._load_tree(session_id, create)

    def _load_tree(self, session_id: str, create: bool) -> SessionTree | None:
        if session_id not in self.trees and not create and not self.store.has_session(session_id):
            return None
        return self._open_tree(session_id)

    def _open_tree(self, session_id: str) -> SessionTree:
        """A session's tree, from the store the first time: its snapshot (snapshot.py) when
        there is a valid one, then the batches stored after it, each decoded in one call."""
        loaded = self.trees.get(session_id)
        if loaded is not None:
            return loaded
        tree: SessionTree | None = None
        after = 0
        saved = self.store.snapshot(session_id, snapshot.FORMAT)
        if saved is not None:
            try:
                tree = snapshot.load(saved[1], session_id, self.strings)
                after = saved[0]
            except (msgspec.DecodeError, msgspec.ValidationError, ValueError, IndexError, KeyError):
                tree = None  # a damaged snapshot: replay everything, as without one
        if tree is None:
            tree = SessionTree(session_id, self.strings)
        skipped = 0
        for seq, data in self.store.load(session_id, after):
            events, bad = decode_stored_lines(data)
            skipped += bad  # stored rows were valid when written; skip rather than fail a whole session
            tree.add_many(events, seq)
        if skipped:
            self.store.report_corrupt(session_id, skipped, "events")  # counted and said (issue 19)
        elif snapshot.due(tree):
            self._save_snapshot(tree)
        self.trees[session_id] = tree
        return tree

    def _save_snapshot(self, tree: SessionTree) -> None:
        """The tree's columns into the store (a shortcut for the next cold load; never fails)."""
        if self.store.save_snapshot(tree.session_id, tree.last_seq, tree.batches, snapshot.FORMAT, snapshot.dump(tree)):
            tree.snapshot_size = len(tree)

    def analysis(self, session_id: str) -> Analysis:
        from .analysis import Analysis  # numpy: loaded by the first analysis, not by an import

        tree = self.tree(session_id)
        if tree is None:
            raise KeyError(f"unknown session: {session_id}")
        with self.lock:
            key = (session_id, tree.version)
            a = self._analyses.get(key)
            if a is None or tree.running_count():
                a = Analysis(tree, slow_threshold_ms=self.slow_threshold_ms, slowest_count=self.slowest_count)
                self._analyses[key] = a
                while len(self._analyses) > 8:
                    self._analyses.popitem(last=False)
            return a

    # ------------------------------------------------------------ reads

    def summary(self, session_id: str) -> dict[str, Any]:
        s = self.analysis(session_id).summary()
        self.store.update_session(session_id, total_cost=s["totalCost"])
        return s

    def performance(
        self, session_id: str, include_events: bool = True, include_messages: bool = True
    ) -> dict[str, Any]:
        """The overview. include_messages=False: tokensByMessage is None (one row per
        response, 4 MB at 100k events), the rest equal: the web UI paints without it."""
        a = self.analysis(session_id)
        if include_events:
            full = self._overview(a, True, include_messages)
            self.store.update_session(session_id, total_cost=full["totalCost"])
            return full
        # the web UI's overview (no events) made once per analysis, with and without its table (issue 13)
        cache: dict[tuple[bool, bool], dict[str, Any]] = a.__dict__.setdefault("_perf_cache", {})
        key = (False, include_messages)
        data = cache.get(key)
        if data is None:
            from .answer import build_lock

            with build_lock(a, "performance"):  # made once, even when warm.py is making it right now
                data = cache.get(key)
                if data is None:
                    other = cache.get((False, not include_messages))
                    if other is not None:  # the same overview with or without the table: made, not remade
                        data = {**other, "tokensByMessage": a.tokens_by_message() if include_messages else None}
                    else:
                        data = self._overview(a, False, include_messages)
                    cache[key] = data
                    self.store.update_session(session_id, total_cost=data["totalCost"])
        return {**data, "suggestions": [dict(s) for s in data["suggestions"]]}

    @staticmethod
    def _overview(a: Analysis, include_events: bool, include_messages: bool) -> dict[str, Any]:
        data = a.performance(include_events=include_events, include_messages=include_messages)
        data["events"], flattened = cap_nesting(data["events"])  # deep chains: any JSON encoder can send it
        if flattened:
            data["eventsFlattened"] = flattened  # said so: events moved up to the depth cap (issue 19)
        return data

    def flame_graph(
        self, session_id: str, view: str = "time", weight: str = "time", encoding: str = "json"
    ) -> dict[str, Any]:
        from .flame import cached_flame_graph  # made once per analysis (issue 13: first paint)

        return cached_flame_graph(self.analysis(session_id), view, weight, encoding)

    def event(self, session_id: str, event_id: str) -> dict[str, Any] | None:
        """One event with everything stored about it (tool arguments included, redacted)."""
        a = self.analysis(session_id)
        idx = a.t.index.get(event_id)
        if idx is None:
            return None
        ev = a.event(idx)
        meta: dict[str, Any] = {}
        t = a.t
        needle = orjson.dumps(event_id)
        for seq in t.older_seqs.get(idx, []) + [t.seq[idx]]:
            data = self.store.batch(seq)
            if needle not in data:
                continue
            try:  # one event a line, as nearly always: parse only the lines that name it
                found = [orjson.loads(line) for line in data.split(b"\n") if needle in line]
            except orjson.JSONDecodeError:  # a pretty-printed HTTP body: read the batch as a stream
                try:
                    found = _stream_decode(data)
                except msgspec.DecodeError:  # a damaged row: the tree's copy of the event stands
                    found = []
            for obj in found:
                if isinstance(obj, dict) and obj.get("id") == event_id and isinstance(obj.get("metadata"), dict):
                    meta.update(obj["metadata"])
        meta.update(ev["metadata"])
        ev["metadata"] = meta
        ev["childCount"] = sum(1 for p in a.t.parent if p == idx)
        return ev

    def sessions(self) -> list[dict[str, Any]]:
        return self.store.sessions()

    def latest_session(self, workspace: str | None = None) -> str | None:
        """The session the editor would show (current_session.py's rule): the latest
        event first, live ones before finished ones; in this workspace when one is given."""
        from .current_session import pick

        return pick(self.store.sessions(), [workspace] if workspace else None, now_ms=time.time() * 1000.0)

    def configure(self, slow_threshold_ms: float, slowest_count: int) -> None:
        """New analysis settings: cached analyses were made with the old ones."""
        with self.lock:
            self.slow_threshold_ms = slow_threshold_ms
            self.slowest_count = slowest_count
            self._analyses.clear()
