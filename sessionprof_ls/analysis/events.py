"""Events as the wire's JSON: one JsonDict per span, nested by parent."""

from __future__ import annotations

import math

from ..tree import F_ORPHAN, TYPES
from .base import AnalysisBase, JsonDict


class EventsMixin(AnalysisBase):
    """The event tree; mixed into Analysis."""

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
