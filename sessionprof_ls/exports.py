"""Exports for other profilers: speedscope, Chrome DevTools .cpuprofile (VS Code's
flame chart opens it) and Chrome trace events (Perfetto opens them).

Those formats want properly nested spans on one track; an agent session has
parallel tool calls and subagents. Overlapping siblings are therefore put on
tracks of their own (interval partitioning), and children are clipped to their
parent, so every track is a valid stack.
"""

from __future__ import annotations

from typing import Any

import orjson

from .analysis import Analysis
from .flame import FLAME_TYPES
from .tree import TYPES

FORMATS = ("speedscope", "cpuprofile", "chrome-trace", "json")

Placed = tuple[int, float, float, int]  # an event's (track, clipped start, clipped end, depth)
TrackSpan = tuple[float, float, int, int]  # (start, end, depth, frame) on one track


def _tracks(a: Analysis) -> tuple[list[Placed], int, list[int]]:
    """Per event: (track, clipped start, clipped end, depth); the track count; and the
    events in depth-first order (children in start order), which on each track is
    the order their stack frames open."""
    t = a.t
    n = len(t)
    kids = a.children()
    info: list[Placed | None] = [None] * n
    order: list[int] = []
    ntracks = 1
    stack = [(n, 0, a.t0, a.t1, 0)]
    while stack:
        node, track, ps, pe, depth = stack.pop()
        if node < n:
            order.append(node)
        lanes: list[tuple[int, float]] = []  # (track, busy until)
        pushed: list[tuple[int, int, float, float, int]] = []
        for c in kids[node]:
            s = min(max(t.start[c], ps), pe)
            e = max(min(a.ends[c], pe), s)
            for k, (trk, until) in enumerate(lanes):
                if until <= s:
                    lanes[k] = (trk, e)
                    break
            else:
                if lanes:
                    trk = ntracks
                    ntracks += 1
                else:
                    trk = track
                lanes.append((trk, e))
            info[c] = (trk, s, e, depth)
            pushed.append((c, trk, s, e, depth + 1))
        stack.extend(reversed(pushed))
    placed = [x for x in info if x is not None]
    assert len(placed) == n  # every event is under the root
    return placed, ntracks, order


def _evented(spans: list[TrackSpan]) -> list[dict[str, Any]]:
    """Open/close events of one track's spans (start, end, depth, frame) in depth-first order.

    Sorting opens and closes by time alone breaks on zero-length spans (a prompt has
    no duration): the close sorts before its own open and speedscope refuses the
    file. In depth-first order the open frames are always the new span's ancestors
    plus finished spans at its depth or deeper, which close first, innermost first."""
    out: list[dict[str, Any]] = []
    stack: list[TrackSpan] = []
    for span in spans:
        while stack and stack[-1][2] >= span[2]:
            top = stack.pop()
            out.append({"type": "C", "frame": top[3], "at": top[1]})
        out.append({"type": "O", "frame": span[3], "at": span[0]})
        stack.append(span)
    while stack:
        top = stack.pop()
        out.append({"type": "C", "frame": top[3], "at": top[1]})
    return out


def speedscope(a: Analysis) -> dict[str, Any]:
    t = a.t
    info, ntracks, order = _tracks(a)
    frames: list[dict[str, Any]] = []
    frame_of: dict[tuple[str, str], int] = {}
    per_track: list[list[TrackSpan]] = [[] for _ in range(ntracks)]
    for i in order:
        name = t.strings.values[t.name[i]]
        key = (name, TYPES[t.type[i]])
        f = frame_of.get(key)
        if f is None:
            f = frame_of[key] = len(frames)
            fr: dict[str, Any] = {"name": name}
            path = t.strings.get(t.file[i])
            if path:
                fr["file"] = path
                if t.start_line[i]:
                    fr["line"] = t.start_line[i]
            frames.append(fr)
        trk, s, e, depth = info[i]
        per_track[trk].append((s - a.t0, e - a.t0, depth, f))
    profiles = []
    for k, spans in enumerate(per_track):
        if not spans:
            continue
        profiles.append(
            {
                "type": "evented",
                "name": a.title() if k == 0 else f"{a.title()} (parallel {k})",
                "unit": "milliseconds",
                "startValue": 0,
                "endValue": a.t1 - a.t0,
                "events": _evented(spans),
            }
        )
    return {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "name": a.title(),
        "exporter": "sessionprof",
        "activeProfileIndex": 0,
        "shared": {"frames": frames},
        "profiles": profiles,
    }


