"""Secrets are redacted from the whole event before it is stored or shown.

Agents pass shell commands, HTTP headers and config snippets as tool arguments,
and echo them back in errors, tool output, span names, titles and file paths;
API keys and passwords in any of them must never reach the store, the UI, an
export or the report. Every string value and every key of an event goes through
`redact_value` (events.py does it on every way in), with known secret shapes,
labelled values (`Bearer x`, `password=x`), URL passwords, and an entropy-based
catch-all for a long random-looking word after key/token/secret/password/Bearer.
A secret whose text was cut (an importer's excerpt) loses its remaining prefix too.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import orjson

REDACTED = "[REDACTED]"

_SECRET_KEY = re.compile(
    r"(?i)^(.*[_-])?(api[_-]?key|apikey|secret|password|passwd|pwd|token|access[_-]?key|"
    r"private[_-]?key|authorization|auth|credentials?|cookie|session[_-]?key|client[_-]?secret)$"
)

_VALUE_PATTERNS = [
    # provider keys and tokens with recognisable prefixes
    re.compile(r"\bsk-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_\-]{16,}"),
    re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}"),
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"),
    re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"),
    re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}"),
    re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # JWT
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"),
]
# "Bearer X", "password=X", "--token X", "API_KEY: X" keep their label, lose the value
_LABELLED = re.compile(
    r"(?i)(\bbearer\s+|\bbasic\s+|"
    r"(?:[A-Za-z0-9_]*(?:api[_-]?key|secret|password|passwd|token|access[_-]?key))[\"']?\s*[=:]\s*[\"']?|"
    r"--(?:password|token|api-key|secret)[= ]\s*|\s-p(?=\S{4,}))"
    r"([^\s\"'&;,]{4,})"
)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@]+:)([^/\s@]+)(@)")
# an AWS secret access key: 40 base64 characters, looked for when an access key id is near
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])")
_AWS_HINT = re.compile(r"(?i)AKIA|ASIA|aws")
_HEX = re.compile(r"[0-9a-fA-F]+")  # a git commit id, not an AWS secret
# a secret's prefix left at the end of cut text ("sk-proj-abc…")
_CUT_TAIL = re.compile(
    r"(?:\b(?:sk-|gh[pousr]_|github_pat_|xox[abprs]-|AKIA|ASIA|AIza|glpat-|eyJ)[A-Za-z0-9_\-.]*"
    r"|-----BEGIN [A-Z ]*PRIVATE[\s\S]*|\b[a-z][a-z0-9+.\-]*://[^/\s:@]+:[^/\s@]*)…?\s*$"
)
# the catch-all: a long random-looking word shortly after a label
_AFTER_LABEL = re.compile(
    r"(?i)\b(?:api[_-]?key|key|token|secret|password|passwd|bearer)\b[^\n]{0,24}?"
    r"(?<![A-Za-z0-9+/_\-])([A-Za-z0-9+/_\-.=]{16,})"
)


_FILE_LIKE = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")


def _entropy(word: str) -> float:
    """Shannon entropy in bits per character."""
    n = len(word)
    return -sum(c / n * math.log2(c / n) for c in Counter(word).values())


def _random_looking(word: str, path_like_ok: bool = False) -> bool:
    """Many distinct characters, letters and digits mixed: a key, not a word or a path."""
    if REDACTED.strip("[]") in word:
        return False
    if not path_like_ok and (word.count("/") >= 3 or _FILE_LIKE.search(word)):
        return False  # a path or a file name, not a key (base64 has a "/" in 64)
    has_digit = any(c.isdigit() for c in word)
    has_alpha = any(c.isalpha() for c in word)
    return has_digit and has_alpha and _entropy(word) >= 3.5


# Every match of every pattern in redact_text contains one of these (case-insensitively,
# with the same Unicode case folding as the (?i) patterns): one search decides whether
# the ~15 substitutions can change anything. Most strings of a transcript hold none.
_ANY_PATTERN = re.compile(
    r"(?i)sk-|gh[pousr]_|github_pat_|xox[abprs]-|akia|asia|aiza|glpat-|eyj|-----begin|://|"
    r"bearer|basic|key|secret|passw|token|\s-p|aws"
)
# The same test as substring tests on the lowered text: ~20x faster than the
# case-insensitive alternation on long tool outputs. Exact only while no character
# outside ASCII case-folds to an ASCII letter (the regex's folding maps these four:
# dotted/dotless i, long s, the Kelvin sign); text holding one takes the regex.
_FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")
_ANY_PIECE = (
    "key",
    "token",
    "secret",
    "passw",
    "bearer",
    "basic",
    "://",
    "sk-",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "xox",
    "akia",
    "asia",
    "aiza",
    "glpat-",
    "eyj",
    "-----begin",
    "aws",
)
# _SECRET_KEY's names not already among _ANY_PIECE (a value under such a key goes whole)
_KEY_PIECES = ("pwd", "auth", "credential", "cookie")
# The one pre-check of a whole value's JSON (json_may_hold_secret): every piece above and a
# \u escape (it may hide a piece); "-p" is looked for apart, after whitespace (raw or escaped),
# since deleting digits and quotes would join an id's "ev-1" to the next key's "parentId".
_JSON_PIECES = tuple(p.encode() for p in (*_ANY_PIECE, *_KEY_PIECES, "\\u"))
_JSON_DASH_P = re.compile(rb"(?:\s|\\[tnr])-p")
_FOLDS_UTF8 = tuple(c.encode() for c in _FOLDS_TO_ASCII)


# Deleted before the pieces are looked for: no piece holds one, so deleting them can join
# text into a new piece (a needless closer look) but never break one. What is left of an
# event is often its shape alone (ids, times, counts and line numbers gone), remembered.
_NO_PIECE = b'0123456789.,{}[]" '
_SEEN: dict[bytes, bool] = {}
_MEMO_MAX = 4096  # entries of _SEEN and _MEMO


def json_may_hold_secret(raw: bytes) -> bool:
    """Could redacting the value this JSON holds change anything? The one pre-check of an
    event (events.decode_event) and of a container (redact_value): False only when no string
    and no key of it holds a piece of a secret or a secret key's name. The `tokens` and
    `fileTokens` keys every API request carries are not a reason to look closer."""
    if not raw.isascii() and any(c in raw for c in _FOLDS_UTF8):
        return True
    low = raw.lower()
    if b'tokens"' in low:
        low = low.replace(b'"tokens":', b"").replace(b'"filetokens":', b"")
    if b"-p" in low and _JSON_DASH_P.search(low) is not None:
        return True
    low = low.translate(None, _NO_PIECE)
    seen = _SEEN.get(low)
    if seen is None:
        seen = False
        for piece in _JSON_PIECES:
            if piece in low:
                seen = True
                break
        if len(low) <= 2048:
            if len(_SEEN) >= _MEMO_MAX:
                _SEEN.clear()
            _SEEN[low] = seen
    return seen


_SPACE_DASH_P = re.compile(r"\s-p")


def _may_change(text: str) -> bool:
    """Could any pattern of _redact_text match? False only when none can."""
    if not text.isascii() and any(c in text for c in _FOLDS_TO_ASCII):
        return _ANY_PATTERN.search(text) is not None
    low = text.lower()
    for piece in _ANY_PIECE:
        if piece in low:
            return True
    return "-p" in low and _SPACE_DASH_P.search(low) is not None


_MEMO: dict[str, str] = {}  # strings repeated across events (tool names, commands, paths) redacted once


def redact_text(text: str) -> str:
    """Redact secrets inside free text (a shell command, a URL, a header line, an error)."""
    if len(text) < 6 or not _may_change(text):
        return text
    if len(text) > 2048:  # long outputs are rarely repeated: not worth keeping
        return _redact_text(text)
    done = _MEMO.get(text)
    if done is None:
        if len(_MEMO) >= _MEMO_MAX:
            _MEMO.clear()
        done = _MEMO[text] = _redact_text(text)
    return done


def _redact_text(text: str) -> str:
    """redact_text without the pre-check and the memo (the patterns themselves)."""
    aws = _AWS_HINT.search(text) is not None
    for pattern in _VALUE_PATTERNS:
        text = pattern.sub(REDACTED, text)
    text = _URL_USERINFO.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)
    text = _LABELLED.sub(lambda m: m.group(1) + REDACTED, text)
    if aws:
        text = _AWS_SECRET.sub(
            lambda m: REDACTED if _random_looking(m.group(1), True) and not _HEX.fullmatch(m.group(1)) else m.group(1),
            text,
        )
    text = _AFTER_LABEL.sub(
        lambda m: m.group(0)[: m.start(1) - m.start(0)] + REDACTED if _random_looking(m.group(1)) else m.group(0), text
    )
    return _CUT_TAIL.sub(REDACTED, text)


def _secret_key(key: Any) -> bool:
    return isinstance(key, str) and _SECRET_KEY.match(key) is not None


def _json_may_change(value: Any) -> bool:
    """Could redact_value change anything in this container? json_may_hold_secret over its
    JSON text, tested once instead of string by string (a cursor's state, an event)."""
    try:
        text = orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return True  # not plain JSON: walk it
    return json_may_hold_secret(text)


def redact_value(value: Any) -> Any:
    """A copy of a JSON value with every string and every key redacted; values under
    secret-looking keys become [REDACTED] whole. Iterative: any depth, no recursion.
    A container in which nothing can change is returned as it is (callers only serialise it)."""
    if isinstance(value, str):
        return redact_text(value)
    if not isinstance(value, (dict, list)) or not _json_may_change(value):
        return value
    return _redact_walk(value)


def redact_json(raw: bytes) -> bytes | None:
    """The redacted JSON of a value, or None when the one pre-check finds nothing that
    could change (the common case: the caller keeps the bytes it has)."""
    if not json_may_hold_secret(raw):
        return None
    return orjson.dumps(_redact_walk(orjson.loads(raw)))


def _redact_walk(value: Any) -> Any:
    """redact_value without the pre-check: every string and key of the value."""
    if not isinstance(value, (dict, list)):
        return redact_text(value) if isinstance(value, str) else value
    # (source container, destination container)
    stack: list[tuple[dict[Any, Any] | list[Any], Any]] = []

    def place(item: Any, secret: bool) -> Any:
        if isinstance(item, dict):
            out: Any = {}
        elif isinstance(item, list):
            out = []
        elif secret and item not in (None, "", True, False):
            return REDACTED
        elif isinstance(item, str):
            return redact_text(item)
        else:
            return item
        stack.append((item, out))
        return out

    root = place(value, False)
    while stack:
        src, dst = stack.pop()
        if isinstance(src, dict):
            for key, item in src.items():
                secret = _secret_key(key)
                dst[redact_text(key) if isinstance(key, str) else key] = place(item, secret)
        else:
            for item in src:
                dst.append(place(item, False))
    return root


def redact(value: Any) -> Any:
    """Return a copy of a JSON value with secrets replaced by [REDACTED] (see redact_value)."""
    return redact_value(value)
