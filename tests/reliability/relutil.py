"""Helpers for the reliability suite: the real server as a subprocess driven over
stdio by a small threaded LSP client (so a test can SIGKILL it, restart it and
time requests while other threads hammer its HTTP endpoint), and HTTP calls."""

from __future__ import annotations

import http.client as httpclient
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tests") not in sys.path:  # bench/bench_load.py imports this file with only its folder on the path
    sys.path.insert(0, str(ROOT / "tests"))
from server_options import ServerOptions, server_command  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
T0 = 1_760_000_000_000

# inputs tried by the property-based and fuzz tests, printed at the end of the run
INPUTS_TRIED: dict[str, int] = {}


def count(kind: str, n: int = 1) -> None:
    INPUTS_TRIED[kind] = INPUTS_TRIED.get(kind, 0) + n


class ServerProc:
    """The real server (server_options.server_command) as a child process with a minimal LSP client."""

    def __init__(self, tmp: Path, store: Path, nofile: int | None = None, **options):
        """`options`: ServerOptions' fields; `nofile`: the server's descriptor limit."""
        self.tmp = Path(tmp)
        self.store = Path(store)
        server = ServerOptions(store=self.store, **options)
        self.workspace = server.workspace
        self.settings = server.settings
        self.stderr = open(self.tmp / f"server-{time.monotonic_ns()}.log", "wb")
        self.log_path = Path(self.stderr.name)

        def limits() -> None:  # a descriptor limit like a default desktop session's (ulimit -n)
            if nofile:
                import resource

                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.proc = subprocess.Popen(
            server_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=server.env(self.tmp),
            cwd=str(ROOT),
            preexec_fn=limits if nofile else None,
        )
        self.pid = self.proc.pid
        self._ids = itertools.count(1)
        self._pending: dict[int, Future] = {}
        self._lock = threading.Lock()
        self.ready: dict | None = None
        self._ready = threading.Event()
        self.notifications: list[tuple[str, object]] = []
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # -- framing -------------------------------------------------------------
    def _send(self, msg: dict) -> None:
        data = json.dumps(msg).encode()
        with self._lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
            self.proc.stdin.flush()

    def _read_loop(self) -> None:
        out = self.proc.stdout
        try:
            while True:
                length = None
                while True:
                    line = out.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                msg = json.loads(out.read(length))
                self._dispatch(msg)
        except (OSError, ValueError):
            return
        finally:
            for fut in list(self._pending.values()):
                if not fut.done():
                    fut.set_exception(ConnectionError("server exited"))

    def _dispatch(self, msg: dict) -> None:
        if "id" in msg and "method" in msg:  # a request from the server: answer as a plain client would
            result = (
                [None] * len(msg.get("params", {}).get("items", []))
                if msg["method"] == "workspace/configuration"
                else None
            )
            if msg["method"] == "workspace/applyEdit":
                self.notifications.append((msg["method"], msg.get("params")))
                result = {"applied": True}
            try:
                self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
            except OSError:
                pass
            return
        if "id" in msg:
            fut = self._pending.pop(msg["id"], None)
            if fut is not None:
                if "error" in msg:
                    fut.set_exception(RuntimeError(msg["error"].get("message")))
                else:
                    fut.set_result(msg.get("result"))
            return
        method = msg.get("method")
        if method == "sessionprof/ready":
            self.ready = msg["params"]
            self._ready.set()
        elif method != "sessionprof/summary":
            self.notifications.append((method, msg.get("params")))

    # -- API -------------------------------------------------------------------
    def request_async(self, method: str, params) -> Future:
        rid = next(self._ids)
        fut: Future = Future()
        self._pending[rid] = fut
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return fut

    def request(self, method: str, params, timeout: float = 60):
        return self.request_async(method, params).result(timeout)

    def notify(self, method: str, params) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def export_file(self, session: str, fmt: str) -> Path:
        """The file `sessionprof.export` writes for a session in format `fmt`, asked over HTTP."""
        body = json.dumps(
            {
                "method": "workspace/executeCommand",
                "params": {"command": "sessionprof.export", "arguments": [session, fmt]},
            }
        ).encode()
        status, _, answer = http(self.url, "/v1/rpc", body, token=self.token)
        assert status == 200, answer
        return Path(json.loads(answer)["result"]["path"])

    def performance_when_stored(self, session: str, timeout: float = 20) -> dict:
        """sessionprof/performance of a session once its ingested events are stored (it errors before)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.request("sessionprof/performance", {"sessionId": session, "includeEvents": False})
            except RuntimeError:
                assert time.monotonic() < deadline
                time.sleep(0.2)

    def initialize(self, timeout: float = 60) -> dict:
        ws = self.workspace
        params = {
            "processId": os.getpid(),
            "capabilities": {
                "workspace": {
                    "applyEdit": True,
                    "workspaceEdit": {"documentChanges": True, "resourceOperations": ["create"]},
                }
            },
            "rootUri": ws.as_uri() if ws else None,
            "workspaceFolders": [{"uri": ws.as_uri(), "name": ws.name}] if ws else None,
            "initializationOptions": {"sessionprof": self.settings},
        }
        self.request("initialize", params, timeout)
        self.notify("initialized", {})
        if not self._ready.wait(timeout):
            raise AssertionError("no sessionprof/ready from the server")
        return self.ready

    @property
    def url(self) -> str:
        return self.ready["endpoint"]["url"]

    @property
    def token(self) -> str:
        return self.ready["endpoint"]["token"]

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, nothing the process can do about it."""
        os.kill(self.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.stderr.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.request("shutdown", None, timeout=10)
                self.notify("exit", None)
                self.proc.wait(10)
            except Exception:
                self.proc.kill()
                self.proc.wait(10)
        self.stderr.close()

    def peak_rss_kib(self) -> int:
        return _status_kib(self.pid, "VmHWM")

    def rss_kib(self) -> int:
        return _status_kib(self.pid, "VmRSS")


def _status_kib(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def start_server(tmp: Path, **kw) -> ServerProc:
    srv = ServerProc(tmp, kw.pop("store", tmp / "store.db"), **kw)
    try:
        srv.initialize()
    except BaseException:
        srv.proc.kill()
        raise
    return srv


def start_quiet_server(tmp: Path) -> ServerProc:
    """A server on an empty workspace `tmp/ws` (its `.ws`) that follows no transcripts: it
    holds only what a test ingests."""
    ws = tmp / "ws"
    ws.mkdir()
    srv = start_server(tmp, workspace=ws, settings={"followTranscripts": False})
    srv.ws = ws
    return srv


def http(
    url: str,
    path: str,
    body: bytes | None = None,
    *,
    token: str | None = None,
    method: str | None = None,
    headers: dict | None = None,
    timeout: float = 30,
) -> tuple[int, dict, bytes]:
    """One request on a fresh connection: (status, headers, body)."""
    u = urlparse(url)
    conn = httpclient.HTTPConnection(u.hostname, u.port, timeout=timeout)
    hdrs = dict(headers or {})
    if token is not None:
        hdrs.setdefault("Authorization", f"Bearer {token}")
    if body is not None and path.startswith("/v1/rpc"):
        hdrs.setdefault("Content-Type", "application/json")  # the only type /v1/rpc takes
    try:
        conn.request(method or ("POST" if body is not None else "GET"), path, body=body, headers=hdrs)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def store_blobs(store: Path) -> list[bytes]:
    """Every stored event JSON, read with sqlite3 directly (one row per batch, NDJSON)."""
    import sqlite3

    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return [line for (data,) in db.execute("SELECT data FROM batches") for line in bytes(data).split(b"\n") if line]
    finally:
        db.close()


def store_event_ids(store: Path) -> list[tuple[str, str]]:
    """(session id, event id) of every stored event."""
    out = []
    for raw in store_blobs(store):
        ev = json.loads(raw)
        out.append((ev["sessionId"], ev["id"]))
    return out


TS = "2025-10-09T08:00:0{}.000Z"  # a Claude Code line's timestamp at second {}


def claude_user(sid: str, cwd: str, uuid: str, second: int, content, parent: str | None = None, **extra) -> dict:
    """A Claude Code transcript's user line (a prompt, or tool results as content blocks)."""
    line = {"type": "user", "sessionId": sid, "cwd": cwd, "uuid": uuid}
    if parent:
        line["parentUuid"] = parent
    return {**line, "timestamp": TS.format(second), **extra, "message": {"role": "user", "content": content}}


def claude_assistant(sid: str, cwd: str, content: list, request: str = "r1", message: str = "m1") -> dict:
    """Claude Code's assistant line "a1" (answering "u1" at second 1): `content` blocks, 10 in / 5 out."""
    return {
        "type": "assistant",
        "sessionId": sid,
        "cwd": cwd,
        "uuid": "a1",
        "parentUuid": "u1",
        "requestId": request,
        "timestamp": TS.format(1),
        "message": {
            "id": message,
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": content,
            "usage": {"input_tokens": 10, "output_tokens": 5},
        },
    }


def claude_project(tmp: Path) -> tuple[Path, Path, Path]:
    """(workspace tmp/ws, Claude config dir tmp/claude, the workspace's projects folder in it), created."""
    from sessionprof_ls.follow import claude_project_dir

    ws = tmp / "ws"
    ws.mkdir()
    claude = tmp / "claude"
    project = claude_project_dir(ws, claude)
    project.mkdir(parents=True)
    return ws, claude, project


def make_event(session: str, eid: str, i: int = 0, **meta) -> dict:
    ev = {
        "sessionId": session,
        "id": eid,
        "type": "tool_execution",
        "name": "Bash",
        "startTime": T0 + i * 10,
        "endTime": T0 + i * 10 + 5,
        "metadata": {"toolName": "Bash", "tokens": {"input": 10, "output": 2}, **meta},
    }
    return ev
