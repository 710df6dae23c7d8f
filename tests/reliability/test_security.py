"""Security: loopback only, a token on every route (compared in constant time),
files readable by the user alone, secrets redacted before they are stored or
shown, and suggestions that never write outside the workspace."""

from __future__ import annotations

import json
import socket
import stat
import time
from pathlib import Path

import orjson
import pytest
from relutil import (
    T0,
    claude_assistant,
    claude_project,
    claude_user,
    http,
    start_quiet_server,
    start_server,
    store_blobs,
)
from sp_fixtures import read_events, response_event

from sessionprof_ls import apply as apply_mod
from sessionprof_ls import http_api

ROUTES = [
    ("GET", "/v1/stream"),
    ("POST", "/v1/events"),
    ("POST", "/v1/traces"),
    ("POST", "/v1/logs"),
    ("POST", "/v1/rpc"),
    ("GET", "/v1/events"),
    ("GET", "/nope"),
    ("DELETE", "/v1/events"),
    ("GET", "/static/../store.db"),
    ("OPTIONS", "/v1/rpc"),
    ("PUT", "/v1/rpc"),
    ("POST", "/"),
    ("DELETE", "/static/app.js"),
]
PUBLIC = [  # the UI shell: no data
    ("GET", "/"),
    ("GET", "/static/app.js"),
    ("GET", "/static/app.bundle.js"),
    ("GET", "/static/app.bundle.js.map"),
    ("GET", "/static/style.css"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_quiet_server(tmp_path_factory.mktemp("security"))
    yield srv
    srv.stop()


def _listening(port: int) -> list[str]:
    out = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.split(":")
            if int(p, 16) == port and state == "0A":  # LISTEN
                out.append(addr)
    return out


def _other_addresses() -> list[str]:
    addrs = set()
    for host in (socket.gethostname(), socket.getfqdn()):
        try:
            addrs.update(i[4][0] for i in socket.getaddrinfo(host, None, socket.AF_INET))
        except OSError:
            pass
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("10.255.255.255", 1))  # no packet is sent; picks the outward interface
        addrs.add(s.getsockname()[0])
        s.close()
    except OSError:
        pass
    return sorted(a for a in addrs if not a.startswith("127."))


def test_loopback_only(server):
    port = int(server.url.rsplit(":", 1)[1])
    assert server.url.startswith("http://127.0.0.1:")
    assert _listening(port) == ["0100007F"], "the endpoint must listen on 127.0.0.1 only"
    for addr in _other_addresses():
        with pytest.raises(OSError):
            socket.create_connection((addr, port), timeout=2).close()


def _bad_credentials(token: str) -> list[dict]:
    return [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {token[:-1]}"},
        {"Authorization": f"Bearer {token}x"},
        {"Authorization": f"Bearer {token.upper()}"},
        {"Authorization": f"Basic {token}"},
        {"Authorization": token},
        {"Cookie": "sessionprof_token=wrong"},
        {"Cookie": f"sessionprof_token={token[:20]}"},
        {"X-Token": token},
        {"Authorization": "Bearer " + "\u00e9" * 43},
    ]


def test_every_route_needs_the_token(server):
    n = 0
    for method, path in ROUTES:
        for headers in _bad_credentials(server.token):
            headers = {k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()}
            status, _, body = http(
                server.url, path, b"[]" if method == "POST" else None, method=method, headers=headers
            )
            assert status == 401, (method, path, headers, status)
            assert b"token" in body
            n += 1
        # neither a query token nor a cookie is a credential any more (issue 19: ambient credentials)
        for q in ("?token=wrong", f"?token={server.token[:-2]}", "?token=", f"?token={server.token}"):
            status, _, _ = http(server.url, path + q, b"[]" if method == "POST" else None, method=method)
            assert status == 401, (method, path, q)
            n += 1
        status, _, _ = http(
            server.url,
            path,
            b"[]" if method == "POST" else None,
            method=method,
            headers={"Cookie": f"sessionprof_token={server.token}"},
        )
        assert status == 401, (method, path, "cookie")
    # the UI shell is public and holds no data and no token; the header opens the rest
    for _method, path in PUBLIC:
        status, headers, body = http(server.url, path)
        assert status == 200 and server.token.encode() not in body and "Set-Cookie" not in headers
    assert (
        http(
            server.url,
            "/v1/rpc",
            b'{"method": "sessionprof/sessions"}',
            token=server.token,
            headers={"Content-Type": "application/json"},
        )[0]
        == 200
    )
    assert n > 200


def test_token_compared_in_constant_time(monkeypatch):
    """token_ok compares every candidate with hmac.compare_digest, never with ==."""
    from aiohttp.test_utils import make_mocked_request

    calls = []
    real = http_api.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(http_api.hmac, "compare_digest", spy)
    ep = http_api.HttpEndpoint.__new__(http_api.HttpEndpoint)
    ep.token = "s3cret-token-value"
    for headers, path, ok in [
        ({"Authorization": "Bearer s3cret-token-value"}, "/", True),
        ({"Authorization": "Bearer s3cret-token-valuf"}, "/", False),
        ({"Authorization": "Bearer nope"}, "/", False),
    ]:
        calls.clear()
        req = make_mocked_request("GET", path, headers=headers)
        assert ep.token_ok(req) is ok
        assert calls and all(b == b"s3cret-token-value" for _, b in calls)
    assert ep.token_ok(make_mocked_request("GET", "/?token=s3cret-token-value")) is False
    assert (
        ep.token_ok(make_mocked_request("GET", "/", headers={"Cookie": "sessionprof_token=s3cret-token-value"}))
        is False
    )
    import inspect

    src = inspect.getsource(http_api.HttpEndpoint.token_ok)
    assert "== self.token" not in src and "== good" not in src


def test_token_is_strong_and_per_start(server, tmp_path):
    assert len(server.token) >= 32
    other = start_server(tmp_path, settings={"followTranscripts": False})
    try:
        assert other.token != server.token
        assert http(other.url, "/v1/rpc", b'{"method": "sessionprof/sessions"}', token=server.token)[0] == 401
    finally:
        other.stop()


def test_files_readable_by_the_user_alone(server):
    store = server.store
    http(
        server.url,
        "/v1/events",
        orjson.dumps([{"sessionId": "perm", "id": "p1", "type": "agent", "name": "x", "startTime": T0}]),
        token=server.token,
    )
    for p in [store, Path(str(store) + "-wal"), Path(str(store) + "-shm")]:
        if p.exists():
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, f"{p.name} is {oct(p.stat().st_mode)}"
    folder = store.parent / "servers"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    disc = folder / f"{server.pid}.json"
    assert stat.S_IMODE(disc.stat().st_mode) == 0o600
    data = json.loads(disc.read_text())
    assert data["token"] == server.token and data["url"] == server.url


def test_page_does_not_leak_the_token(server):
    status, headers, body = http(server.url, "/")
    assert status == 200
    assert server.token.encode() not in body, "the token must not be written into the page"
    assert "Set-Cookie" not in headers, "no cookie: it would reach every port on 127.0.0.1"
    assert headers["Referrer-Policy"] == "no-referrer"
    policy = headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy


# ------------------------------------------------------------ redaction

SECRETS = {
    "anthropic": "sk-ant-api03-" + "A1b2C3d4E5f6G7h8I9j0" * 3,
    "openai": "sk-proj-" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3" * 2,
    "github": "ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789",
    "aws": "AKIA" + "IOSFODNN7EXAMPLE",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "password": "hunter2hunter2-xyz",
    "bearer": "opaqueBearerValue77889900",
    "basic": "dXNlcjpwYXNzd29yZA==",
    "urlpass": "s3cretUrlPass",
    "mysql": "MyDbPw998877",
    "plainkey": "plain-api-key-value-42",
    "token-flag": "tokFlagValue123456",
}
ARGS = {
    "command": f"curl -H 'Authorization: Bearer {SECRETS['bearer']}' https://admin:{SECRETS['urlpass']}@example.com "
    f"&& export ANTHROPIC_API_KEY={SECRETS['anthropic']} && mysql -u root -p{SECRETS['mysql']} "
    f"&& gh auth --token {SECRETS['token-flag']}",
    "env": {
        "OPENAI_API_KEY": SECRETS["openai"],
        "GITHUB_TOKEN": SECRETS["github"],
        "AWS_ACCESS_KEY_ID": SECRETS["aws"],
    },
    "headers": {"Authorization": f"Basic {SECRETS['basic']}", "X-Api-Key": SECRETS["plainkey"]},
    "body": json.dumps({"password": SECRETS["password"], "jwt": SECRETS["jwt"]}),
}


def _secret_free(blob: bytes | str, where: str) -> None:
    text = blob if isinstance(blob, str) else blob.decode("utf-8", "replace")
    leaked = [k for k, v in SECRETS.items() if v in text]
    assert not leaked, f"secrets {leaked} in {where}"


def test_secrets_in_tool_args_never_stored_or_shown(server):
    sid = "secrets-http"
    ev = {
        "sessionId": sid,
        "id": "t1",
        "type": "tool_execution",
        "name": "Bash",
        "startTime": T0,
        "endTime": T0 + 10,
        "metadata": {
            "toolName": "Bash",
            "args": ARGS,
            "url": f"https://u:{SECRETS['urlpass']}@h/x?api_key={SECRETS['plainkey']}",
        },
    }
    status, _, body = http(server.url, "/v1/events", orjson.dumps([ev]), token=server.token)
    assert status == 200 and orjson.loads(body)["accepted"] == 1, body
    # the same over LSP
    server.notify("sessionprof/ingest", {"events": [dict(ev, sessionId=sid + "-lsp")]})
    # and as an OTLP span
    span = {
        "traceId": "0af7651916cd43dd8448eb211c80319c",
        "spanId": "b7ad6b7169203331",
        "name": "execute_tool",
        "startTimeUnixNano": str(T0 * 10**6),
        "endTimeUnixNano": str((T0 + 5) * 10**6),
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}},
            {"key": "gen_ai.tool.name", "value": {"stringValue": "Bash"}},
            {"key": "session.id", "value": {"stringValue": sid + "-otlp"}},
            {"key": "gen_ai.tool.call.arguments", "value": {"stringValue": json.dumps(ARGS)}},
        ],
    }
    status, _, _ = http(
        server.url,
        "/v1/traces",
        orjson.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}),
        token=server.token,
    )
    assert status == 200
    deadline = time.monotonic() + 20
    while {sid + "-lsp", sid + "-otlp"} - {r["sessionId"] for r in server.request("sessionprof/sessions", {})}:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    blobs = store_blobs(server.store)
    assert any(b'"REDACTED' in b or b"[REDACTED]" in b for b in blobs)
    for b in blobs:
        _secret_free(b, "the store")
    for s in (sid, sid + "-lsp", sid + "-otlp"):
        perf = server.request("sessionprof/performance", {"sessionId": s, "includeEvents": True})
        _secret_free(json.dumps(perf), f"sessionprof/performance of {s}")
        for e in perf["events"]:
            answer = server.request("sessionprof/event", {"sessionId": s, "eventId": e["id"]})
            _secret_free(json.dumps(answer), "sessionprof/event")
        fg = server.request("sessionprof/flameGraph", {"sessionId": s, "view": "time", "weight": "time"})
        _secret_free(json.dumps(fg), "sessionprof/flameGraph")
        for fmt in ("speedscope", "cpuprofile", "chrome-trace", "json"):
            _secret_free(server.export_file(s, fmt).read_bytes(), f"the {fmt} export")
    raw_event = server.request("sessionprof/event", {"sessionId": sid, "eventId": "t1"})
    assert "[REDACTED]" in json.dumps(raw_event["metadata"]["args"])
    assert raw_event["metadata"]["args"]["command"].startswith("curl -H 'Authorization: Bearer [REDACTED]'")


