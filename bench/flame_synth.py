"""Synthetic sessions for bench_flame_ui.py with the shape real agent sessions have:
parallel tool calls (batches of 3 started together), Task calls whose subagent runs
beside two more tools, subagents with their own parallel batch, and idle gaps between
some turns. At least 20% of spans overlap a sibling (overlap_share says how many).

Also the same spans as speedscope can read them (to_speedscope: one evented profile per
lane, since a speedscope profile is a single well-nested stack) and as sessionprof
events (to_events) for the run through the real server."""

from __future__ import annotations

TYPES = ["session", "agent", "ai_response", "tool_execution", "file_read", "network_request", "file_write"]
TOOLS = [
    ("Read", "file_read"),
    ("Bash", "network_request"),
    ("Edit", "file_write"),
    ("WebFetch", "network_request"),
    ("Grep", "file_read"),
]
IDLE_EVERY = 10  # every 10th turn is followed by ...
IDLE_MS = 10 * 60_000  # ... ten minutes of nothing


class _Builder:
    def __init__(self):
        self.strings: list[str] = []
        self.sidx: dict[str, int] = {}
        self.cols = {k: [] for k in ("name", "type", "depth", "start", "value", "parent")}

    def add(self, nm: str, ty: str, parent: int, st: float, v: float) -> int:
        c = self.cols
        k = self.sidx.get(nm)
        if k is None:
            k = self.sidx[nm] = len(self.strings)
            self.strings.append(nm)
        c["name"].append(k)
        c["type"].append(TYPES.index(ty))
        c["depth"].append(c["depth"][parent] + 1 if parent >= 0 else 0)
        c["start"].append(st)
        c["value"].append(v)
        c["parent"].append(parent)
        return len(c["start"]) - 1

    def __len__(self):
        return len(self.cols["start"])


def synthesize(n: int) -> dict:
    """A FlameGraph (time view, as the server sends it) of about n spans."""
    b = _Builder()
    root = b.add("Session: bench", "session", -1, 0.0, 0.0)
    seq = [0]

    def h(a: int, m: int) -> int:
        seq[0] += 1
        return (seq[0] * 7919 + a * 104729) % m

    def tool(parent: int, t: float, k: int) -> float:
        name, io = TOOLS[(k + seq[0]) % len(TOOLS)]
        d = 20.0 + h(k, 900)
        ti = b.add(name, "tool_execution", parent, t, d)
        b.add(f"src/module_{h(k, 500)}.py", io, ti, t + 1.0, d - 2.0)
        return d

    def steps(parent: int, t: float, count: int, sub: bool) -> float:
        for step in range(count):
            if len(b) >= n:
                break
            d = 200.0 + h(step, 3000)
            b.add(f"Response #{seq[0]}", "ai_response", parent, t, d)
            t += d + 1.0
            if not sub and step % 8 == 7:
                # a Task whose subagent runs beside two more tools
                task = b.add("Task", "tool_execution", parent, t, 0.0)
                agent = b.add(f"Subagent: explore part {seq[0] % 40}", "agent", task, t + 1.0, 0.0)
                end = steps(agent, t + 2.0, 12, True)
                b.cols["value"][agent] = end - (t + 1.0)
                b.cols["value"][task] = end + 1.0 - t
                tool(parent, t + 3.0, step)
                tool(parent, t + 5.0, step + 1)
                t = end + 2.0
            elif step % 2:
                ends = [t + 2.0 * k + tool(parent, t + 2.0 * k, step + k) for k in range(3)]  # a parallel batch
                t = max(ends) + 1.0
            else:
                t += tool(parent, t, step) + 1.0
        return t

    t = 0.0
    turn_no = 0
    while len(b) < n:
        turn_no += 1
        turn = b.add(f"Turn {turn_no}", "agent", root, t, 0.0)
        end = steps(turn, t, 40, False)
        b.cols["value"][turn] = end - t
        t = end + 5.0 + (IDLE_MS if turn_no % IDLE_EVERY == 0 else 0.0)
    b.cols["value"][root] = t
    c = b.cols
    count = len(c["start"])
    return {
        "sessionId": f"bench-{count}",
        "view": "time",
        "weight": "time",
        "unit": "ms",
        "total": t,
        "maxDepth": max(c["depth"]),
        "strings": b.strings,
        "types": TYPES,
        "frames": {**c, "id": [f"e{i}" for i in range(count)], "count": None},  # as the server sends it
    }


