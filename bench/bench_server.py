"""Server benchmark: the real `python -m sessionprof_ls` over stdio, one large session.

Starts the server with a temporary SESSIONPROF_STORE and empty CLAUDE_CONFIG_DIR /
CODEX_HOME, initializes it as VS Code would (pytest-lsp client), and measures:

  1. ingest     POST /v1/events in batches of --batch realistic events (~300 B each:
                ai_response with model/tokens, tool_execution with toolName/args,
                file_read children with filePath/fileTokens over 200 workspace files,
                3 models) until the session holds --events events; events/s.
  2. summary    then single-event POSTs: time from sending the POST to the
                `sessionprof/summary` notification whose eventCount includes it.
  3. requests   textDocument/inlayHint and textDocument/codeLens on a file the
                session read, every 20 ms for --seconds, while a thread posts
                1,000-event batches every 100 ms (10k events/s) to the same session.

Prints a table of medians/p99/max against the targets and the machine load.

Usage: .venv/bin/python bench/bench_server.py [--events 100000] [--samples 100] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import aiohttp
import orjson
from lsprotocol import types as lsp
from pytest_lsp import client_capabilities
from pytest_lsp.client import make_test_lsp_client

ROOT = Path(__file__).resolve().parent.parent
SESSION = "bench-server-session"
MODELS = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-1-20250805"]
TOOLS = ["Read", "Grep", "Edit", "Bash"]
N_FILES = 200
T0 = 1_760_000_000_000.0  # epoch ms of the session's first event

TARGET_INGEST = 50_000  # events/s
TARGET_SUMMARY_P99 = 250.0  # ms
TARGET_REQUEST_P99 = 10.0  # ms


# ---------------------------------------------------------------- workload


class Workload:
    """A Claude-Code-like session: per turn an AI response, a tool call and, for
    reads, the file_read under it. Every 50th tool call is slow (code lenses)."""

    def __init__(self, workspace: Path, files: list[Path]):
        self.workspace = workspace
        self.files = [str(p) for p in files]
        self.n = 0  # events made so far
        self.turn = 0
        self.clock = T0
        self.rng = random.Random(7)
        self.pending: list[dict] = []
        self.slow_reads: dict[str, int] = {}  # file -> slow Read calls on it (those files get lenses)

    def _id(self) -> str:
        self.n += 1
        return f"ev-{self.n:08d}"

    def root(self) -> dict:
        self.n += 1
        return {
            "sessionId": SESSION,
            "id": "root",
            "type": "agent",
            "name": "bench session",
            "startTime": T0,
            "metadata": {
                "workspace": str(self.workspace),
                "source": "claude-code",
                "sessionTitle": "bench: a 100k-event session",
            },
        }

    def turn_events(self) -> list[dict]:
        rng = self.rng
        self.turn += 1
        out = []
        t = self.clock
        ai_ms = rng.uniform(800, 4000)
        out.append(
            {
                "sessionId": SESSION,
                "id": self._id(),
                "parentId": "root",
                "type": "ai_response",
                "name": "assistant response",
                "startTime": t,
                "endTime": t + ai_ms,
                "metadata": {
                    "model": MODELS[self.turn % 3],
                    "tokens": {
                        "input": rng.randint(1, 40),
                        "output": rng.randint(50, 900),
                        "cacheRead": rng.randint(20_000, 90_000),
                        "cacheWrite": rng.randint(0, 3000),
                    },
                },
            }
        )
        t += ai_ms
        tool = TOOLS[self.turn % 4] if self.turn % 3 else "Read"
        path = self.files[rng.randrange(len(self.files))]
        slow = self.turn % 50 == 0
        tool_ms = rng.uniform(5500, 9000) if slow else rng.uniform(20, 900)
        tool_id = self._id()
        args = (
            {"file_path": path}
            if tool in ("Read", "Edit")
            else {"pattern": "def ", "path": str(self.workspace)}
            if tool == "Grep"
            else {"command": "pytest -q tests/test_core.py"}
        )
        out.append(
            {
                "sessionId": SESSION,
                "id": tool_id,
                "parentId": "root",
                "type": "tool_execution",
                "name": tool,
                "startTime": t,
                "endTime": t + tool_ms,
                "metadata": {"toolName": tool, "args": args, "status": "ok"},
            }
        )
        if tool == "Read":
            if slow:
                self.slow_reads[path] = self.slow_reads.get(path, 0) + 1
            out.append(
                {
                    "sessionId": SESSION,
                    "id": self._id(),
                    "parentId": tool_id,
                    "type": "file_read",
                    "name": f"Read {os.path.basename(path)}",
                    "startTime": t + 1,
                    "endTime": t + tool_ms - 1,
                    "metadata": {
                        "filePath": path,
                        "fileTokens": rng.randint(200, 6000),
                        "fileSize": rng.randint(800, 24_000),
                        "startLine": 1,
                    },
                }
            )
        self.clock = t + tool_ms + rng.uniform(5, 50)
        return out

    def batch(self, size: int) -> list[dict]:
        """The next `size` events; a turn cut at the end of a batch continues in the next."""
        if self.n == 0:
            self.pending.append(self.root())
        while len(self.pending) < size:
            self.pending.extend(self.turn_events())
        out, self.pending = self.pending[:size], self.pending[size:]
        return out


def make_workspace(root: Path) -> list[Path]:
    files = []
    for i in range(N_FILES):
        p = root / "src" / f"pkg{i % 10}" / f"module_{i:03d}.py"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f'"""module {i}"""\n\n' + "".join(f"def f{j}(x):\n    return x + {j}\n\n" for j in range(40)))
        files.append(p)
    return files


# ---------------------------------------------------------------- statistics


def pctl(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def load_note() -> str:
    try:
        la = os.getloadavg()
    except OSError:
        return "load average unavailable"
    return f"load average {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} on {os.cpu_count()} cores"


def cpu_seconds(pid: int) -> float | None:
    """utime+stime of a process (Linux /proc), to say how busy the server was."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def machine_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of all cores from /proc/stat."""
    try:
        v = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return sum(v) - idle, sum(v)


