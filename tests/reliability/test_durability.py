"""Durability: SIGKILL in the middle of a stream of acknowledged events loses none
of them; a followed transcript that grows in pieces, is truncated, rotated or
rewritten is recovered without duplicates and with the reference totals."""

from __future__ import annotations

import os
import threading
import time

import orjson
from relutil import FIXTURES, ServerProc, claude_project, http, make_event, start_server, store_event_ids

from sessionprof_ls.engine import Engine
from sessionprof_ls.follow import TranscriptFollower
from sessionprof_ls.importers import import_file

BATCH = 200


def test_sigkill_mid_stream_loses_nothing_acknowledged(tmp_path):
    store = tmp_path / "store.db"
    srv = start_server(tmp_path, store=store, settings={"followTranscripts": False})
    acked: list[str] = []
    sent = [0]
    lock = threading.Lock()
    stop = threading.Event()

    def client(k: int) -> None:
        n = 0
        while not stop.is_set():
            ids = [f"c{k}-{n + i}" for i in range(BATCH)]
            body = orjson.dumps(
                [make_event(f"kill-{k}", eid, n + i, args={"cmd": "x" * 100}) for i, eid in enumerate(ids)]
            )
            n += BATCH
            with lock:
                sent[0] += BATCH
            try:
                status, _, resp = http(srv.url, "/v1/events", body, token=srv.token, timeout=30)
            except OSError:
                return  # the server died mid-request: not acknowledged
            if status == 200 and orjson.loads(resp)["accepted"] == BATCH:
                with lock:
                    acked.extend(ids)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 60 * BATCH and time.monotonic() < deadline:
        time.sleep(0.05)
    srv.kill()  # SIGKILL while the clients are still posting
    stop.set()
    for t in threads:
        t.join(30)
    assert len(acked) >= 60 * BATCH, "the server did not acknowledge enough before the kill"
    assert sent[0] > len(acked), "the kill did not land mid-stream"

    stored = {eid for _sid, eid in store_event_ids(store)}
    missing = set(acked) - stored
    assert not missing, f"{len(missing)} acknowledged events lost, e.g. {sorted(missing)[:3]}"

    # a restarted server sees them all
    again = start_server(tmp_path, store=store, settings={"followTranscripts": False})
    try:
        rows = again.request("sessionprof/sessions", {})
        counts = {r["sessionId"]: r["eventCount"] for r in rows}
        for k in range(6):
            mine = sum(1 for e in acked if e.startswith(f"c{k}-"))
            assert counts.get(f"kill-{k}", 0) >= mine
        # and keeps taking events
        status, _, resp = http(again.url, "/v1/events", orjson.dumps([make_event("after", "a1")]), token=again.token)
        assert status == 200
    finally:
        again.stop()
    print(
        f"\nSIGKILL: {sent[0]:,} events sent, {len(acked):,} acknowledged, "
        f"{len(stored & set(acked)):,} of them found after restart ({len(stored):,} rows stored)"
    )


# ------------------------------------------------------------ transcripts followed

FIXTURE = FIXTURES / "claude-code" / "spotter-subagent.jsonl"
REFERENCE = (1576, 1586, 25842, 427286)  # input, output, cache write, cache read (fixtures README)


class Followed:
    def __init__(self, tmp):
        self.ws, self.claude, self.dir = claude_project(tmp)
        self.path = self.dir / FIXTURE.name
        self.engine = Engine(str(tmp / "store.db"))
        self.follower = TranscriptFollower(
            [self.ws], self.engine.ingest, self.engine.store, claude_config_dir=self.claude, codex_home=tmp / "codex"
        )
        clean = import_file(FIXTURE).events
        self.sid = clean[0]["sessionId"]
        self.ids = {e["id"] for e in clean}
        self.data = FIXTURE.read_bytes()

    def scan(self) -> None:
        self.follower.scan_once()

    def write(self, data: bytes) -> None:
        """The transcript (re)written with `data` (same inode when it exists), then one scan."""
        self.path.write_bytes(data)
        self.scan()

    def check(self) -> None:
        tree = self.engine.tree(self.sid)
        assert set(tree.index) == self.ids, "events missing or extra"
        assert len(tree) == len(self.ids), "duplicates"
        s = self.engine.summary(self.sid)
        assert (s["inputTokens"], s["outputTokens"], s["cacheWriteTokens"], s["cacheReadTokens"]) == REFERENCE


