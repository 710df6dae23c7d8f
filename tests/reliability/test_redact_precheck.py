"""The redaction's fast paths (issue 15 speed) must never skip what the full patterns change.

redact_text skips strings no pattern can match (substring tests on the lowered text),
remembers repeated strings, and redact_value skips a container whose JSON text holds no
piece of a secret or a secret key name. Each answer is compared with the patterns run
without any shortcut, on real transcripts and on random text built from the pieces of
every secret shape, labels, secret key names and the non-ASCII letters that case-fold
to ASCII ones (the Kelvin sign, long s, dotted and dotless i).
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson

from sessionprof_ls import redact as R

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PIECES = [
    "sk-",
    "sk-ant-",
    "ghp_",
    "github_pat_",
    "xoxb-",
    "AKIA",
    "ASIA",
    "AIza",
    "glpat-",
    "eyJ",
    "aws",
    "://",
    "://user:",
    "@",
    "Bearer ",
    "bAsIc ",
    "KEY",
    "api_key",
    "Secret",
    "PASSW",
    "toKen",
    "pwd",
    "Auth",
    "cookie",
    "Credentials",
    " -p",
    "\n-P",
    "\t-p",
    "-----BEGIN RSA PRIVATE KEY-----",
    "=",
    ": ",
    '"',
    "'",
    "\u212aey",
    "to\u212aen",
    "\u017fecret",
    "ba\u017fic",
    "ba\u0131c",
    "ba\u0130c",
    "\u0130",
    "\u0307",
    "é",
    "…",
    "\u00df",
    " ",
    "/",
    ".",
    "-",
    "_",
]
ALNUM = "abcdefXYZQ0123456789+/="


def _words(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        parts = [
            rng.choice(PIECES) if rng.random() < 0.35 else "".join(rng.choice(ALNUM) for _ in range(rng.randint(1, 44)))
            for _ in range(rng.randint(1, 7))
        ]
        out.append("".join(parts))
    return out


def _full(text: str) -> str:
    return R._redact_text(text) if len(text) >= 6 else text


def _walk_all(value, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(R, "_json_may_change", lambda _v: True)
        return R.redact_value(value)


def test_text_precheck_never_skips_a_secret():
    rng = random.Random(15)
    words = _words(rng, 40_000)
    changed = 0
    for w in words:
        expect = _full(w)
        changed += expect != w
        assert R.redact_text(w) == expect, repr(w)
        assert R.redact_text(w) == expect, repr(w)  # the remembered answer too
    assert changed > 5_000  # the random text does hold secrets the patterns change


def test_value_precheck_never_skips_a_secret(monkeypatch):
    rng = random.Random(19)
    values = []
    for i in range(5_000):
        k, v, a, b = _words(rng, 4)
        values.append({k: v, "args": [a, {b: [k, i, None, True]}], "n": i})
    for path in sorted(FIXTURES.rglob("*.jsonl"))[:40]:
        for line in path.read_bytes().splitlines():
            try:
                values.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                continue
    skipped = 0
    for value in values:
        skipped += isinstance(value, dict) and not R._json_may_change(value)
        assert R.redact_value(value) == _walk_all(value, monkeypatch), repr(value)[:300]
    assert skipped > 100  # real transcript lines do take the fast path