class Load:
    """Who used the CPUs during a phase: the server, this benchmark client, everything else."""

    def __init__(self, server_pid: int):
        self.pid = server_pid

    def __enter__(self):
        self.t = time.perf_counter()
        self.m = machine_ticks()
        self.s = cpu_seconds(self.pid)
        self.c = cpu_seconds(os.getpid())
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.t
        m, s, c = machine_ticks(), cpu_seconds(self.pid), cpu_seconds(os.getpid())
        self.wall = wall
        self.server = (s - self.s) / wall if s is not None and self.s is not None else float("nan")
        self.client = (c - self.c) / wall if c is not None and self.c is not None else float("nan")
        if m and self.m:
            hz = os.sysconf("SC_CLK_TCK")
            self.busy = (m[0] - self.m[0]) / hz / wall
        else:
            self.busy = float("nan")
        self.others = self.busy - self.server - self.client

    def __str__(self) -> str:
        return (
            f"{self.wall:.1f} s: CPUs busy {self.busy:.2f} of {os.cpu_count()} cores = server {self.server:.2f} + "
            f"bench client {self.client:.2f} + other processes {max(0.0, self.others):.2f}"
        )


# ---------------------------------------------------------------- the client


class Client:
    def __init__(self) -> None:
        self.lsp = make_test_lsp_client()
        self.ready: dict | None = None
        self.summaries: list[tuple[float, int]] = []  # (arrival perf_counter, eventCount)
        self.summary_event = asyncio.Event()
        self.refreshes = 0

        @self.lsp.feature("sessionprof/ready")
        def _ready(ls, params):
            self.ready = params if isinstance(params, dict) else params._asdict()
            self.summary_event.set()

        @self.lsp.feature("sessionprof/summary")
        def _summary(ls, params):
            count = params["eventCount"] if isinstance(params, dict) else params.eventCount
            self.summaries.append((time.perf_counter(), count))
            self.summary_event.set()

        @self.lsp.feature(lsp.WORKSPACE_INLAY_HINT_REFRESH)
        def _hr(ls, params):
            self.refreshes += 1

        @self.lsp.feature(lsp.WORKSPACE_CODE_LENS_REFRESH)
        def _lr(ls, params):
            self.refreshes += 1

        @self.lsp.feature(lsp.CLIENT_REGISTER_CAPABILITY)
        def _register(ls, params):  # VS Code accepts the configuration registration
            return None

    async def start(self, tmp: Path, workspace: Path, module: str = "sessionprof_ls") -> None:
        env = dict(os.environ)
        env["SESSIONPROF_STORE"] = str(tmp / "store.sqlite3")
        env["CLAUDE_CONFIG_DIR"] = str(tmp / "no-claude")
        env["CODEX_HOME"] = str(tmp / "no-codex")
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        (tmp / "no-claude").mkdir()
        (tmp / "no-codex").mkdir()
        await self.lsp.start_io(sys.executable, "-m", module, env=env, cwd=str(ROOT))
        caps = client_capabilities("visual_studio_code")
        caps.workspace.inlay_hint = lsp.InlayHintWorkspaceClientCapabilities(refresh_support=True)
        caps.workspace.code_lens = lsp.CodeLensWorkspaceClientCapabilities(refresh_support=True)
        uri = workspace.as_uri()
        await self.lsp.initialize_session(
            lsp.InitializeParams(
                capabilities=caps,
                root_uri=uri,
                root_path=str(workspace),
                workspace_folders=[lsp.WorkspaceFolder(uri=uri, name=workspace.name)],
                initialization_options={"sessionprof": {}},
            )
        )
        deadline = time.monotonic() + 30
        while self.ready is None:
            if time.monotonic() > deadline:
                raise SystemExit("the server sent no sessionprof/ready within 30 s")
            self.summary_event.clear()
            try:
                await asyncio.wait_for(self.summary_event.wait(), 0.5)
            except TimeoutError:
                pass

    @property
    def pid(self) -> int:
        return self.lsp._server.pid

    async def wait_count(self, count: int, timeout: float) -> float:
        """Arrival time of the first summary with eventCount >= count."""
        deadline = time.monotonic() + timeout
        while True:
            found = next((at for at, c in self.summaries if c >= count), None)
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                last = self.summaries[-1][1] if self.summaries else None
                raise TimeoutError(f"no summary with eventCount >= {count} in {timeout} s (last: {last})")
            self.summary_event.clear()
            try:
                await asyncio.wait_for(self.summary_event.wait(), min(remaining, 0.5))
            except TimeoutError:
                pass

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.lsp.shutdown_session(), timeout=20)
        except Exception as exc:  # report, but still stop the process
            print(f"shutdown: {exc!r}", file=sys.stderr)
        await self.lsp.stop()