def test_transcript_grows_in_pieces_cut_mid_line(tmp_path):
    f = Followed(tmp_path)
    cuts = sorted({len(f.data) // 7 * k + 13 for k in range(1, 7)})
    with open(f.path, "wb") as out:
        prev = 0
        for cut in cuts + [len(f.data)]:
            out.write(f.data[prev:cut])
            out.flush()
            prev = cut
            f.scan()
    f.check()


def test_transcript_truncated_then_rewritten(tmp_path):
    f = Followed(tmp_path)
    f.write(f.data)
    f.check()
    with open(f.path, "r+b") as out:  # same inode, emptied, then written again
        out.truncate(0)
    f.scan()
    f.write(f.data[: len(f.data) // 2 + 7])  # half, cut mid-line
    with open(f.path, "ab") as out:
        out.write(f.data[len(f.data) // 2 + 7 :])
    f.scan()
    f.check()


def test_transcript_rotated(tmp_path):
    f = Followed(tmp_path)
    f.write(f.data[: len(f.data) // 3])
    os.rename(f.path, tmp_path / "rotated.jsonl.1")  # moved away; a new file (new inode) in its place
    f.write(f.data)
    f.check()


def test_transcript_rewritten_in_place_same_size(tmp_path):
    f = Followed(tmp_path)
    f.write(f.data)
    with open(f.path, "r+b") as out:  # rewritten in place: same inode, same size, same bytes
        out.write(f.data)
    os.utime(f.path)
    f.scan()
    f.check()
    # and a restart (new follower and engine on the same store) reads nothing twice
    g = Followed.__new__(Followed)
    g.__dict__.update(f.__dict__)
    g.engine = Engine(f.engine.store)
    g.follower = TranscriptFollower(
        [f.ws], g.engine.ingest, g.engine.store, claude_config_dir=f.claude, codex_home=tmp_path / "codex"
    )
    rows_before = g.engine.store.event_count()
    g.scan()
    assert g.engine.store.event_count() == rows_before
    g.check()


def test_server_process_killed_while_following(tmp_path):
    """SIGKILL while a transcript is being followed; after restart the totals are exact."""
    f = Followed(tmp_path)
    f.engine.store.close()
    store = tmp_path / "server-store.db"
    f.path.write_bytes(f.data[: len(f.data) // 2])
    srv = start_server(tmp_path, store=store, workspace=f.ws, claude_dir=f.claude, codex_dir=tmp_path / "codex")
    deadline = time.monotonic() + 30
    while not any(r["sessionId"] == f.sid for r in srv.request("sessionprof/sessions", {})):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    with open(f.path, "ab") as out:
        out.write(f.data[len(f.data) // 2 :])
    time.sleep(0.3)
    srv.kill()
    srv2 = ServerProc(tmp_path, store, workspace=f.ws, claude_dir=f.claude, codex_dir=tmp_path / "codex")
    srv2.initialize()
    try:
        deadline = time.monotonic() + 30
        while True:
            perf = srv2.request("sessionprof/performance", {"sessionId": f.sid, "includeEvents": False})
            s = perf["summary"] if "summary" in perf else perf
            got = (s["inputTokens"], s["outputTokens"], s["cacheWriteTokens"], s["cacheReadTokens"])
            if got == REFERENCE or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert got == REFERENCE
        assert s["eventCount"] == len(f.ids)
    finally:
        srv2.stop()
