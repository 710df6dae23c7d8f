"""One redaction pre-check (issue 20): decode_event asks redact.json_may_hold_secret once per
event, redact_value's container test is the same function, and it knows every piece a pattern
or a secret key name needs. An AWS secret access key whose only hint is the word "aws" (no key
id, no label) in a tool argument used to skip redaction on the HTTP path."""

from __future__ import annotations

import random

import orjson

from sessionprof_ls import redact as R
from sessionprof_ls.events import decode_event

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYz9x8y7w6v5"  # 40 base64 characters
AWS_ID = "AKIA" + "Q3VX7TZK2MPLR4WN"


def _tool(args: dict) -> bytes:
    return orjson.dumps(
        {
            "sessionId": "s",
            "id": "t1",
            "type": "tool_execution",
            "name": "Bash",
            "startTime": 1_700_000_000_000,
            "endTime": 1_700_000_001_000,
            "metadata": {"toolName": "Bash", "args": args},
        }
    )


def test_aws_secret_with_only_an_aws_hint_is_redacted():
    raw = _tool({"command": f"echo {AWS_SECRET} | aws configure import"})
    _ev, stored = decode_event(raw)
    assert AWS_SECRET not in bytes(stored).decode()
    assert R.REDACTED in bytes(stored).decode()


def test_aws_key_id_and_secret_in_a_tool_argument_are_redacted():
    raw = _tool({"stdin": f"{AWS_ID} {AWS_SECRET}", "cmd": "aws configure import"})
    _ev, stored = decode_event(raw)
    text = bytes(stored).decode()
    assert AWS_ID not in text and AWS_SECRET not in text


def test_pre_check_agrees_with_the_full_redaction():
    """Random events built from every piece: whenever the full walk changes something,
    the one pre-check said "maybe" (it may say "maybe" more often, never less)."""
    from test_redact_precheck import _words

    rng = random.Random(20)
    changed = 0
    for i in range(4000):
        k, v, a = _words(rng, 3)
        value = {"sessionId": "s", "metadata": {"tokens": {"input": i}, k: v, "args": {"command": a}}}
        raw = orjson.dumps(value)
        full = R._redact_walk(orjson.loads(raw))
        if full != value:
            changed += 1
            assert R.json_may_hold_secret(raw), raw[:200]
            escaped = raw.replace(b"k", b"\\u006b")  # an escape may hide a piece from the bytes
            assert R.json_may_hold_secret(escaped)
    assert changed > 1000


def test_ids_joined_to_the_next_key_are_not_a_dash_p():
    """Deleting digits and quotes joined `"id":"ev-00000001","parentId"` into "ev-parentid", so
    every such event took the full walk (bench_server's ingest: 27k ev/s instead of 31k)."""
    ev = {"sessionId": "s", "id": "ev-00000001", "parentId": "root", "type": "ai_response", "startTime": 1.0}
    assert R.json_may_hold_secret(orjson.dumps(ev)) is False
    for command in ("mysql -psecret db", "mysql\t-psecret db", "mysql\n-psecret db"):
        raw = _tool({"command": command})
        assert R.json_may_hold_secret(raw) is True, command
        _ev, stored = decode_event(raw)
        assert "-psecret" not in bytes(stored).decode(), command