# ---------------------------------------------------------------- profiling


class Phase:
    """One measured phase: the CPU use of everyone (Load) and, with --profile DIR, a
    `py-spy record` of the server into DIR/<name>.txt (raw collapsed stacks)."""

    def __init__(self, name: str, pid: int, out_dir: str | None):
        self.name, self.pid, self.out_dir = name, pid, Path(out_dir) if out_dir else None
        self.proc = None
        self.load = Load(pid)

    async def __aenter__(self) -> Load:
        if self.out_dir is not None:
            import shutil
            import subprocess

            spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self.proc = subprocess.Popen(
                [
                    spy,
                    "record",
                    "--format",
                    "raw",
                    "--rate",
                    "200",
                    "--nonblocking",
                    "-o",
                    str(self.out_dir / f"{self.name}.txt"),
                    "--pid",
                    str(self.pid),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            await asyncio.sleep(0.3)  # let it attach
        return self.load.__enter__()

    async def __aexit__(self, *exc) -> None:
        self.load.__exit__(*exc)
        if self.proc is not None:
            import signal

            self.proc.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
            await asyncio.to_thread(self.proc.wait, 30)


def profile_report(path: Path, top: int = 15) -> str:
    """The functions with the most samples (inclusive and self) in a raw py-spy file."""
    import re

    incl: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        count = int(n)
        frames = [re.sub(r":\d+\)$", ")", f.strip()) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith("process ") and not f.startswith("thread ")]
        total += count
        for f in set(frames):
            incl[f] = incl.get(f, 0) + count
        if frames:
            own[frames[-1]] = own.get(frames[-1], 0) + count
    out = [f"{path.stem}: {total} samples"]
    for title, table in (("inclusive", incl), ("self", own)):
        out.append(f"  {title}:")
        for f, n in sorted(table.items(), key=lambda kv: -kv[1])[:top]:
            out.append(f"    {100 * n / max(1, total):5.1f}%  {f}")
    return "\n".join(out)


# ---------------------------------------------------------------- phases


async def phase_ingest(
    session: aiohttp.ClientSession, url: str, headers: dict, work: Workload, total: int, batch: int, concurrency: int
) -> dict:
    # bodies are encoded before the clock starts: the client's cost is not the server's
    bodies = []
    made = 0
    while made < total:
        b = work.batch(min(batch, total - made))
        made += len(b)
        bodies.append(orjson.dumps(b))
    sizes = [len(b) for b in bodies]
    queue = list(reversed(bodies))
    accepted = 0
    rejected = 0
    lat: list[float] = []

    async def worker():
        nonlocal accepted, rejected
        while queue:
            body = queue.pop()
            t = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as r:
                data = await r.json(loads=orjson.loads)
                if r.status != 200:
                    raise SystemExit(f"POST /v1/events: HTTP {r.status} {data}")
            lat.append((time.perf_counter() - t) * 1000)
            accepted += data["accepted"]
            rejected += len(data["rejected"])

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - t0
    return {
        "events": accepted,
        "rejected": rejected,
        "wall": wall,
        "rate": accepted / wall,
        "batches": len(bodies),
        "bytes_per_event": sum(sizes) / max(1, made),
        "post_p50": pctl(lat, 50),
        "post_p99": pctl(lat, 99),
        "post_max": max(lat),
    }


async def phase_summary(
    client: Client, session: aiohttp.ClientSession, url: str, headers: dict, work: Workload, samples: int
) -> dict:
    rng = random.Random(11)
    lat: list[float] = []
    post_lat: list[float] = []
    count = client.summaries[-1][1] if client.summaries else 0
    for k in range(samples):
        ev = work.batch(1)[0]
        ev["id"] = f"probe-{k}-{time.time_ns()}"
        ev["name"] = f"probe {k} at {time.time_ns()}"
        body = orjson.dumps([ev])
        count += 1
        n_before = len(client.summaries)
        t = time.perf_counter()
        async with session.post(url, data=body, headers=headers) as r:
            data = await r.json(loads=orjson.loads)
        post_lat.append((time.perf_counter() - t) * 1000)
        if data.get("accepted") != 1:
            raise SystemExit(f"probe not accepted: {data}")
        await client.wait_count(count, timeout=30)
        arrival = next(a for a, c in client.summaries[n_before:] if c >= count)
        lat.append((arrival - t) * 1000)
        # arrivals are spread out like an agent's: sometimes right after a summary, sometimes later
        await asyncio.sleep(rng.uniform(0.0, 0.4))
    return {
        "n": len(lat),
        "p50": pctl(lat, 50),
        "p99": pctl(lat, 99),
        "max": max(lat),
        "post_p50": pctl(post_lat, 50),
        "post_p99": pctl(post_lat, 99),
    }


class Streamer(threading.Thread):
    """Posts `batch`-event batches every `period` s from its own thread (own connection)."""

    def __init__(self, url: str, token: str, work: Workload, batch: int, period: float, seconds: float):
        super().__init__(daemon=True)
        u = urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.token = token
        self.period = period
        self.deadline_s = seconds
        self.bodies = [orjson.dumps(work.batch(batch)) for _ in range(int(seconds / period) + 2)]
        self.batch = batch
        self.sent = 0
        self.late = 0  # ticks where the previous POST had not returned in time
        self.post_ms: list[float] = []
        self.error: str | None = None
        self.stop_flag = threading.Event()

    def run(self) -> None:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        start = time.perf_counter()
        try:
            for i, body in enumerate(self.bodies):
                due = start + i * self.period
                now = time.perf_counter()
                if now - start >= self.deadline_s or self.stop_flag.is_set():
                    break
                if due > now:
                    time.sleep(due - now)
                else:
                    self.late += 1
                t = time.perf_counter()
                conn.request("POST", "/v1/events", body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.post_ms.append((time.perf_counter() - t) * 1000)
                if resp.status != 200:
                    self.error = f"HTTP {resp.status}: {data[:200]!r}"
                    return
                self.sent += orjson.loads(data)["accepted"]
        except Exception as exc:
            self.error = repr(exc)
        finally:
            self.elapsed = time.perf_counter() - start
            conn.close()


async def phase_requests(
    client: Client, doc: Path, ready: dict, work: Workload, seconds: float, interval: float
) -> dict:
    uri = doc.as_uri()
    client.lsp.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="python", version=1, text=doc.read_text())
        )
    )
    hint_params = lsp.InlayHintParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=lsp.Range(lsp.Position(0, 0), lsp.Position(200, 0))
    )
    lens_params = lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    # the document must actually have a hint and lenses, or we would time empty answers
    hints = await client.lsp.text_document_inlay_hint_async(hint_params)
    lenses = await client.lsp.text_document_code_lens_async(lens_params)
    if not hints or not lenses:
        raise SystemExit(f"{doc} has no inlay hint ({hints!r}) or no code lens ({lenses!r}) before streaming")

    streamer = Streamer(ready["endpoint"]["url"], ready["endpoint"]["token"], work, 1000, 0.1, seconds)
    hint_ms: list[float] = []
    lens_ms: list[float] = []
    empty = 0
    streamer.start()
    start = time.perf_counter()
    tick = 0
    while time.perf_counter() - start < seconds:
        t = time.perf_counter()
        h = await client.lsp.text_document_inlay_hint_async(hint_params)
        t1 = time.perf_counter()
        c = await client.lsp.text_document_code_lens_async(lens_params)
        t2 = time.perf_counter()
        hint_ms.append((t1 - t) * 1000)
        lens_ms.append((t2 - t1) * 1000)
        empty += (not h) + (not c)
        tick += 1
        due = start + tick * interval
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
    streamer.stop_flag.set()
    await asyncio.to_thread(streamer.join, 30)
    if streamer.error:
        raise SystemExit(f"background streamer failed: {streamer.error}")
    return {
        "hint": hint_ms,
        "lens": lens_ms,
        "empty": empty,
        "streamed": streamer.sent,
        "stream_rate": streamer.sent / streamer.elapsed,
        "late": streamer.late,
        "stream_post_p50": pctl(streamer.post_ms, 50),
        "stream_post_p99": pctl(streamer.post_ms, 99),
    }


