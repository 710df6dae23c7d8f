"""OTLP export benchmark.

  1. export     a --events session (bench_server's Claude-Code-like workload) in an
                engine in this process: spans built (otlp_export.session_spans), then
                the whole `sessionprof export --otlp` path (outbox, the SDK's OTLP/HTTP
                protobuf exporter, HTTP) into a local sink collector; spans/s.
  2. live       the real server (`python -m sessionprof_ls`, VS Code capabilities)
                with `sessionprof.otlp.endpoint` on the sink: --events ingested and
                forwarded live, then textDocument/inlayHint every 20 ms while 10k
                events/s stream in and are forwarded (bench_server's phase 3).
                With --compare, the same without forwarding.

The sink answers 200 to every POST and counts requests, bytes and spans. After the
hint phase the live run waits (up to --drain s) for the forwarder to catch up: it
takes at most a quarter of the time while events stream in, so it lags and drains after.

Usage: .venv/bin/python bench/bench_otlp.py [--events 100000] [--seconds 10] [--compare]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types as lsp

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import bench_server as bs  # noqa: E402
from sp_fixtures import SpanSink  # noqa: E402  (the tests' stand-in collector)

TARGET_HINT_P99 = 10.0  # ms


class Sink(SpanSink):
    """A collector that acknowledges everything, counting requests and bytes."""

    def __init__(self):
        self.posts = 0
        self.bytes = 0
        self.spans = 0
        super().__init__()

    def received(self, req, headers, nbytes):
        self.posts += 1
        self.bytes += nbytes
        self.spans += sum(len(ss.spans) for rs in req.resource_spans for ss in rs.scope_spans)


def phase_export(events: int, sink: Sink) -> dict:
    from sessionprof_ls import otlp_export as ox
    from sessionprof_ls.engine import Engine
    from sessionprof_ls.outbox import export_sessions

    with tempfile.TemporaryDirectory(prefix="sessionprof-bench-otlp-") as d:
        tmp = Path(d)
        work = bs.Workload(tmp / "ws", bs.make_workspace(tmp / "ws"))
        eng = Engine(tmp / "store.sqlite3")
        n = 0
        while n < events:
            batch = work.batch(min(5000, events - n))
            for ev in batch:
                ev["sessionId"] = bs.SESSION
            eng.ingest(batch)
            n += len(batch)
        a = eng.analysis(bs.SESSION)
        t = time.perf_counter()
        spans = ox.session_spans(a)
        build = time.perf_counter() - t
        posts0 = sink.posts
        t = time.perf_counter()
        stats = export_sessions(eng, [bs.SESSION], ox.Target(sink.url))
        total = time.perf_counter() - t
        assert stats["pending"] == 0 and stats["spans"] == len(spans), stats
        return {
            "events": len(a.t),
            "spans": len(spans),
            "build_s": build,
            "export_s": total,
            "posts": sink.posts - posts0,
        }


async def phase_live(args, forward: bool, sink: Sink) -> dict:
    with tempfile.TemporaryDirectory(prefix="sessionprof-bench-otlp-") as d:
        tmp = Path(d)
        workspace = tmp / "workspace"
        work = bs.Workload(workspace, bs.make_workspace(workspace))
        client = bs.Client()
        await client.start(tmp, workspace)
        if forward:
            client.lsp.workspace_did_change_configuration(
                lsp.DidChangeConfigurationParams(settings={"sessionprof": {"otlp": {"endpoint": sink.url}}})
            )
        endpoint = client.ready["endpoint"]
        endpoint = endpoint if isinstance(endpoint, dict) else endpoint._asdict()
        posts0, bytes0, spans0 = sink.posts, sink.bytes, sink.spans
        try:
            import aiohttp

            headers = {"Authorization": f"Bearer {endpoint['token']}", "Content-Type": "application/json"}
            async with aiohttp.ClientSession() as session:
                ing = await bs.phase_ingest(
                    session, endpoint["url"] + "/v1/events", headers, work, args.events, 1000, 2
                )
            await client.wait_count(ing["events"], timeout=120)
            await asyncio.sleep(0.5)
            req = await bs.phase_requests(
                client, bs.pick_document(work), {"endpoint": endpoint}, work, args.seconds, 0.02
            )
            at_end = sink.spans - spans0
            total = ing["events"] + req["streamed"]
            t = time.perf_counter()
            last, still = sink.spans, time.perf_counter()
            while forward and sink.spans - spans0 < total and time.perf_counter() - t < args.drain:
                await asyncio.sleep(0.5)
                if sink.spans != last:
                    last, still = sink.spans, time.perf_counter()
                elif time.perf_counter() - still > 15:
                    break
            drain = time.perf_counter() - t
        finally:
            await client.stop()
        return {
            "ingest_rate": ing["rate"],
            "hint": req["hint"],
            "lens": req["lens"],
            "streamed": req["streamed"],
            "stream_rate": req["stream_rate"],
            "posts": sink.posts - posts0,
            "bytes": sink.bytes - bytes0,
            "events": total,
            "spans_at_end": at_end,
            "spans": sink.spans - spans0,
            "drain_s": drain,
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the hint phase")
    ap.add_argument("--compare", action="store_true", help="also run the live phase without forwarding")
    ap.add_argument("--drain", type=float, default=180.0, help="longest wait for the forwarder to catch up")
    args = ap.parse_args()
    sink = Sink()
    print(f"machine: {bs.load_note()}", flush=True)
    ex = phase_export(args.events, sink)
    print(
        f"export: {ex['events']:,} events -> {ex['spans']:,} spans; built in {ex['build_s']:.2f} s "
        f"({ex['spans'] / ex['build_s']:,.0f} spans/s); built + sent with the SDK exporter in "
        f"{ex['export_s']:.2f} s = {ex['spans'] / ex['export_s']:,.0f} spans/s ({ex['posts']} requests)",
        flush=True,
    )
    runs = [True, False] if args.compare else [True]
    for forward in runs:
        live = asyncio.run(phase_live(args, forward, sink))
        hint = live["hint"]
        p99 = bs.pctl(hint, 99)
        print(
            f"live forwarding {'on ' if forward else 'off'}: inlayHint p50 {bs.pctl(hint, 50):.2f} ms, "
            f"p99 {p99:.2f} ms, max {max(hint):.2f} ms ({len(hint)} requests; target p99 <= {TARGET_HINT_P99:.0f} ms: "
            f"{'ok' if p99 <= TARGET_HINT_P99 else 'MISSED'}); codeLens p99 {bs.pctl(live['lens'], 99):.2f} ms; "
            f"ingest {live['ingest_rate']:,.0f} events/s; streamed {live['streamed']:,} at "
            f"{live['stream_rate']:,.0f}/s",
            flush=True,
        )
        if forward:
            print(
                f"  forwarded: {live['spans_at_end']:,} spans by the end of the hint phase, "
                f"{live['spans']:,} of {live['events']:,} events {live['drain_s']:.0f} s later "
                f"({live['posts']} requests, {live['bytes'] / 1e6:.1f} MB)",
                flush=True,
            )
    print(f"machine: {bs.load_note()} at the end")


if __name__ == "__main__":
    main()