def _claude_lines(sid: str, cwd: str, with_result: bool) -> list[dict]:
    bash = {
        "type": "tool_use",
        "id": "toolu_1",
        "name": "Bash",
        "input": {"command": ARGS["command"], "env": ARGS["env"]},
    }
    lines = [
        claude_user(sid, cwd, "u1", 0, "deploy it"),
        claude_assistant(sid, cwd, [bash], request="req1", message="msg1"),
    ]
    if with_result:
        lines.append(
            claude_user(
                sid, cwd, "u2", 3, [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}], parent="a1"
            )
        )
    return lines


def test_secrets_in_followed_transcripts_never_stored(tmp_path):
    """A Claude Code Bash call with secrets, followed live: neither the events nor the
    follower's saved cursor (which holds a tool call still waiting for its result) keep them."""
    import sqlite3

    from sessionprof_ls.engine import Engine
    from sessionprof_ls.follow import TranscriptFollower

    ws, claude, d = claude_project(tmp_path)
    path = d / "sess-secret.jsonl"
    engine = Engine(str(tmp_path / "store.db"))
    follower = TranscriptFollower(
        [ws], engine.ingest, engine.store, claude_config_dir=claude, codex_home=tmp_path / "x"
    )
    lines = _claude_lines("sess-secret", str(ws), with_result=False)
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    follower.scan_once()  # the tool call is pending: its state is in the cursor
    path.write_text("".join(json.dumps(x) + "\n" for x in _claude_lines("sess-secret", str(ws), with_result=True)))
    follower.scan_once()
    tree = engine.tree("sess-secret")
    assert tree is not None and len(tree) >= 2
    engine.store.close()
    db = sqlite3.connect(str(tmp_path / "store.db"))
    everything = b"".join(
        bytes(r[0]) if isinstance(r[0], bytes) else str(r[0]).encode()
        for table, col in (("batches", "data"), ("cursors", "data"), ("sessions", "title"))
        for r in db.execute(f"SELECT {col} FROM {table}")
        if r[0] is not None
    )
    db.close()
    _secret_free(everything, "the store (events, cursors, sessions)")


