"""Text copied into instruction files (CLAUDE.md, AGENTS.md) as inert Markdown.

Paths and model names come from session files, which an attacker can shape: a name
holding a newline, "#", "-", "[", "<" or backticks must not become a heading, a list
item, a link, HTML or a new instruction line. Everything is one line; values are code
spans whose fence is longer than any backtick run inside; other text is escaped.
"""

from __future__ import annotations

import re
import unicodedata

# each line is written after our own "- ", so only inline structure can appear: emphasis,
# code, links and images, HTML and entities, table cells, strikethrough
_PUNCT = re.compile(r"([\\`*_\[\]<>|~&])")


def one_line(text: str) -> str:
    """Line breaks (including U+2028/2029, NEL) and other control characters become spaces."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        out.append(" " if cat in ("Cc", "Zl", "Zp", "Cf") else ch)
    return " ".join("".join(out).split())


def md_text(text: str) -> str:
    """Plain text with every character that could start inline Markdown escaped."""
    return _escape(one_line(text))


def _escape(text: str) -> str:
    return _PUNCT.sub(r"\\\1", text)


def md_code(value: str) -> str:
    """A value as a code span: nothing inside is Markdown structure."""
    v = one_line(value)
    runs = [len(m) for m in re.findall(r"`+", v)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if v.startswith("`") or v.endswith("`") or not v else ""
    return f"{fence}{pad}{v}{pad}{fence}"


def safe_line(text: str) -> str:
    """A guidance line as written: our sentences keep their code spans; anything
    outside a code span is escaped, and the whole is one line."""
    text = one_line(text)
    parts = re.split(r"(`+)", text)
    out, i = [], 0
    while i < len(parts):
        p = parts[i]
        if p.startswith("`") and p:
            # find the matching fence
            j = next((k for k in range(i + 1, len(parts)) if parts[k] == p), None)
            if j is not None:
                out.append(p + "".join(parts[i + 1 : j]) + p)
                i = j + 1
                continue
            out.append(_escape(p))
        else:
            out.append(_escape(p))
        i += 1
    line = "".join(out)
    # block structure inside the list item ("- # x", "- > x", "- 1. x", "- - x")
    if re.match(r"[#>+=-]|\d+[.)]", line):
        line = "\\" + line
    return line
