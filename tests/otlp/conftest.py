"""A real Arize Phoenix (scripts/install-phoenix.sh, its own venv) on loopback ports
with a temporary working directory, started and stopped by its process group."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Phoenix:
    def __init__(self, workdir: Path):
        out = (
            subprocess.run(
                ["bash", str(ROOT / "scripts" / "install-phoenix.sh")], check=True, capture_output=True, text=True
            )
            .stdout.strip()
            .splitlines()
        )
        self.exe = out[-1]
        self.workdir = workdir
        self.port = free_port()
        self.grpc = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> Phoenix:
        env = dict(
            os.environ,
            PHOENIX_WORKING_DIR=str(self.workdir),
            PHOENIX_PORT=str(self.port),
            PHOENIX_GRPC_PORT=str(self.grpc),
            PHOENIX_HOST="127.0.0.1",
            HOME=str(self.workdir),
        )
        env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
        log = open(self.workdir / "phoenix.log", "ab")
        self.proc = subprocess.Popen(
            [self.exe, "serve"], env=env, stdout=log, stderr=log, cwd=self.workdir, start_new_session=True
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"phoenix exited: {(self.workdir / 'phoenix.log').read_text()[-2000:]}")
            try:
                self.get("/v1/projects")
                return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("phoenix did not come up")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def get(self, path: str):
        with urllib.request.urlopen(self.url + path, timeout=10) as r:
            return json.loads(r.read())

    def spans(self) -> list[dict]:
        out, cursor = [], None
        while True:
            q = "/v1/projects/default/spans?limit=1000" + (f"&cursor={cursor}" if cursor else "")
            try:
                d = self.get(q)
            except urllib.error.HTTPError as exc:  # no project yet: nothing arrived
                if exc.code == 404:
                    return []
                raise
            out += d["data"]
            cursor = d.get("next_cursor")
            if not cursor:
                return out

    def wait_spans(self, n: int, timeout: float = 60) -> list[dict]:
        """Phoenix ingests in the background: poll until n spans (then a moment more, so extra ones show)."""
        deadline = time.time() + timeout
        spans = self.spans()
        while len(spans) < n and time.time() < deadline:
            time.sleep(0.5)
            spans = self.spans()
        time.sleep(1.5)
        return self.spans()


@pytest.fixture
def phoenix(tmp_path):
    px = Phoenix(tmp_path / "phoenix")
    px.workdir.mkdir()
    px.start()
    yield px
    px.kill()
