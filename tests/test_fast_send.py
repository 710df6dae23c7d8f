"""fast_send: answers written with orjson are the same JSON value pygls would send."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from pygls.protocol.json_rpc import JsonRPCResponseMessage

from sessionprof_ls.engine import Engine
from sessionprof_ls.fast_send import encode_response, send_fast
from sessionprof_ls.importers import import_file
from sessionprof_ls.lsp import create_server

FIXTURES = Path(__file__).parent / "fixtures"


class _Writer:
    def __init__(self) -> None:
        self.data = b""

    def write(self, b: bytes) -> None:
        self.data += b


def _stock(protocol, msg) -> dict:
    return json.loads(json.dumps(msg, default=protocol._serialize_message))


def test_answers_equal_pygls_on_a_real_session(tmp_path):
    engine = Engine(str(tmp_path / "s.sqlite"))
    out = engine.ingest(import_file(FIXTURES / "claude-code" / "agentlogs-subagent.jsonl").events)
    (sid,) = out["sessions"]
    protocol = create_server(str(tmp_path / "s.sqlite")).protocol
    for result in (
        engine.performance(sid, include_events=True),
        engine.performance(sid, include_events=False),
        engine.flame_graph(sid, "time", "time", "base64"),
        engine.flame_graph(sid, "aggregate", "time"),
        engine.sessions(),
    ):
        msg = JsonRPCResponseMessage(id=7, jsonrpc="2.0", result=result)
        assert json.loads(encode_response(msg)) == _stock(protocol, msg)


def test_framed_with_byte_length_and_fallbacks():
    protocol = create_server(None).protocol
    protocol.writer, protocol._include_headers = _Writer(), True
    msg = JsonRPCResponseMessage(id=1, jsonrpc="2.0", result={"name": "naïve ✓", "n": np.int32(3)})
    assert send_fast(protocol, msg)
    head, body = protocol.writer.data.split(b"\r\n\r\n", 1)
    assert int(head.split(b"\r\n")[0].split(b":")[1]) == len(body)  # bytes, not characters
    assert json.loads(body) == {"id": 1, "jsonrpc": "2.0", "result": {"name": "naïve ✓", "n": 3}}
    # not a plain dict/list answer, or keys orjson cannot write: pygls sends it
    assert encode_response(JsonRPCResponseMessage(id=2, jsonrpc="2.0", result=None)) is None
    assert encode_response(JsonRPCResponseMessage(id=3, jsonrpc="2.0", result={1: "x"})) is None
    assert not send_fast(protocol, JsonRPCResponseMessage(id=4, jsonrpc="2.0", result="text"))
