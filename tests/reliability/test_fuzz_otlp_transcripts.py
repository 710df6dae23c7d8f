"""Hostile OTLP/JSON bodies and transcript lines: no crash, every rejected span
or line is named (by its path or line number), every valid span or line is kept."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from relutil import FIXTURES, count, http, start_server
from test_fuzz_events import JSON, TEXT

from sessionprof_ls.importers import import_file, otlp_to_events

HEX = "0123456789abcdef"
SPAN_ID = st.text(HEX, min_size=16, max_size=16).filter(lambda s: s.strip("0"))
TRACE_ID = st.text(HEX, min_size=32, max_size=32).filter(lambda s: s.strip("0"))
ANY_VALUE = st.one_of(
    st.builds(lambda s: {"stringValue": s}, TEXT),
    st.builds(lambda i: {"intValue": str(i)}, st.integers(0, 10**9)),
    st.builds(lambda b: {"boolValue": b}, st.booleans()),
    JSON,
)
ATTR_KEYS = (
    st.sampled_from(
        [
            "gen_ai.usage.input_tokens",
            "gen_ai.usage.output_tokens",
            "gen_ai.request.model",
            "gen_ai.tool.name",
            "gen_ai.tool.call.arguments",
            "session.id",
            "url.full",
            "file.path",
            "gen_ai.prompt",
            "session.title",
            "x",
        ]
    )
    | TEXT
)
ATTRS = st.lists(st.builds(lambda k, v: {"key": k, "value": v}, ATTR_KEYS, ANY_VALUE), max_size=5)


@st.composite
def valid_span(draw):
    start = draw(st.integers(10**18, 2 * 10**18))
    sp = {
        "traceId": draw(TRACE_ID),
        "spanId": draw(SPAN_ID),
        "name": draw(TEXT),
        "startTimeUnixNano": str(start),
        "attributes": draw(ATTRS),
    }
    if draw(st.booleans()):
        sp["endTimeUnixNano"] = str(start + draw(st.integers(0, 10**12)))
    if draw(st.booleans()):
        sp["status"] = {"code": draw(st.sampled_from([0, 1, 2])), "message": draw(TEXT)}
    return sp


BAD_SPANS = st.one_of(
    JSON.filter(lambda v: not isinstance(v, dict)),
    st.builds(lambda s: dict(s, spanId="zz-not-hex"), valid_span()),
    st.builds(lambda s: {k: v for k, v in s.items() if k != "spanId"}, valid_span()),
    st.builds(lambda s: dict(s, startTimeUnixNano="yesterday"), valid_span()),
    st.builds(lambda s: {k: v for k, v in s.items() if k != "startTimeUnixNano"}, valid_span()),
)


@st.composite
def traces_body(draw):
    spans, bad = [], []
    for i in range(draw(st.integers(0, 10))):
        if draw(st.integers(0, 3)) == 0:
            spans.append(draw(BAD_SPANS))
            bad.append(i)
        else:
            spans.append(draw(valid_span()))
    res = {"attributes": draw(ATTRS)}
    return {"resourceSpans": [{"resource": res, "scopeSpans": [{"scope": {"name": "t"}, "spans": spans}]}]}, bad


@given(traces_body())
def test_otlp_spans_kept_and_rejections_named(data):
    body, bad = data
    spans = body["resourceSpans"][0]["scopeSpans"][0]["spans"]
    count("otlp: spans", len(spans) or 1)
    events, errors = otlp_to_events(body, "traces")
    assert len(events) == len(spans) - len(bad)
    assert len(errors) == len(bad)
    for i, err in zip(bad, errors, strict=True):
        assert err.startswith(f"resourceSpans[0].scopeSpans[0].spans[{i}]: "), err


@given(JSON, st.sampled_from(["traces", "logs", "metrics"]))
def test_otlp_arbitrary_json_never_crashes(value, kind):
    count("otlp: arbitrary JSON")
    events, errors = otlp_to_events(value, kind)
    assert isinstance(events, list) and all(isinstance(e, str) and e for e in errors)


SHAPES = st.recursive(
    JSON,
    lambda kids: (
        st.dictionaries(
            st.sampled_from(
                [
                    "resourceSpans",
                    "resourceLogs",
                    "scopeSpans",
                    "scopeLogs",
                    "spans",
                    "logRecords",
                    "resource",
                    "attributes",
                    "body",
                    "spanId",
                    "traceId",
                    "startTimeUnixNano",
                    "timeUnixNano",
                    "key",
                    "value",
                    "stringValue",
                    "intValue",
                    "kvlistValue",
                    "arrayValue",
                    "values",
                ]
            ),
            kids,
            max_size=4,
        )
        | st.lists(kids, max_size=3)
    ),
    max_leaves=20,
)


@given(SHAPES, st.sampled_from(["traces", "logs"]))
def test_otlp_shaped_garbage_never_crashes(value, kind):
    """Garbage that has OTLP's keys in the wrong places."""
    count("otlp: shaped garbage")
    body = value if isinstance(value, dict) else {"resourceSpans" if kind == "traces" else "resourceLogs": value}
    events, errors = otlp_to_events(body, kind)
    assert isinstance(events, list) and all(isinstance(e, str) and e for e in errors)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("fuzz-otlp"), settings={"followTranscripts": False})
    yield srv
    assert srv.proc.poll() is None
    srv.stop()


