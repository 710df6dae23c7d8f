"""Shared by the top-level tests: the real fixtures (tests/fixtures, a copy of
shared/fixtures) and a temp workspace laid out for a fixture session."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
WEB_BUNDLE = "app.bundle.js"  # made of the web modules by scripts/build-web.sh (minified)


def web_modules() -> list[Path]:
    """The web UI's own modules: every editor-clients/web/*.js but the bundle made of them."""
    return sorted(p for p in (ROOT / "editor-clients" / "web").glob("*.js") if p.name != WEB_BUNDLE)


# Debian's Chromium, with the flags that work on these machines (shared/TESTING.md)
CHROMIUM = os.environ.get("SESSIONPROF_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def send_response(handler: Any, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
    """One whole answer of a test or bench HTTP handler (BaseHTTPRequestHandler), never cached."""
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Cache-Control", "no-store")
    for k, v in (headers or {}).items():
        handler.send_header(k, v)
    handler.end_headers()
    handler.wfile.write(body)


def open_page(pw: Any, width: int = 1280, height: int = 900) -> tuple[Any, Any, list[str]]:
    """Chromium with the shared flags, one page, and the list its uncaught errors go to."""
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return browser, page, errors


def claude_project_name(workspace: Path) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in str(workspace))


@dataclass
class FixtureWorkspace:
    """A workspace folder + Claude config dir holding one real transcript, with the
    files the session read created at the same paths relative to its cwd."""

    root: Path
    claude_dir: Path
    codex_dir: Path
    transcript: Path
    session_id: str
    cwd: str
    files: dict[str, dict] = field(default_factory=dict)  # workspace-relative path -> {"tokens", "reads"}


def make_fixture_workspace(
    tmp: Path, fixture: str = "claude-code/spotter-subagent.jsonl", follow: bool = True
) -> FixtureWorkspace:
    from sessionprof_ls.importers import import_file

    root = tmp / "workspace"
    root.mkdir(parents=True, exist_ok=True)
    claude = tmp / "claude"
    codex = tmp / "codex"
    codex.mkdir(parents=True, exist_ok=True)
    src = FIXTURES / fixture
    project = claude / "projects" / claude_project_name(root)
    project.mkdir(parents=True, exist_ok=True)
    transcript = project / src.name
    if follow:
        shutil.copy(src, transcript)
    events = import_file(src).events
    cwd = next((e["metadata"]["workspace"] for e in events if (e.get("metadata") or {}).get("workspace")), "")
    session_id = events[0]["sessionId"]
    files: dict[str, dict] = {}
    for e in events:
        md = e.get("metadata") or {}
        path = md.get("filePath")
        if e["type"] != "file_read" or not path:
            continue
        rel = os.path.relpath(path, cwd) if os.path.isabs(path) else path
        if rel.startswith(".."):
            continue
        info = files.setdefault(rel, {"tokens": 0, "reads": 0})
        info["tokens"] += md.get("fileTokens") or 0
        info["reads"] += 1
    for rel in list(files):
        target = root / rel
        if rel in (".", "") or target.is_dir():
            del files[rel]
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.write_text(f"# {rel}\nline 2\nline 3\n")
    return FixtureWorkspace(root, claude, codex, transcript, session_id, cwd, files)


def response_event(session: str, workspace: Path, source: str, t0: float) -> dict:
    """A session's first model response ("r0", 100 ms at t0): its model, source and workspace."""
    return {
        "sessionId": session,
        "id": "r0",
        "type": "ai_response",
        "name": "Response #1",
        "startTime": t0,
        "endTime": t0 + 100,
        "metadata": {
            "model": "claude-sonnet-4-5-20250929",
            "source": source,
            "workspace": str(workspace),
            "tokens": {"input": 100, "output": 10},
        },
    }


def read_events(session: str, paths: list[str], tokens: int, t0: float) -> list[dict]:
    """One 5 ms Read ("f0", "f1", ...) of each path, 10 ms apart from t0 + 200, each `tokens` large."""
    return [
        {
            "sessionId": session,
            "id": f"f{k}",
            "type": "file_read",
            "name": "Read",
            "startTime": t0 + 200 + k * 10,
            "endTime": t0 + 205 + k * 10,
            "metadata": {"filePath": path, "fileTokens": tokens},
        }
        for k, path in enumerate(paths)
    ]


def turn_events(
    session: str,
    workspace: str | None,
    t0: float,
    file_path: str,
    file_tokens: int,
    tokens: tuple[dict[str, int], dict[str, int]],
    title: str | None = None,
) -> list[dict]:
    """Response "r1" (2 s from t0), a Read "f1" of `file_path` (0.5 s), response "r2" (1.5 s):
    the responses' `tokens` in order, `workspace` (if any) on each, `title` on the first."""
    meta = {"workspace": workspace} if workspace else {}
    model = "claude-sonnet-4-5-20250929"
    first = {**meta, "model": model, **({"sessionTitle": title} if title else {}), "tokens": tokens[0]}
    spans = [
        ("r1", "ai_response", "Response #1", 0, 2000, first),
        ("f1", "file_read", file_path, 2000, 2500, {**meta, "filePath": file_path, "fileTokens": file_tokens}),
        ("r2", "ai_response", "Response #2", 2500, 4000, {**meta, "model": model, "tokens": tokens[1]}),
    ]
    return [
        {
            "sessionId": session,
            "id": i,
            "type": kind,
            "name": name,
            "startTime": t0 + a,
            "endTime": t0 + b,
            "metadata": m,
        }
        for i, kind, name, a, b, m in spans
    ]