# ---------------------------------------------------------------- main


async def run(args) -> None:
    with tempfile.TemporaryDirectory(prefix="sessionprof-bench-") as d:
        tmp = Path(d)
        workspace = tmp / "workspace"
        files = make_workspace(workspace)
        work = Workload(workspace, files)
        client = Client()
        await client.start(tmp, workspace, args.server_module)
        pid = client.pid
        ready = client.ready
        endpoint = ready["endpoint"] if isinstance(ready["endpoint"], dict) else ready["endpoint"]._asdict()
        ready = {"endpoint": endpoint}
        url = endpoint["url"] + "/v1/events"
        headers = {"Authorization": f"Bearer {endpoint['token']}", "Content-Type": "application/json"}
        print(f"server pid {pid}, endpoint {endpoint['url']}, {load_note()}", flush=True)
        try:
            conn = aiohttp.TCPConnector(limit=8)
            async with aiohttp.ClientSession(connector=conn) as session:
                async with Phase("ingest", pid, args.profile) as load_ing:
                    ing = await phase_ingest(session, url, headers, work, args.events, args.batch, args.concurrency)
                print(
                    f"ingest: {ing['events']:,} events in {ing['wall']:.2f} s = {ing['rate']:,.0f} events/s "
                    f"({ing['bytes_per_event']:.0f} B/event, {ing['rejected']} rejected)",
                    flush=True,
                )
                # let the last summary of the ingest land, then measure from a quiet state
                await client.wait_count(ing["events"], timeout=120)
                await asyncio.sleep(0.5)
                print(f"  summaries during ingest: {len(client.summaries)}", flush=True)
                async with Phase("summary", pid, args.profile) as load_summ:
                    summ = await phase_summary(client, session, url, headers, work, args.samples)
                print(f"summary latency: p50 {summ['p50']:.1f} ms, p99 {summ['p99']:.1f} ms", flush=True)
            # the file with the most slow tool calls: it has both a hint and lenses
            doc = pick_document(work)
            async with Phase("requests", pid, args.profile) as load_req:
                req = await phase_requests(client, doc, ready, work, args.seconds, args.interval)
            final = client.summaries[-1][1] if client.summaries else 0
        finally:
            await client.stop()

    hint, lens = req["hint"], req["lens"]
    rows = [
        (
            f"ingest (POST /v1/events, batches of {args.batch})",
            f"{ing['rate']:,.0f} events/s",
            "",
            "",
            f">= {TARGET_INGEST:,} events/s",
            ing["rate"] >= TARGET_INGEST,
        ),
        (
            f"event -> sessionprof/summary ({summ['n']} samples)",
            f"{summ['p50']:.1f} ms",
            f"{summ['p99']:.1f} ms",
            f"{summ['max']:.1f} ms",
            f"p99 <= {TARGET_SUMMARY_P99:.0f} ms",
            summ["p99"] <= TARGET_SUMMARY_P99,
        ),
        (
            f"textDocument/inlayHint under load ({len(hint)})",
            f"{pctl(hint, 50):.2f} ms",
            f"{pctl(hint, 99):.2f} ms",
            f"{max(hint):.2f} ms",
            f"p99 <= {TARGET_REQUEST_P99:.0f} ms",
            pctl(hint, 99) <= TARGET_REQUEST_P99,
        ),
        (
            f"textDocument/codeLens under load ({len(lens)})",
            f"{pctl(lens, 50):.2f} ms",
            f"{pctl(lens, 99):.2f} ms",
            f"{max(lens):.2f} ms",
            f"p99 <= {TARGET_REQUEST_P99:.0f} ms",
            pctl(lens, 99) <= TARGET_REQUEST_P99,
        ),
    ]
    print()
    print(
        f"sessionprof-ls server benchmark: one session, {args.events:,} events before streaming, {final:,} at the end"
    )
    head = ("measure", "p50 / rate", "p99", "max", "target", "")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(5)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=False))
    print(line)
    print("-" * len(line))
    for r in rows:
        print(
            "  ".join(str(c).ljust(w) for c, w in zip(r[:5], widths, strict=True)) + "  " + ("ok" if r[5] else "MISSED")
        )
    print()
    print(
        f"ingest detail: {ing['batches']} POSTs, {ing['bytes_per_event']:.0f} B/event, concurrency "
        f"{args.concurrency}, POST round trip p50 {ing['post_p50']:.1f} ms / p99 {ing['post_p99']:.1f} ms / "
        f"max {ing['post_max']:.1f} ms, {ing['wall']:.1f} s wall"
    )
    print(f"summary detail: single-event POST round trip p50 {summ['post_p50']:.1f} ms / p99 {summ['post_p99']:.1f} ms")
    print(
        f"under load: streamed {req['streamed']:,} events at {req['stream_rate']:,.0f} events/s "
        f"(target 10,000; {req['late']} late ticks), batch POST p50 {req['stream_post_p50']:.1f} ms / "
        f"p99 {req['stream_post_p99']:.1f} ms; {req['empty']} empty answers"
    )
    print(f"machine: {load_note()} at the end. CPU use per phase (1.00 = one core):")
    for name, load in (("ingest", load_ing), ("summary", load_summ), ("requests", load_req)):
        print(f"  {name:8s} {load}")
    if args.profile:
        for name in ("ingest", "summary", "requests"):
            f = Path(args.profile) / f"{name}.txt"
            if f.exists():
                print()
                print(profile_report(f))


def pick_document(work: Workload) -> Path:
    """The file read by the most slow tool calls: it has an inlay hint and code lenses."""
    return Path(max(work.slow_reads, key=work.slow_reads.get))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=100_000, help="events in the session before phases 2 and 3")
    ap.add_argument("--batch", type=int, default=1000, help="events per POST in phase 1")
    ap.add_argument("--concurrency", type=int, default=2, help="POSTs in flight in phase 1")
    ap.add_argument("--samples", type=int, default=100, help="single-event POSTs in phase 2")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of phase 3")
    ap.add_argument("--interval", type=float, default=0.02, help="seconds between hint+lens requests in phase 3")
    ap.add_argument(
        "--server-module",
        default="sessionprof_ls",
        help="run `python -m MODULE` as the server (to compare a variant on PYTHONPATH)",
    )
    ap.add_argument(
        "--profile",
        metavar="DIR",
        help="py-spy record the server per phase into DIR/<phase>.txt (collapsed stacks; `pip install py-spy`)",
    )
    args = ap.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