# ------------------------------------------------------------ path traversal

OUTSIDE = [
    "../../../etc/passwd",
    "/etc/passwd",
    "src/../../outside.txt",
    "..",
    "../ws-sibling/x.py",
    "~/.bashrc",
    "src/link-out/secret.txt",
    "/proc/self/environ",
    "..\\..\\windows.ini",
    "./../x",
    "src/\x00/../../../etc/hosts",
]


def _suggestion(paths: list[str]) -> dict:
    return {
        "id": "large_tool_output",
        "kind": "large_tool_output",
        "title": "t",
        "guidance": "Read line ranges.",
        "filePaths": paths,
    }


def test_plan_refuses_paths_outside_the_workspace(tmp_path):
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "link-out").symlink_to(tmp_path)  # a symlink inside pointing outside
    (tmp_path / "secret.txt").write_text("x")
    read = lambda p: p.read_text() if p.is_file() else None  # noqa: E731
    for source in ("claude-code", "codex", None):
        for session_ws in (str(ws), "/", str(tmp_path / "elsewhere")):
            edits, what = apply_mod.plan(
                _suggestion(OUTSIDE + ["src/ok.py", str(ws / "src" / "ok2.py")]), ws, source, session_ws, read
            )
            for e in edits:
                assert apply_mod.inside(ws, e.path), e.path
                if session_ws == "/":
                    continue  # "/etc/passwd" is then "etc/passwd" of the workspace: a deny rule inside it
                for bad in ("etc/passwd", "outside.txt", "secret.txt", "environ", "windows.ini", "hosts", "ws-sibling"):
                    assert bad not in e.new_text, (bad, e.path, e.new_text)
            # issue 14: the plan takes no paths from the suggestion dict (rules name files
            # only inside the session's workspace, tests/test_suggestions_rules.py)
            assert all(e.path.name in ("CLAUDE.md", "AGENTS.md") for e in edits)
    # a workspace whose instruction file is a symlink to a file outside: refused, not followed
    (tmp_path / "victim.md").write_text("outside\n")
    (ws / "AGENTS.md").symlink_to(tmp_path / "victim.md")
    with pytest.raises(apply_mod.Refused):
        apply_mod.plan(_suggestion([]), ws, "codex", str(ws), read)