async def wait_until(pred: Callable[[], bool], timeout: float) -> bool:
    """Whether `pred()` came true within `timeout` s of the running loop, checked every 50 ms."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if pred():
            return True
        await asyncio.sleep(0.05)
    return False


def run_cli(
    tmp_path: Path, *args: str, store: Path | None = None, home: Path | None = None, columns: int | None = None
) -> subprocess.CompletedProcess[str]:
    """`sessionprof ARGS` in a fresh process, in tmp_path, with its own store and home folder
    (no agent folders of this machine) and the terminal width `columns` (None: not set)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "COLUMNS", "LINES")}
    env.update(SESSIONPROF_STORE=str(store or tmp_path / "store.db"), HOME=str(home or tmp_path / "home"))
    if columns:
        env["COLUMNS"] = str(columns)
    return subprocess.run(
        [sys.executable, "-m", "sessionprof_ls.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )


class SpanSink:
    """A stand-in OTLP/HTTP collector on loopback: answers 200 to every POST and hands each
    decoded ExportTraceServiceRequest to `received` (under `lock`). Tests and bench_otlp subclass it."""

    def __init__(self) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        sink = self
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                req = ExportTraceServiceRequest()
                req.ParseFromString(self.rfile.read(n))
                with sink.lock:
                    sink.received(req, self.headers, n)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def received(self, req: Any, headers: Any, nbytes: int) -> None:
        """One export request arrived: `req` decoded, `headers` its HTTP headers, `nbytes` its body size."""


def python_exe() -> str:
    return sys.executable


# From shared/fixtures/README.md: input, output, cache write, cache read, API requests, cost USD
CLAUDE_REFERENCE = {
    "agentlogs-compact": (10, 148, 2_128, 13_522, 1, 0.014287),
    "agentlogs-crud": (25, 1_508, 12_593, 148_958, 10, 0.114606),
    "agentlogs-subagent": (24, 276, 23_122, 20_952, 3, 0.097205),
    "agentlogs-todos": (24, 660, 2_151, 87_863, 6, 0.044397),
    "spotter-short": (3, 13, 13_835, 11_515, 1, 0.144448),
    "spotter-subagent": (1_576, 1_586, 25_842, 427_286, 12, 0.519593),
    "spotter-tool_heavy": (54, 212, 17_696, 88_231, 4, 0.226645),
}
# input (uncached), cached input, output, cost USD
CODEX_REFERENCE = {
    "agentlogs-crud": (3_097, 44_160, 300, 0.017348),
    "agentlogs-images": (27_026, 189_952, 2_163, 0.110819),
}
TOKEN_KEYS = ("input", "output", "cacheRead", "cacheWrite")


def token_sums(events: Iterable[dict]) -> tuple[dict[str, int], int]:
    """Tokens summed over the ai_response events that record them, and how many those are."""
    tot = dict.fromkeys(TOKEN_KEYS, 0)
    requests = 0
    for e in events:
        tokens = (e.get("metadata") or {}).get("tokens")
        if e["type"] == "ai_response" and tokens:
            requests += 1
            for k in tot:
                tot[k] += tokens[k]
    return tot, requests


def genai_cost(events: Iterable[dict]) -> float:
    """Priced here with genai-prices directly, each request on its own (the reference the
    importers' cost is checked against)."""
    from genai_prices import Usage, calc_price

    total = 0.0
    for e in events:
        m = e.get("metadata") or {}
        t = m.get("tokens")
        if e["type"] != "ai_response" or not t:
            continue
        usage = Usage(
            # genai-prices counts cache reads and writes inside input_tokens
            input_tokens=t["input"] + t["cacheRead"] + t["cacheWrite"],
            output_tokens=t["output"],
            cache_read_tokens=t["cacheRead"],
            cache_write_tokens=t["cacheWrite"],
            cache_write_1h_tokens=t.get("cacheWrite1h", 0),
        )
        total += float(calc_price(usage, model_ref=m["model"], provider_id=m.get("provider")).total_price)
    return total


def check_tree(events: list[dict], source: str | None = None) -> list[dict]:
    """One import is one tree: unique ids, no orphans, no span ending before it starts;
    with `source`, its top agent spans (returned) say that source."""
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids)), "duplicate ids in one import"
    known = set(ids)
    assert [e["id"] for e in events if e.get("parentId") and e["parentId"] not in known] == []
    for e in events:
        assert isinstance(e["startTime"], float | int), e["id"]
        assert e.get("endTime", e["startTime"]) >= e["startTime"], e["id"]
    tops = [e for e in events if e.get("parentId") is None and e["type"] == "agent"]
    if source is not None:
        assert tops and all(t["metadata"]["source"] == source for t in tops)
    return tops
