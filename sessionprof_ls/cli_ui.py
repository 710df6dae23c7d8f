"""`sessionprof ui [SESSION]`: the flame graph in a browser, no editor needed.

It runs the real server (`python -m sessionprof_ls`) as a child and speaks just
enough LSP over its stdio to start it (initialize, initialized) and learn its
loopback endpoint from `sessionprof/ready`; the server then serves the web UI,
follows the current folder's transcripts, and stops when this command does.
The URL carries the token in its fragment (`#token=`: a browser never sends the
fragment to a server; the page moves it to sessionStorage and sends it as
Authorization), which is also the form to paste over SSH with `--no-browser`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn
from urllib.parse import quote

from . import protocol as P
from .cli_store import CliError, open_engine, resolve

START_TIMEOUT = 60.0


def ui_url(endpoint: str, token: str, session_id: str | None = None) -> str:
    """The web UI's address: the session in the query, the token in the fragment."""
    query = f"?sessionId={quote(session_id, safe='')}" if session_id else ""
    return f"{endpoint.rstrip('/')}/{query}#token={quote(token, safe='')}"


class LspChild:
    """A server child process and the few LSP messages `ui` needs."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both are pipes
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        self.next_id = 0

    def send(self, msg: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **msg}).encode()
        self.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.stdin.flush()

    def request(self, method: str, params: Any) -> int:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.next_id

    def read(self) -> dict[str, Any] | None:
        """The next message, or None when the server has gone."""
        length = None
        while True:
            line = self.stdout.readline()
            if not line:
                return None
            line = line.strip()
            if not line:
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            return None
        body = self.stdout.read(length)
        if len(body) != length:
            return None
        msg: dict[str, Any] = json.loads(body)
        return msg

    def answer(self, msg: dict[str, Any]) -> None:
        """Requests from the server get a harmless reply: no settings (defaults), yes to progress."""
        if msg.get("method") == "workspace/configuration":
            result = [None for _ in (msg.get("params") or {}).get("items", [])]
        else:
            result = None
        self.send({"id": msg["id"], "result": result})


def start_server(store: str | None, port: int, workspace: Path) -> tuple[LspChild, dict[str, Any]]:
    """Start the server and wait for its endpoint: (child, the ready notification's params)."""
    argv = [sys.executable, "-m", "sessionprof_ls"]
    if store:
        argv += ["--store", store]
    if port:
        argv += ["--port", str(port)]
    child = LspChild(argv)
    timer = threading.Timer(START_TIMEOUT, child.proc.kill)
    timer.start()
    try:
        child.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": workspace.as_uri(),
                "workspaceFolders": [{"uri": workspace.as_uri(), "name": workspace.name}],
                "capabilities": {},
                "clientInfo": {"name": "sessionprof ui"},
            },
        )
        while True:
            msg = child.read()
            if msg is None:
                raise CliError(
                    f"the server stopped while starting (exit status {child.proc.wait()}; its messages are above)"
                )
            if msg.get("id") == 1 and "method" not in msg:
                if "error" in msg:
                    raise CliError(f"the server refused to start: {msg['error'].get('message')}")
                child.send({"method": "initialized", "params": {}})
            elif "id" in msg and "method" in msg:
                child.answer(msg)
            elif msg.get("method") == P.READY:
                return child, msg.get("params") or {}
    except BaseException:
        stop_server(child)
        raise
    finally:
        timer.cancel()


def stop_server(child: LspChild) -> None:
    try:
        child.request("shutdown", None)
        child.send({"method": "exit", "params": None})
        child.stdin.close()
        child.proc.wait(timeout=10)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        child.proc.kill()
        child.proc.wait()


def open_browser(url: str) -> bool:
    """True when a browser was started; False on a machine without one (SSH)."""
    import webbrowser

    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False  # no desktop (SSH): webbrowser would start a console browser in this terminal
    try:
        return bool(webbrowser.open(url))
    except webbrowser.Error:
        return False


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt


def run_ui(args: argparse.Namespace) -> int:
    engine = open_engine(args.store)
    sid = None
    if args.session:
        engine, sid = resolve(engine, args.session)
        if str(engine.store.path) == ":memory:":
            raise CliError(
                f"the store is read-only and {args.session} is not in it: "
                "`sessionprof import` it into another --store first"
            )
    else:
        sid = engine.latest_session()
    store_path = str(engine.store.path)
    engine.store.close()
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the server too, like Ctrl-C
    child, ready = start_server(store_path, args.port, Path.cwd())
    if sid:  # issue 13: the server builds the page's first answers (warm.py) while the browser starts
        child.request("workspace/executeCommand", {"command": P.CMD_SELECT_SESSION, "arguments": [sid]})
    try:
        endpoint = ready.get("endpoint") or {}
        if not endpoint.get("url") or not endpoint.get("token"):
            raise CliError(
                f"the server started without its web endpoint ({ready.get('degraded') or 'no reason given'})"
            )
        url = ui_url(endpoint["url"], endpoint["token"], sid)
        print(f"sessionprof web UI: {url}", flush=True)
        if args.no_browser or not open_browser(url):
            port = endpoint["url"].rstrip("/").rsplit(":", 1)[-1]
            print(
                f"open that URL in a browser on this machine (from another one: ssh -L {port}:127.0.0.1:{port} "
                "this-host, then the same URL there); Ctrl-C stops the server",
                flush=True,
            )
        else:
            print("opened in your browser; Ctrl-C stops the server", flush=True)
        while True:  # answer the server until it stops or we are interrupted
            msg = child.read()
            if msg is None:
                raise CliError(f"the server stopped (exit status {child.proc.wait()})")
            if "id" in msg and "method" in msg:
                child.answer(msg)
    except KeyboardInterrupt:
        return 0
    finally:
        stop_server(child)