def test_apply_over_lsp_never_edits_outside(server):
    """End to end: a session whose large reads name paths outside the workspace."""
    ws = server.ws
    (ws / "src").mkdir(exist_ok=True)
    (ws / "src" / "big.py").write_text("x\n")
    events = [
        response_event("trav", ws, "claude-code", T0),
        *read_events("trav", [*OUTSIDE, "src/big.py"], 60_000, T0),
    ]
    server.notify("sessionprof/ingest", {"events": events})
    perf = server.performance_when_stored("trav")
    kinds = {s["kind"]: s for s in perf["suggestions"]}
    assert "large_tool_output" in kinds
    applied = 0
    for s in perf["suggestions"]:
        before = len(server.notifications)
        result = server.request(
            "workspace/executeCommand", {"command": "sessionprof.applySuggestion", "arguments": ["trav", s["id"]]}
        )
        edits = [p for m, p in server.notifications[before:] if m == "workspace/applyEdit"]
        if result["applied"]:
            applied += 1
        for edit in edits:
            for change in edit["edit"].get("documentChanges", []):
                uri = change.get("uri") or change["textDocument"]["uri"]
                path = Path(uri.removeprefix("file://"))
                assert apply_mod.inside(ws, path), uri
                for te in change.get("edits", []):
                    assert "etc/passwd" not in te["newText"] and "outside.txt" not in te["newText"]
    assert applied >= 1
