"""Server time of the web UI's first paint, through the real language server over stdio.

Starts `sessionprof-ls --store S` (a store holding one synthetic session of N events,
bench/flame_synth.py), initializes it as an editor would, and times the requests the web
UI sends for its first paint (index.html/app.js: sessionprof/flameGraph time/time/base64, then
sessionprof/performance with includeEvents and includeMessages false; pipelined) until both
answers are read:
  - cold: at once after `initialized` (store load + analysis + both answers);
  - settled: after the server's own start-up work for the current session is done
    (waits --settle seconds first), as when a user opens the panel;
  - warm: the same requests again.
Target (issue 13): the real-server first paint of 100k events <= 0.5 s.
Run: .venv/bin/python bench/bench_server_first_paint.py [--events 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from flame_synth import synthesize, to_events  # noqa: E402


class Client:
    """A bare JSON-RPC client over the server's stdio (answers its requests with defaults)."""

    def __init__(self, argv: list[str], env: dict) -> None:
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
        )
        self.next_id = 0

    def send(self, obj: dict) -> None:
        body = json.dumps(obj).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: dict) -> int:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id

    def read(self) -> dict:
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("server closed its output")
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def wait(self, ids: set[int]) -> dict[int, dict]:
        out = {}
        while ids - out.keys():
            msg = self.read()
            if "method" in msg and "id" in msg:  # a request from the server
                items = (msg.get("params") or {}).get("items")
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": [None] * len(items) if items else None})
            elif "id" in msg and "method" not in msg:
                if "error" in msg:
                    raise RuntimeError(msg["error"])
                out[msg["id"]] = msg["result"]
        return out

    def close(self) -> None:
        try:
            self.wait({self.request("shutdown", {})})
            self.send({"jsonrpc": "2.0", "method": "exit"})
            self.proc.wait(10)
        except Exception:
            self.proc.kill()


def first_paint(c: Client, sid: str) -> float:
    t = time.perf_counter()
    ids = {
        c.request("sessionprof/flameGraph", {"sessionId": sid, "view": "time", "weight": "time", "encoding": "base64"}),
        c.request("sessionprof/performance", {"sessionId": sid, "includeEvents": False, "includeMessages": False}),
    }
    c.wait(ids)
    return time.perf_counter() - t


def run_once(store: Path, sid: str, tmp: str, settle: float) -> dict:
    env = dict(os.environ, CLAUDE_CONFIG_DIR=str(Path(tmp) / "none"), CODEX_HOME=str(Path(tmp) / "none"))
    exe = Path(sys.executable).with_name("sessionprof-ls")
    c = Client([str(exe), "--store", str(store)], env)
    try:
        ws = {"uri": Path(tmp).as_uri(), "name": "bench"}  # the session's workspace: it is the current one
        c.wait(
            {
                c.request(
                    "initialize",
                    {"processId": os.getpid(), "rootUri": ws["uri"], "capabilities": {}, "workspaceFolders": [ws]},
                )
            }
        )
        c.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        if settle:
            time.sleep(settle)
        first = first_paint(c, sid)
        warm = first_paint(c, sid)
        return {"first": first, "warm": warm}
    finally:
        c.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--settle", type=float, default=5.0, help="seconds to wait after initialized for the settled case")
    args = ap.parse_args(argv)
    from sessionprof_ls.engine import Engine

    with tempfile.TemporaryDirectory() as tmp:
        fg = synthesize(args.events + 1)
        store = Path(tmp) / "store.sqlite"
        events = to_events(fg)
        events[0].setdefault("metadata", {})["workspace"] = str(Path(tmp).resolve())
        res = Engine(str(store)).ingest(events)
        assert not res["rejected"], res["rejected"][:3]
        sid = fg["sessionId"]
        cold, settled, warm = [], [], []
        for _ in range(args.repeat):
            r = run_once(store, sid, tmp, 0)
            cold.append(r["first"])
            warm.append(r["warm"])
            if args.settle:
                settled.append(run_once(store, sid, tmp, args.settle)["first"])
    med = statistics.median
    print(
        f"{args.events:,} events, load {os.getloadavg()[0]:.1f}: cold {med(cold):.3f} s {[round(x, 3) for x in cold]}; "
        f"settled {med(settled) if settled else float('nan'):.3f} s {[round(x, 3) for x in settled]}; "
        f"warm {med(warm):.3f} s {[round(x, 3) for x in warm]} (target 0.5 s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
