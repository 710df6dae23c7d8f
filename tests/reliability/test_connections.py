"""Issue 19 item 8 (and 10's stalled uploads): unauthenticated connections cannot starve
the endpoint. The server runs with a descriptor limit of 1024 (a desktop default); 1,100
connections are opened and left silent, half-sent (slowloris headers) or with a body
that never finishes, while an authenticated client keeps working and the transcript
follower keeps importing. Idle ones are closed by the server; the log stays short."""

from __future__ import annotations

import json
import resource
import socket
import threading
import time

import orjson
from relutil import T0, claude_project, claude_user, http, make_event, start_server

N_IDLE = 1100


def _open_all(port: int, n: int) -> list[socket.socket]:
    socks = []
    for i in range(n):
        s = socket.socket()
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", port))
        except OSError:
            s.close()
            continue
        kind = i % 3
        try:
            if kind == 1:  # slowloris: a request head that never ends
                s.send(b"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            elif kind == 2:  # a body that never finishes (no token either)
                s.send(b"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 100000\r\n\r\n[" % port)
        except OSError:
            pass
        socks.append(s)
    return socks


def _closed_by_server(s: socket.socket) -> bool:
    try:
        s.settimeout(0.01)
        data = s.recv(65536)
        return data == b"" or data.startswith(b"HTTP/1.1 4")  # EOF, or a refusal then EOF
    except (TimeoutError, BlockingIOError):
        return False
    except OSError:
        return True


def test_idle_connections_cannot_starve_the_server(tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4 * N_IDLE:  # this process holds the other end of every connection
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8 * N_IDLE), hard))
    ws, claude, d = claude_project(tmp_path)
    transcript = d / "conn-cc.jsonl"
    transcript.write_text("")
    srv = start_server(tmp_path, workspace=ws, claude_dir=claude, nofile=1024, extra_env={"SESSIONPROF_LOG": "INFO"})
    port = int(srv.url.rsplit(":", 1)[1])
    socks: list[socket.socket] = []
    try:
        socks.extend(_open_all(port, N_IDLE))  # all held at once ...
        stop = threading.Event()

        def keep_pressing() -> None:  # ... and more keep coming while the client works
            while not stop.is_set():
                socks.extend(_open_all(port, 20))
                time.sleep(0.05)

        th = threading.Thread(target=keep_pressing)
        th.start()
        latencies = []
        try:
            for i in range(40):
                t = time.monotonic()
                status, _, body = http(
                    srv.url, "/v1/events", orjson.dumps([make_event("conn", f"c{i}", i)]), token=srv.token, timeout=10
                )
                assert status == 200, body
                status, _, body = http(
                    srv.url, "/v1/rpc", b'{"method": "sessionprof/sessions"}', token=srv.token, timeout=10
                )
                assert status == 200, body
                latencies.append(time.monotonic() - t)
        finally:
            stop.set()
            th.join(60)
        assert len(socks) >= N_IDLE * 0.95, f"only {len(socks)} connections could be opened"
        # the transcript follower still opens files while the connections are held
        lines = [claude_user("conn-cc", str(ws), "u1", 0, "hello")]
        transcript.write_text("".join(json.dumps(x) + "\n" for x in lines))
        deadline = time.monotonic() + 30
        while "conn-cc" not in {r["sessionId"] for r in srv.request("sessionprof/sessions", {})}:
            assert time.monotonic() < deadline, "the follower stopped while connections were held"
            time.sleep(0.2)
        latencies.sort()
        print(
            f"{len(socks)} idle connections held; {len(latencies)} authenticated round trips, "
            f"median {latencies[len(latencies) // 2] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
        )
        assert latencies[-1] < 5.0
        # the server closes what stays idle past its keep-alive timeout (10 s), the stalled bodies too
        deadline = time.monotonic() + 40
        while True:
            still = [s for s in socks if not _closed_by_server(s)]
            if not still:
                break
            assert time.monotonic() < deadline, f"{len(still)} idle connections are still open"
            time.sleep(1)
        assert srv.proc.poll() is None
        assert http(srv.url, "/v1/rpc", b'{"method": "sessionprof/sessions"}', token=srv.token)[0] == 200
    finally:
        for s in socks:
            s.close()
        srv.stop()
    log = srv.log_path.read_text(errors="replace")
    assert log.count("Traceback") < 50, f"{log.count('Traceback')} tracebacks logged"
    assert "Too many open files" not in log
    assert srv.token not in log, "the token was logged"
    assert len(log) < 400_000, f"the log grew to {len(log):,} bytes"


def test_stalled_chunked_uploads_do_not_block_others(tmp_path):
    """Nine authenticated chunked uploads that stall: other requests are still served."""
    srv = start_server(tmp_path, settings={"followTranscripts": False})
    port = int(srv.url.rsplit(":", 1)[1])
    socks = []
    try:
        for _ in range(12):
            s = socket.create_connection(("127.0.0.1", port))
            s.send(
                b"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
                b"Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n5\r\n[    \r\n"
                % (port, srv.token.encode())
            )
            socks.append(s)
        time.sleep(0.5)
        status, _, body = http(srv.url, "/v1/events", orjson.dumps([make_event("stall", "s1")]), token=srv.token)
        assert status == 200, body
        ev = {"sessionId": "stall", "id": "s2", "type": "agent", "name": "x", "startTime": T0}
        assert http(srv.url, "/v1/events", orjson.dumps([ev]), token=srv.token)[0] == 200
    finally:
        for s in socks:
            s.close()
        srv.stop()


def test_connection_logs_are_rate_limited():
    import logging

    from sessionprof_ls import http_guard

    http_guard.rate_limit_noisy_logs()
    seen = []

    class Catch(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    h = Catch()
    logging.getLogger().addHandler(h)
    try:
        for _ in range(5000):
            logging.getLogger("asyncio").error("socket.accept() out of system resource")
    finally:
        logging.getLogger().removeHandler(h)
    assert 1 <= len(seen) <= 20, len(seen)
