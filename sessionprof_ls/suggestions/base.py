"""The one small interface every suggestion rule implements, and what rules share.

A rule is one module with one `Rule` subclass:
- `detect(ctx)`   -> a `Finding` (the evidence: event indices and the numbers) or None;
- `estimate(ctx, finding)` -> an `Estimate`: the saving computed from this session, the
  method in words, and whether it is a bound ("up to");
- `edits(suggestion, source)` -> the changes apply.py turns into file edits (guidance
  lines, a new file, a Codex profile); never a deny rule or a project-wide model;
- `metric(ctx)` -> the number the rule tries to lower, per session, so a later session
  of the same workspace can be compared with the earlier ones (effects.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, TypedDict

import numpy as np

from ..analysis.base import AnalysisBase, JsonDict
from ..tree import FREAD, FWRITE


class GuidanceChange(TypedDict):
    """Lines for the agent's instruction file (apply.py picks the file)."""

    op: Literal["guidance"]
    lines: list[str]


class FileChange(TypedDict):
    """A new file in the workspace, never overwritten."""

    op: Literal["file"]
    path: str
    text: str


class ProfileChange(TypedDict):
    """A `[profiles.<profile>]` table in a TOML config (Codex)."""

    op: Literal["toml_profile"]
    path: str
    profile: str
    values: dict[str, str]


Change = GuidanceChange | FileChange | ProfileChange  # what `Rule.edits` asks apply.py to do


@dataclass
class Finding:
    events: list[int]  # event indices, the evidence
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Estimate:
    text: str  # "up to -2,441 tokens"
    method: str  # how it was computed, in one sentence
    bound: bool  # an upper bound rather than an expected value
    ms: float = 0.0
    tokens: int = 0
    usd: float | None = None


@dataclass
class Metric:
    name: str  # "re-read tokens per session"
    unit: str  # "tokens" | "usd" | "ms" | "count" | "percent"


@dataclass(frozen=True)
class RuleInfo:
    """What a rule is called and what it lowers: one value per rule."""

    kind: str
    type: str
    title: str
    metric: Metric
    evidence_label: str


class Context:
    """One session as the rules see it: the analysis plus the tables it already built."""

    def __init__(
        self,
        analysis: AnalysisBase,
        summary: JsonDict | None = None,
        by_file: list[JsonDict] | None = None,
        history_tokens: int | None = None,
        total_input: int | None = None,
    ) -> None:
        self.a = analysis
        self.t = analysis.t
        self.summary = summary if summary is not None else analysis.summary()
        s = self.summary
        self.total_input = (
            total_input if total_input is not None else s["inputTokens"] + s["cacheReadTokens"] + s["cacheWriteTokens"]
        )
        self.by_file = by_file if by_file is not None else analysis.tokens_by_file(self.total_input)
        if history_tokens is None:
            history_tokens = max(0, self.total_input - sum(r["tokens"] + r["resentTokens"] for r in self.by_file))
        self.history_tokens = history_tokens

    def path(self, i: int) -> str | None:
        return self.t.strings.get(self.t.file[i]) if self.t.file[i] >= 0 else None

    def rel(self, path: str) -> str:
        """A session path relative to the session's workspace (as the file table's reader
        thinks of it); paths outside it keep their last two parts, never the full path."""
        ws = self.t.workspace
        if os.path.isabs(path):
            if ws:
                try:
                    r = os.path.relpath(path, ws)
                except ValueError:
                    r = ".."
                if not r.startswith(".."):
                    return r.replace(os.sep, "/")
            return "…/" + "/".join(path.replace("\\", "/").rstrip("/").split("/")[-2:])
        return os.path.normpath(path).replace(os.sep, "/")

    def workspace_rel(self, path: str) -> str | None:
        """The path relative to the session's workspace when it lies inside it (symlinks
        followed where the workspace exists here), else None: only such paths are ever
        named in text written to an instruction file."""
        ws = self.t.workspace
        if not ws or "\x00" in path or path.startswith("~"):
            return None
        base = Path(ws)
        target = Path(path) if os.path.isabs(path) else base / path
        try:
            rel = os.path.relpath(os.path.normpath(target), os.path.normpath(base))
            if rel.startswith("..") or os.path.isabs(rel) or "\\" in rel:
                return None
            if base.exists() and not (base / rel).resolve().is_relative_to(base.resolve()):
                return None
        except (ValueError, OSError, RuntimeError):
            return None
        return rel.replace(os.sep, "/")

    def evidence(self, idxs: list[int], what: str, limit: int = 50) -> list[JsonDict]:
        t = self.t
        out: list[JsonDict] = []
        for i in idxs[:limit]:
            p = self.path(i)
            name = t.strings.values[t.name[i]]
            out.append(
                {
                    "eventId": t.ids[i],
                    "name": self.rel(name) if name == p else name,
                    "what": what,
                    "filePath": self.rel(p) if p else None,
                    "startTime": t.start[i] - self.a.t0,
                }
            )
        return out

    @cached_property
    def touched_later(self) -> dict[str, float]:
        """Per file, the start of the last time the agent read or wrote it: a file used
        after a point must never be denied, hidden or made slower to reach."""
        t = self.t
        fcol = self.a._col("file")
        idx = np.flatnonzero(np.isin(self.a.a_type, (FREAD, FWRITE)) & (fcol >= 0))
        last: dict[str, float] = {}
        for i in idx.tolist():
            p = t.strings.values[t.file[i]]
            last[p] = max(last.get(p, -np.inf), t.start[i])
        return last

    @cached_property
    def written(self) -> set[str]:
        t = self.t
        fcol = self.a._col("file")
        idx = np.flatnonzero((self.a.a_type == FWRITE) & (fcol >= 0))
        return {t.strings.values[t.file[i]] for i in idx.tolist()}

    @cached_property
    def resends(self) -> dict[int, int]:
        """Per file read: how many later requests re-sent it (the count the file table
        multiplies by), so a rule's tokens agree with the table exactly."""
        return self.a.resend_counts()


