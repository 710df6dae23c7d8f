"""Issue 19 item 2: the whole event is redacted, every way in, before anything is stored.

Secrets in a failing command's output (`Authorization: Bearer`, `OPENAI_API_KEY=sk-proj-`,
an AWS key id with its secret key, a private key body, a password in a git URL, a
random token after "token"), in `error`, names, titles, `filePath`, `text`, OTLP
`status.message` and dict keys; one cut at an importer's 500th character. None of it
may reach the store (any table), the answers the web UI shows (and the page itself in
Chromium), the exports (written 0600) or `sessionprof report`."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time

import orjson
import pytest
from relutil import T0, claude_assistant, claude_project, claude_user, http, start_server

S = {
    "bearer": "Zq8vN3xK7pL2mR9tY4wB6cD1",
    "openai": "sk-proj-" + "Qw3rTy7uIo9pAs5dFg1hJk2lZx4cVb6nM8",
    "aws_id": "AKIA" + "Q3VX7TZK2MPLR4WN",
    "aws_secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKY",
    "pem_body": "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
    "git_pass": "Gitpass9921xyzQ",
    "entropy": "7fG2kP9qLm4xR8vZ3nW6yB1c",
    "anthropic_key": "sk-ant-api03-" + "Zr5Tq8Wm2Lp4Xn7Ks9Jd3Hf6Gb1Vc0",
}
CUT = "sk-proj-" + "Cut4Me8Pl3aseXy7Qw2Er5Ty9Ui1Op6As"  # straddles an importer's 500th character

OUTPUT = (
    f"$ curl -H 'Authorization: Bearer {S['bearer']}' https://api.example.com\n"
    f"OPENAI_API_KEY={S['openai']}\n"
    f"aws_access_key_id = {S['aws_id']}\n{S['aws_id']} {S['aws_secret']}\n"
    f"-----BEGIN OPENSSH PRIVATE KEY-----\n{S['pem_body']}\n-----END OPENSSH PRIVATE KEY-----\n"
    f"fatal: could not read from https://alice:{S['git_pass']}@github.com/org/repo.git\n"
    f"the deploy token is {S['entropy']} (keep it safe)\n"
)


def _leaks(text: str) -> list[str]:
    found = [k for k, v in S.items() if v in text]
    if CUT[:14] in text:  # the prefix a cut would leave
        found.append("cut prefix")
    return found


def _http_event(sid: str) -> dict:
    return {
        "sessionId": sid,
        "id": "t1",
        "type": "tool_execution",
        "name": f"Bash OPENAI_API_KEY={S['openai']}",
        "startTime": T0,
        "endTime": T0 + 50,
        "metadata": {
            "toolName": "Bash",
            "status": "error",
            "error": OUTPUT,
            "text": OUTPUT,
            "sessionTitle": f"deploy with {S['anthropic_key']}",
            "filePath": f"/tmp/{S['anthropic_key']}/notes.md",
            "url": f"https://alice:{S['git_pass']}@github.com/org/repo.git",
            "args": {S["openai"]: "a key as a key", "nested": [{"out": OUTPUT}]},
            "extraField": {"deeper": OUTPUT},
        },
    }


def _otlp_span(sid: str) -> dict:
    return {
        "traceId": "0af7651916cd43dd8448eb211c80319c",
        "spanId": "b7ad6b7169203331",
        "name": f"execute_tool Bearer {S['bearer']}",
        "startTimeUnixNano": str(T0 * 10**6),
        "endTimeUnixNano": str((T0 + 5) * 10**6),
        "status": {"code": 2, "message": OUTPUT},
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}},
            {"key": "gen_ai.tool.name", "value": {"stringValue": "Bash"}},
            {"key": "session.id", "value": {"stringValue": sid}},
        ],
    }


def _transcript(sid: str, cwd: str) -> list[dict]:
    long_cmd = "echo " + "x" * (500 - len("echo ") - 10 - 1) + " " + CUT  # CUT begins 10 chars before the cut
    fetch = {
        "url": f"https://alice:{S['git_pass']}@example.com/?api_key={S['openai']}",
        "prompt": f"Bearer {S['bearer']}",
    }
    results = [
        {"type": "tool_result", "tool_use_id": "toolu_1", "is_error": True, "content": OUTPUT},
        {"type": "tool_result", "tool_use_id": "toolu_2", "content": OUTPUT},
    ]
    return [
        claude_user(sid, cwd, "u1", 0, f"deploy with token {S['entropy']}"),
        claude_assistant(
            sid,
            cwd,
            [
                {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": long_cmd}},
                {"type": "tool_use", "id": "toolu_2", "name": "WebFetch", "input": fetch},
            ],
        ),
        claude_user(sid, cwd, "u2", 3, results, parent="a1"),
    ]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("redaction")
    ws, claude, d = claude_project(tmp)
    (d / "red-cc.jsonl").write_text("".join(json.dumps(x) + "\n" for x in _transcript("red-cc", str(ws))))
    srv = start_server(tmp, workspace=ws, claude_dir=claude)
    srv.ws = ws
    yield srv
    srv.stop()


SESSIONS = ("red-http", "red-lsp", "red-otlp", "red-cc")


def test_secrets_absent_everywhere(server, tmp_path):
    status, _, body = http(server.url, "/v1/events", orjson.dumps([_http_event("red-http")]), token=server.token)
    assert status == 200 and orjson.loads(body)["accepted"] == 1, body
    server.notify("sessionprof/ingest", {"events": [_http_event("red-lsp")]})
    status, _, body = http(
        server.url,
        "/v1/traces",
        orjson.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [_otlp_span("red-otlp")]}]}]}),
        token=server.token,
    )
    assert status == 200, body
    deadline = time.monotonic() + 30
    while set(SESSIONS) - {r["sessionId"] for r in server.request("sessionprof/sessions", {})}:
        assert time.monotonic() < deadline, server.request("sessionprof/sessions", {})
        time.sleep(0.2)

    # the store: every table, read with sqlite3
    db = sqlite3.connect(f"file:{server.store}?mode=ro", uri=True)
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    everything = []
    for t in tables:
        for row in db.execute(f"SELECT * FROM {t}"):
            everything += [bytes(v).decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row]
    db.close()
    store_text = "\n".join(everything)
    assert "[REDACTED]" in store_text
    assert not _leaks(store_text), f"in the store: {_leaks(store_text)}"

    # what the web UI is given, and what it is asked to export
    for sid in SESSIONS:
        perf = server.request("sessionprof/performance", {"sessionId": sid, "includeEvents": True})
        assert not _leaks(json.dumps(perf)), (sid, _leaks(json.dumps(perf)))
        stack = list(perf["events"])
        while stack:
            e = stack.pop()
            stack += e["children"]
            one = server.request("sessionprof/event", {"sessionId": sid, "eventId": e["id"]})
            assert not _leaks(json.dumps(one)), (sid, e["id"], _leaks(json.dumps(one)))
        fg = server.request("sessionprof/flameGraph", {"sessionId": sid, "view": "time", "weight": "time"})
        assert not _leaks(json.dumps(fg))
        for fmt in ("speedscope", "cpuprofile", "chrome-trace", "json"):
            path = server.export_file(sid, fmt)
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{fmt} export is {oct(path.stat().st_mode)}"
            assert not _leaks(path.read_text()), (sid, fmt, _leaks(path.read_text()))
    sessions = server.request("sessionprof/sessions", {})
    assert not _leaks(json.dumps(sessions))

    # the report, in the terminal
    env = dict(os.environ, COLUMNS="200")
    for sid in SESSIONS:
        out = subprocess.run(
            [sys.executable, "-m", "sessionprof_ls.cli", "--store", str(server.store), "report", sid, "--width", "200"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        text = out.stdout + out.stderr
        assert out.returncode == 0, text[-2000:]
        assert not _leaks(text), (sid, _leaks(text))
        out = subprocess.run(
            [sys.executable, "-m", "sessionprof_ls.cli", "--store", str(server.store), "report", sid, "--json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert out.returncode == 0 and not _leaks(out.stdout)


def test_secrets_absent_from_the_page(server):
    """The web UI itself, in Chromium: the page text of each session after it loaded."""
    from playwright.sync_api import sync_playwright
    from sp_fixtures import CHROMIUM
    from sp_fixtures import CHROMIUM_ARGS as ARGS

    deadline = time.monotonic() + 30
    while set(SESSIONS) - {r["sessionId"] for r in server.request("sessionprof/sessions", {})}:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            answers: list[str] = []
            page.on("response", lambda r: answers.append(r.text()) if "/v1/rpc" in r.url else None)
            for sid in SESSIONS:
                page.goto(f"{server.url}/?sessionId={sid}#token={server.token}")
                end = time.monotonic() + 30
                while not page.evaluate("window.__sessionprof && window.__sessionprof.frameCount() > 0"):
                    assert time.monotonic() < end, f"the UI did not load {sid}"
                    page.wait_for_timeout(50)
                page.wait_for_timeout(300)
                text = page.evaluate("document.body.innerText") + page.content()
                assert not _leaks(text), (sid, _leaks(text))
            assert answers and not _leaks("\n".join(answers))
        finally:
            browser.close()


def test_redaction_keeps_paths_and_ordinary_text():
    """The catch-all must not eat file paths (hints match them) or ordinary words."""
    from sessionprof_ls.redact import redact_text, redact_value

    keep = [
        "src/token/Token2Manager.ts",
        "the key is src/components/Button2Component.tsx",
        "Read /home/u/projects/keyboard/src/main.py",
        "commit 0123456789abcdef0123456789abcdef01234567 on aws",
        "tokens: 12,345 input",
        "primary key (id)",
        "password reset flow in auth/reset_password.py",
    ]
    for text in keep:
        assert redact_text(text) == text, text
    assert not _leaks(redact_text(OUTPUT))
    deep = cur = {}
    for _ in range(5000):  # iterative: any depth
        cur["k"] = {}
        cur = cur["k"]
    cur["password"] = "hunter2hunter2"
    node = redact_value(deep)
    for _ in range(5000):
        node = node["k"]
    assert node == {"password": "[REDACTED]"}
