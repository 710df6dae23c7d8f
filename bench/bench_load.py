"""Load: a burst of N events (default 1M, ~300 bytes each) in batches of 1000 from
100 concurrent HTTP clients against the real server (python -m sessionprof_ls).

Measures: events acknowledged vs stored (nothing acknowledged may be lost), 503/429
answers (retried after Retry-After), LSP request latency sampled every 50 ms during
the burst (p50/p99/max of `sessionprof/sessions`), and the server's peak RSS (VmHWM).

    .venv/bin/python bench/bench_load.py [--events 1000000] [--clients 100] [--batch 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "reliability"))
from relutil import start_server  # noqa: E402

T0 = 1_760_000_000_000
TEMPLATE = (
    '{"sessionId":"load-%d","id":"e%d","parentId":null,"type":"tool_execution","name":"Bash",'
    '"startTime":%d,"endTime":%d,"metadata":{"toolName":"Bash","status":"ok","filePath":"src/mod%d.py",'
    '"tokens":{"input":%d,"output":%d},"args":{"command":"pytest -q tests/test_mod%d.py"}}}'
)


def body(client: int, start: int, n: int) -> bytes:
    parts = [
        TEMPLATE % (client, i, T0 + i * 10, T0 + i * 10 + 7, i % 50, i % 900, i % 70, i % 50)
        for i in range(start, start + n)
    ]
    return ("[" + ",".join(parts) + "]").encode()


async def client(k: int, url: str, token: str, batches: int, size: int, stats: dict) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=600)) as http:
        for b in range(batches):
            data = body(k, b * size, size)
            while True:
                async with http.post(url + "/v1/events", data=data) as resp:
                    if resp.status in (429, 503):
                        stats["busy"] += 1
                        await asyncio.sleep(float(resp.headers.get("Retry-After", "1")))
                        continue
                    answer = await resp.json()
                    if resp.status != 200:
                        stats["errors"] += 1
                        print("error", resp.status, answer, file=sys.stderr)
                        break
                    stats["acked"] += answer["accepted"]
                    stats["rejected"] += len(answer["rejected"])
                    break


def sample_latency(srv, stop: threading.Event, out: list[float], rss: list[int]) -> None:
    while not stop.is_set():
        t = time.perf_counter()
        srv.request("sessionprof/sessions", {}, timeout=120)
        out.append((time.perf_counter() - t) * 1000)
        rss.append(srv.rss_kib())
        stop.wait(0.05)


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--batch", type=int, default=1000)
    args = ap.parse_args()
    batches = args.events // (args.clients * args.batch)
    total = batches * args.clients * args.batch
    tmp = Path(tempfile.mkdtemp(prefix="sessionprof-load-"))
    srv = start_server(tmp, settings={"followTranscripts": False})
    idle_rss = srv.rss_kib()
    idle = []
    for _ in range(20):
        t = time.perf_counter()
        srv.request("sessionprof/sessions", {})
        idle.append((time.perf_counter() - t) * 1000)
    stats = {"acked": 0, "rejected": 0, "busy": 0, "errors": 0}
    lat: list[float] = []
    rss: list[int] = []
    stop = threading.Event()
    sampler = threading.Thread(target=sample_latency, args=(srv, stop, lat, rss), daemon=True)
    sampler.start()
    t0 = time.perf_counter()

    async def burst():
        await asyncio.gather(*(client(k, srv.url, srv.token, batches, args.batch, stats) for k in range(args.clients)))

    asyncio.run(burst())
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join(120)
    after = []
    for _ in range(20):
        t = time.perf_counter()
        srv.request("sessionprof/sessions", {})
        after.append((time.perf_counter() - t) * 1000)
    peak = srv.peak_rss_kib()
    srv.stop()
    db = sqlite3.connect(str(tmp / "store.db"))
    stored = db.execute("SELECT coalesce(sum(count), 0) FROM batches").fetchone()[0]
    db.close()
    rows = [
        ("events sent", f"{total:,}"),
        ("events acknowledged", f"{stats['acked']:,}"),
        ("events found in the store after stop", f"{stored:,}"),
        ("acknowledged but lost", f"{max(0, stats['acked'] - stored):,}"),
        ("rejected / HTTP errors", f"{stats['rejected']:,} / {stats['errors']:,}"),
        ("503/429 answers (retried)", f"{stats['busy']:,}"),
        ("burst wall time", f"{wall:.1f} s ({stats['acked'] / wall:,.0f} events/s)"),
        ("LSP sessionprof/sessions idle p50", f"{statistics.median(idle):.1f} ms"),
        (
            "LSP latency during burst p50 / p99 / max",
            f"{pct(lat, 0.5):.1f} / {pct(lat, 0.99):.1f} / {max(lat):.1f} ms ({len(lat)} samples)",
        ),
        ("LSP latency after burst p50", f"{statistics.median(after):.1f} ms"),
        ("server RSS idle / peak (VmHWM)", f"{idle_rss / 1024:.0f} / {peak / 1024:.0f} MiB"),
        ("server RSS max sampled during burst", f"{max(rss) / 1024:.0f} MiB" if rss else "-"),
    ]
    w = max(len(k) for k, _ in rows)
    print(f"bench_load: {args.clients} clients, batches of {args.batch}, {total:,} events")
    for k, v in rows:
        print(f"  {k:<{w}}  {v}")
    if stats["acked"] > stored:
        sys.exit("FAIL: acknowledged events were lost")


if __name__ == "__main__":
    main()