def overlap_share(fg: dict) -> float:
    """Share of spans that overlap at least one sibling in time."""
    f = fg["frames"]
    n = len(f["start"])
    kids: dict[int, list[int]] = {}
    for i in range(1, n):
        kids.setdefault(f["parent"][i], []).append(i)
    hit = bytearray(n)
    for ks in kids.values():
        ks.sort(key=lambda i: f["start"][i])
        reach, who = float("-inf"), -1
        for i in ks:
            if f["start"][i] < reach:
                hit[i] = hit[who] = 1
            e = f["start"][i] + f["value"][i]
            if e > reach:
                reach, who = e, i
    return sum(hit) / n


def lanes(fg: dict) -> list[int]:
    """A thread id per span, so that each thread is one well-nested stack: a sibling that
    overlaps an earlier one (lane > 0, as the web UI lays it out) starts a subtree on
    the first thread free for its whole extent; lane-0 children stay on their parent's."""
    f = fg["frames"]
    n = len(f["start"])
    ext = [f["start"][i] + f["value"][i] for i in range(n)]
    for i in range(n - 1, 0, -1):
        p = f["parent"][i]
        ext[p] = max(ext[p], ext[i])
    kids: dict[int, list[int]] = {}
    for i in range(1, n):
        kids.setdefault(f["parent"][i], []).append(i)
    lane_root = []
    for ks in kids.values():
        ks.sort(key=lambda i: f["start"][i])
        lane_end: list[float] = []
        for c in ks:
            k = next((k for k, e in enumerate(lane_end) if e <= f["start"][c]), len(lane_end))
            if k == len(lane_end):
                lane_end.append(ext[c])
            lane_end[k] = ext[c]
            if k:
                lane_root.append(c)
    pooled: dict[int, int] = {}
    busy: list[float] = [float("inf")]  # thread 0 holds the session frame throughout
    for c in sorted(lane_root, key=lambda i: f["start"][i]):
        k = next((k for k, e in enumerate(busy) if e <= f["start"][c]), len(busy))
        if k == len(busy):
            busy.append(0.0)
        busy[k] = ext[c]
        pooled[c] = k
    tid = [0] * n
    for i in range(1, n):  # pre-order: a parent's thread is known before its children's
        tid[i] = pooled.get(i, tid[f["parent"][i]])
    return tid


def to_speedscope(fg: dict) -> dict:
    """The same spans as speedscope evented profiles, one per lane (frames shared by name)."""
    f = fg["frames"]
    n = len(f["start"])
    tid = lanes(fg)
    kids: dict[int, list[int]] = {}
    roots: dict[int, list[int]] = {}
    for i in range(n):
        p = f["parent"][i]
        if p >= 0 and tid[p] == tid[i]:
            kids.setdefault(p, []).append(i)
        else:
            roots.setdefault(tid[i], []).append(i)
    frames, fidx = [], {}
    for s in f["name"]:
        if s not in fidx:
            fidx[s] = len(frames)
            frames.append({"name": fg["strings"][s]})
    profiles = []
    for t in sorted(roots):
        events = []
        stack = [(i, False) for i in sorted(roots[t], key=lambda i: f["start"][i], reverse=True)]
        while stack:
            i, closing = stack.pop()
            fr = fidx[f["name"][i]]
            if closing:
                events.append({"type": "C", "frame": fr, "at": f["start"][i] + f["value"][i]})
                continue
            events.append({"type": "O", "frame": fr, "at": f["start"][i]})
            stack.append((i, True))
            stack.extend((c, False) for c in sorted(kids.get(i, ()), key=lambda c: f["start"][c], reverse=True))
        profiles.append(
            {
                "type": "evented",
                "name": f"lane {t}",
                "unit": "milliseconds",
                "startValue": 0,
                "endValue": fg["total"],
                "events": events,
            }
        )
    return {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "name": fg["sessionId"],
        "exporter": "sessionprof-bench",
        "activeProfileIndex": 0,
        "shared": {"frames": frames},
        "profiles": profiles,
    }


def to_events(fg: dict, t0: float = 1.7e12) -> list[dict]:
    """The spans as sessionprof events (the session frame is the server's own)."""
    f = fg["frames"]
    sid = fg["sessionId"]
    out = []
    for i in range(1, len(f["start"])):
        p = f["parent"][i]
        ev = {
            "sessionId": sid,
            "id": f"e{i}",
            "parentId": f"e{p}" if p > 0 else None,
            "type": TYPES[f["type"][i]] if f["type"][i] else "agent",
            "name": fg["strings"][f["name"][i]],
            "startTime": t0 + f["start"][i],
            "endTime": t0 + f["start"][i] + f["value"][i],
        }
        if ev["type"] in ("file_read", "file_write"):
            ev["metadata"] = {"filePath": "/ws/" + ev["name"]}
        out.append(ev)
    return out