def cpuprofile(a: Analysis) -> dict[str, Any]:
    """One node per span of the main track; a sample per stretch of time with a constant stack."""
    t = a.t
    info, _, _ = _tracks(a)
    nodes: list[dict[str, Any]] = [
        {
            "id": 1,
            "callFrame": {"functionName": a.title(), "scriptId": "0", "url": "", "lineNumber": -1, "columnNumber": -1},
            "hitCount": 0,
            "children": [],
        }
    ]
    node_of: dict[int, int] = {}  # event -> its node id
    spans = sorted((info[i][1], -info[i][3], i) for i in range(len(t)) if info[i][0] == 0)
    for _, _, i in spans:
        nid = len(nodes) + 1
        node_of[i] = nid
        path = t.strings.get(t.file[i]) or ""
        nodes.append(
            {
                "id": nid,
                "callFrame": {
                    "functionName": f"{t.strings.values[t.name[i]]} [{TYPES[t.type[i]]}]",
                    "scriptId": "0",
                    "url": path,
                    "lineNumber": max(0, t.start_line[i] - 1) if path else -1,
                    "columnNumber": 0,
                },
                "hitCount": 0,
                "children": [],
            }
        )
        p = t.parent[i]
        while p >= 0 and p not in node_of:
            p = t.parent[p]
        nodes[(node_of[p] if p >= 0 else 1) - 1]["children"].append(nid)
    # sweep: boundaries where the stack changes
    points = sorted({a.t0, a.t1} | {info[i][1] for i in node_of} | {info[i][2] for i in node_of})
    ends = {i: info[i][2] for i in node_of}
    starts = sorted((info[i][1], info[i][3], i) for i in node_of)
    samples: list[int] = []
    deltas: list[int] = []
    stack: list[int] = []
    j = 0
    prev = a.t0
    for at in points[:-1]:
        while stack and ends[stack[-1]] <= at:
            stack.pop()
        while j < len(starts) and starts[j][0] <= at:
            i = starts[j][2]
            while stack and ends[stack[-1]] <= at:
                stack.pop()
            if ends[i] > at:
                stack.append(i)
            j += 1
        node = node_of[stack[-1]] if stack else 1
        samples.append(node)
        deltas.append(int(round((at - prev) * 1000)))
        nodes[node - 1]["hitCount"] += 1
        prev = at
    return {
        "nodes": nodes,
        "startTime": int(a.t0 * 1000),
        "endTime": int(a.t1 * 1000),
        "samples": samples,
        "timeDeltas": deltas,
    }


def chrome_trace(a: Analysis) -> dict[str, Any]:
    t = a.t
    info, ntracks, _ = _tracks(a)
    costs = a.costs()
    out: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": 1, "args": {"name": f"sessionprof: {a.title()}"}}
    ]
    for k in range(ntracks):
        out.append(
            {
                "name": "thread_name",
                "ph": "M",
                "pid": 1,
                "tid": k + 1,
                "args": {"name": "main" if k == 0 else f"parallel {k}"},
            }
        )
    for i in range(len(t)):
        trk, s, e, _ = info[i]
        args = a.metadata(i)
        args["id"] = t.ids[i]
        if costs[i] is not None:
            args["cost"] = costs[i]
        ev: dict[str, Any] = {
            "name": t.strings.values[t.name[i]],
            "cat": TYPES[t.type[i]],
            "ph": "X",
            "ts": s * 1000.0,
            "dur": (e - s) * 1000.0,
            "pid": 1,
            "tid": trk + 1,
            "args": args,
        }
        if e <= s:  # a zero-length span (a prompt) is an instant: speedscope mis-nests a 0-dur "X"
            del ev["dur"]
            ev["ph"], ev["s"] = "i", "t"
        out.append(ev)
    return {
        "traceEvents": out,
        "displayTimeUnit": "ms",
        "otherData": {"exporter": "sessionprof", "types": list(FLAME_TYPES)},
    }


def export(a: Analysis, fmt: str) -> bytes:
    if fmt == "speedscope":
        data = speedscope(a)
    elif fmt == "cpuprofile":
        data = cpuprofile(a)
    elif fmt == "chrome-trace":
        data = chrome_trace(a)
    elif fmt == "json":
        data = a.performance(include_events=True)
        from .tree import cap_nesting  # deep chains nest past what JSON encoders allow (issue 19)

        data["events"], flattened = cap_nesting(data["events"])
        if flattened:
            data["eventsFlattened"] = flattened
    else:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 if fmt == "json" else 0)


def default_filename(session_id: str, fmt: str) -> str:
    ext = {"speedscope": "speedscope.json", "cpuprofile": "cpuprofile", "chrome-trace": "trace.json", "json": "json"}[
        fmt
    ]
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in session_id)[:80]
    return f"sessionprof-{safe}.{ext}"