class Rule:
    """Base of every rule; a subclass sets the class attributes and the four methods."""

    info = RuleInfo("", "", "", Metric("", ""), "")
    kind = ""  # kind .. evidence_label: copied from `info` when the subclass is defined
    type = ""
    title = ""
    metric_info = Metric("", "")
    evidence_label = ""
    guidance_text = ""  # the line for the instruction file, when it does not depend on the session

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        i = cls.info
        cls.kind, cls.type, cls.title, cls.metric_info, cls.evidence_label = (
            i.kind,
            i.type,
            i.title,
            i.metric,
            i.evidence_label,
        )

    def detect(self, ctx: Context) -> Finding | None:
        raise NotImplementedError

    def estimate(self, ctx: Context, finding: Finding) -> Estimate:
        raise NotImplementedError

    def describe(self, ctx: Context, finding: Finding, est: Estimate) -> str:
        raise NotImplementedError

    @staticmethod
    def up_to(text: str, method: str, *, ms: float = 0.0, tokens: int = 0, usd: float | None = None) -> Estimate:
        """A bound on the saving, shown as `up to -<text>`."""
        return Estimate(f"up to -{text}", method, bound=True, ms=ms, tokens=tokens, usd=usd)

    def edits(self, suggestion: JsonDict, source: str | None) -> list[Change]:
        """Default: the rule's guidance in the agent's instruction file."""
        return [{"op": "guidance", "lines": [suggestion["guidance"]]}] if suggestion.get("guidance") else []

    def guidance(self, ctx: Context, finding: Finding) -> str:
        return self.guidance_text

    def metric(self, ctx: Context) -> float | None:
        raise NotImplementedError

    def extra(self, ctx: Context, finding: Finding) -> JsonDict:
        return {}

    # ------------------------------------------------------------ the suggestion as sent

    def suggestion(self, ctx: Context) -> JsonDict | None:
        finding = self.detect(ctx)
        if finding is None:
            return None
        est = self.estimate(ctx, finding)
        t = ctx.t
        d: JsonDict = {
            "id": self.kind,
            "type": self.type,
            "kind": self.kind,
            "title": self.title,
            "description": self.describe(ctx, finding, est),
            "estimatedSaving": est.text,
            "savingMs": float(est.ms),
            "savingTokens": int(est.tokens),
            "savingUsd": est.usd,
            "affectedEvents": [t.ids[i] for i in finding.events[:500]],
            "filePaths": [],
            "models": [],
            "suggestedModel": None,
            "guidance": self.guidance(ctx, finding),
            "method": est.method,
            "bound": est.bound,
            "evidence": ctx.evidence(finding.events, self.evidence_label),
            "metric": self.metric_info.name,
            "metricUnit": self.metric_info.unit,
        }
        d.update(self.extra(ctx, finding))
        return d