@given(traces_body() | SHAPES.map(lambda v: (v, None)), st.sampled_from(["/v1/traces", "/v1/logs"]))
def test_otlp_over_http(server, data, path):
    body, bad = data
    count("otlp: HTTP bodies")
    status, _, resp = http(
        server.url, path, json.dumps(body).encode(), token=server.token, headers={"Content-Type": "application/json"}
    )
    assert status in (200, 400), (status, resp)
    answer = orjson.loads(resp)
    if status == 400:
        assert answer["error"].startswith("body:")
    elif bad and path == "/v1/traces":
        assert answer["partialSuccess"]["rejectedSpans"] == len(bad)


# ------------------------------------------------------------ transcript lines

GARBAGE_LINE = st.one_of(
    st.binary(min_size=1, max_size=80).filter(lambda b: b"\n" not in b and b.strip() and not _is_json(b)),
    st.sampled_from([b'{"type": "assistant", "message": ', b"\xff\xfe{}", b"{}}", b'{"a":1']),
)
JSON_NOISE = JSON.map(lambda v: json.dumps(v).encode()).filter(lambda b: b"\n" not in b)


def _is_json(b: bytes) -> bool:
    try:
        json.loads(b)
        return True
    except ValueError:
        return False


def _reference(name: str):
    res = import_file(FIXTURES / "claude-code" / name)
    return res.events


FIXTURE = "spotter-short.jsonl"


@given(st.lists(st.tuples(st.integers(0, 10**6), GARBAGE_LINE | JSON_NOISE), max_size=6))
def test_transcript_garbage_lines(tmp_path_factory, inserts):
    """A real transcript with garbage lines spliced in: the same events, garbage named by line."""
    count("transcripts: lines", len(inserts) or 1)
    lines = (FIXTURES / "claude-code" / FIXTURE).read_bytes().splitlines()
    bad_lines = []
    for pos, garbage in inserts:
        at = pos % (len(lines) + 1)
        lines.insert(at, garbage)
        bad_lines = [n + 1 if n >= at + 1 else n for n in bad_lines]
        if not _is_json(garbage):
            bad_lines.append(at + 1)
    path = tmp_path_factory.mktemp("tr") / FIXTURE
    path.write_bytes(b"\n".join(lines) + b"\n")
    res = import_file(path, {"format": "claude-code"})
    ref = _reference(FIXTURE)

    def key(e):
        return (e["id"], e["type"], json.dumps((e.get("metadata") or {}).get("tokens"), sort_keys=True))

    assert sorted(map(key, res.events)) == sorted(map(key, ref))
    for n in bad_lines:
        assert any(f":{n}:" in err for err in res.errors), (n, res.errors)


def _content(e: dict) -> str:
    md = e.get("metadata") or {}
    return json.dumps(
        [e["type"], e["name"], e["startTime"], e.get("endTime"), md.get("tokens"), md.get("filePath")], sort_keys=True
    )


def test_transcript_all_fixtures_with_noise(tmp_path):
    """Every real fixture, with a bad line after each good one: nothing lost."""
    n = 0
    for src in sorted((FIXTURES / "claude-code").glob("*.jsonl")) + sorted((FIXTURES / "codex").glob("*.jsonl")):
        lines = src.read_bytes().splitlines()
        noisy = []
        for line in lines:
            noisy += [line, b"\x00garbage{"]
        path = tmp_path / src.parent.name / src.name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"\n".join(noisy) + b"\n")
        fmt = "codex" if src.parent.name == "codex" else "claude-code"
        clean = import_file(src, {"format": fmt}).events
        got = import_file(path, {"format": fmt})
        # Codex ids carry the line number, which the noise shifts: compare what the events say
        assert sorted(map(_content, got.events)) == sorted(map(_content, clean)), src.name
        assert len(got.errors) >= len(lines)
        n += len(noisy)
    count("transcripts: lines", n)
