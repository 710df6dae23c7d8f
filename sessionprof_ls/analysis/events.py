"""Events as the wire's JSON: one JsonDict per span, nested by parent."""

from __future__ import annotations

import math

from ..tree import F_COMPACTION, F_ERROR, F_ORPHAN, F_TOKENS, TYPES
from .base import AnalysisBase, JsonDict


class EventsMixin(AnalysisBase):
    """The event tree; mixed into Analysis."""

    def metadata(self, i: int) -> JsonDict:
        t = self.t
        s = t.strings
        md: JsonDict = {}
        if t.model[i] >= 0:
            md["model"] = s.values[t.model[i]]
        if i in t.provider:
            md["provider"] = t.provider[i]
        if t.flags[i] & F_TOKENS:
            md["tokens"] = {"input": t.tin[i], "output": t.tout[i], "cacheRead": t.tcr[i], "cacheWrite": t.tcw[i]}
        if t.cost[i] == t.cost[i]:
            md["costUsd"] = t.cost[i]
        if t.tool[i] >= 0:
            md["toolName"] = s.values[t.tool[i]]
        if t.file[i] >= 0:
            md["filePath"] = s.values[t.file[i]]
        if t.file_size[i] >= 0:
            md["fileSize"] = t.file_size[i]
        if t.file_tokens[i] >= 0:
            md["fileTokens"] = t.file_tokens[i]
        if t.start_line[i]:
            md["startLine"] = t.start_line[i]
        if t.end_line[i]:
            md["endLine"] = t.end_line[i]
        if i in t.url:
            md["url"] = t.url[i]
        if t.flags[i] & F_ERROR:
            md["status"] = "error"
            if i in t.error:
                md["error"] = t.error[i]
        if i in t.text:
            md["text"] = t.text[i]
        if t.flags[i] & F_COMPACTION:
            md["compaction"] = True
        return md

    def event(self, i: int, children: list[JsonDict] | None = None) -> JsonDict:
        t = self.t
        s = t.start[i] - self.t0
        e = self.ends[i] - self.t0
        c = float(self.cost_array()[i]) if self._is_request(i) else math.nan
        cost = None if c != c else c
        return {
            "id": t.ids[i],
            "parentId": t.parent_id_of(i),
            "type": TYPES[t.type[i]],
            "name": t.strings.values[t.name[i]],
            "startTime": s,
            "endTime": e,
            "duration": e - s,
            "running": self.live and bool(self.a_open[i]),
            "interrupted": not self.live and bool(self.a_open[i]),
            "orphan": bool(t.flags[i] & F_ORPHAN),
            "cost": cost,
            "children": children if children is not None else [],
            "metadata": self.metadata(i),
        }

    def events_tree(self) -> list[JsonDict]:
        kids = self.children()
        n = self.n
        built: dict[int, JsonDict] = {}
        for node in self.children_first():
            if node == n:
                continue
            built[node] = self.event(node, [built.pop(c) for c in kids[node]])
        return [built.pop(c) for c in kids[n]]
