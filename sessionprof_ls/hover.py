"""What the editor shows on demand for a document: the hover on a hinted or lensed line
(Markdown: the file's reads with their line ranges, re-sends, tokens and cost; each slow
call's command, duration and rank) and the inlay hint as label parts with emphasis.

Neovim cannot show an inlay hint's tooltip, so the hover carries the same breakdown.
A client that runs commands from Markdown (VS Code) gets a `command:` link to the flame
graph; Neovim, whose hover cannot run one, is told the `:SessionProf` command instead.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from lsprotocol import types as lsp

from . import protocol as P
from .analysis import fmt_ms, fmt_usd
from .analysis.formatting import inferred_hint
from .editor import FileInfo, Lens, Read, hint_level

LEVEL_MARK = {"low": "", "mid": " ▲", "high": " ▲▲"}


def age_text(age_ms: float) -> str:
    """How long ago, in the largest whole unit: "12 min", "3 h", "2 d" (under a minute: "1 min")."""
    minutes = age_ms / 60_000.0
    if minutes < 60:
        return f"{max(1, int(minutes))} min"
    if minutes < 48 * 60:
        return f"{int(minutes // 60)} h"
    return f"{int(minutes // (24 * 60))} d"


def age_suffix(age_ms: float) -> str:
    """The end of a hint taken from an earlier session of the workspace: how old it is.
    The one place this wording lives (the clients show the label as sent)."""
    return f" · from a session {age_text(age_ms)} ago"


def command_link(title: str, command: str, args: list[Any]) -> str:
    return f"[{title}](command:{command}?{urllib.parse.quote(json.dumps(args))})"


def show_link(session_id: str, event_id: str, neovim: bool) -> str:
    if neovim:
        return "Show it in the report: `:SessionProf show` (or run the code lens)"
    return command_link("Show in flame graph", P.CMD_SHOW_EVENT, [session_id, event_id])


def _lines(read: Read) -> str:
    if read.start_line < 0:
        return "whole file" if read.end_line < 0 else f"lines 1–{read.end_line}"
    return (
        f"lines {read.start_line}–{read.end_line}"
        if read.end_line >= read.start_line
        else f"from line {read.start_line}"
    )


def file_markdown(info: FileInfo, session_id: str, neovim: bool, level: str, age_ms: float | None = None) -> str:
    reads = "; ".join(f"{_lines(r)} ({'not recorded' if r.tokens < 0 else f'{r.tokens:,} tk'})" for r in info.reads[:8])
    if len(info.reads) > 8:
        reads += f"; … {len(info.reads) - 8} more"
    emphasis = {"high": " · **among the costliest files**", "mid": " · above the usual share", "low": ""}[level]
    out = [f"**sessionprof** · `{info.path}`", ""]
    if age_ms is not None:
        out += [f"The current session did not read this file; a session {age_text(age_ms)} ago did:", ""]
    out += [
        f"- **{info.context_tokens:,} tokens** in the context ({info.tokens:,} read, {info.resent_tokens:,} re-sent "
        f"as history): {info.share:.1f}% of the session's {info.input_total:,} input tokens{emphasis}",
        f"- **Reads** ({len(info.reads)}): {reads or 'none recorded'}",
        f"- **Re-sent** as history by {info.resent_count} later request(s): {info.resent_tokens:,} tokens, "
        f"{fmt_usd(info.resent_cost) if info.resent_cost is not None else 'cost not known (no price)'}",
    ]
    if info.reads:
        out += ["", show_link(session_id, info.reads[-1].event_id, neovim)]
    return "\n".join(out)


def lens_markdown(lens: Lens, event: dict[str, Any] | None, session_id: str, neovim: bool) -> str:
    md: dict[str, Any] = (event or {}).get("metadata") or {}
    args: dict[str, Any] = md["args"] if isinstance(md.get("args"), dict) else {}
    what = next(
        (
            str(args[k])
            for k in ("command", "pattern", "query", "url", "description", "file_path")
            if isinstance(args.get(k), str) and args[k]
        ),
        None,
    ) or md.get("filePath")
    out = [f"**{lens.name}** took **{fmt_ms(lens.duration)}** · slowest #{lens.rank} of {lens.of} slow tool calls"]
    if what:
        one = " ".join(str(what).split())
        out += ["", "```", one[:300] + ("…" if len(one) > 300 else ""), "```"]
    if md.get("status") == "error" or md.get("error"):
        out += ["", f"Failed: {str(md.get('error') or 'error')[:200]}"]
    if md.get("timing") == "inferred":
        out += ["", inferred_hint(lens.duration)]
    out += ["", show_link(session_id, lens.event_id, neovim)]
    return "\n".join(out)


def inlay_hint(
    info: FileInfo,
    position: lsp.Position,
    session_id: str,
    mid: float,
    high: float,
    neovim: bool,
    age_ms: float | None = None,
) -> lsp.InlayHint:
    """The file's hint: the label with its breakdown and a 'Show in flame graph' command,
    an emphasis mark by share of input, the level in `data` for clients that colour it."""
    level = hint_level(info.share, mid, high)
    target = info.reads[-1].event_id if info.reads else ""
    parts = [
        lsp.InlayHintLabelPart(
            value=info.label,
            tooltip=lsp.MarkupContent(
                kind=lsp.MarkupKind.Markdown, value=file_markdown(info, session_id, neovim, level, age_ms)
            ),
            command=lsp.Command(title="Show in flame graph", command=P.CMD_SHOW_EVENT, arguments=[session_id, target])
            if target
            else None,
        )
    ]
    if LEVEL_MARK[level]:
        parts.append(
            lsp.InlayHintLabelPart(
                value=LEVEL_MARK[level],
                tooltip=f"{info.share:.1f}% of the session's input (emphasis from {mid:g}% and {high:g}%)",
            )
        )
    if age_ms is not None:  # last, after the emphasis mark: the mark is about the file, the age about the hint
        parts.append(
            lsp.InlayHintLabelPart(
                value=age_suffix(age_ms),
                tooltip="The current session did not read this file; an earlier session of the workspace did.",
            )
        )
    return lsp.InlayHint(
        position=position,
        label=parts,
        padding_left=True,
        tooltip=lsp.MarkupContent(kind=lsp.MarkupKind.PlainText, value=info.tooltip),
        data={"level": level, "share": info.share, "sessionId": session_id}
        | ({} if age_ms is None else {"ageMs": age_ms}),
    )
