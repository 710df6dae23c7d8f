"""Every bad path, store and argument a user can give: one line naming the problem,
a non-zero exit, never a traceback; a read-only store still serves reads."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from sp_fixtures import FIXTURES, run_cli

CODEX = FIXTURES / "codex" / "agentlogs-crud.jsonl"
CLAUDE = FIXTURES / "claude-code" / "agentlogs-crud.jsonl"


def sp(tmp_path: Path, *args: str, store: Path | None = None) -> subprocess.CompletedProcess:
    return run_cli(tmp_path, *args, store=store, columns=100)


def one_error(out: subprocess.CompletedProcess, *words: str) -> str:
    """The command failed with exactly one line on stderr that holds every word."""
    assert out.returncode != 0, out
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def test_store_on_a_directory(tmp_path):
    for cmd in (["sessions"], ["report"], ["import", str(CODEX)]):
        one_error(sp(tmp_path, "--store", str(tmp_path), *cmd), str(tmp_path), "is a directory")


def test_store_on_a_file_that_is_not_a_database(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("my notes, not a database\n" * 20)
    one_error(sp(tmp_path, "sessions", store=bad), str(bad), "not a sessionprof store")
    one_error(sp(tmp_path, "report", store=bad), str(bad), "not a sessionprof store")
    assert bad.read_text().startswith("my notes")  # left as it was


def _read_only(tmp_path: Path, store: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the CLI with `store`'s folder mounted read-only (a private mount namespace)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CLAUDE_CONFIG_DIR", "CODEX_HOME")}
    env.update(SESSIONPROF_STORE=str(store), HOME=str(tmp_path / "home"), COLUMNS="100")
    folder = str(store.parent)
    cli = " ".join(map(_quote, [sys.executable, "-m", "sessionprof_ls.cli", *args]))
    script = f"mount --bind -o ro {_quote(folder)} {_quote(folder)} && exec {cli}"
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path
    )


def _quote(s: str) -> str:
    import shlex

    return shlex.quote(s)


def test_read_only_store_serves_reads_and_refuses_imports_in_one_line(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    store = folder / "store.db"
    assert sp(tmp_path, "import", str(CODEX), store=store).returncode == 0
    probe = _read_only(tmp_path, store, "sessions", "--json")
    assert probe.returncode == 0, probe.stderr
    (s,) = json.loads(probe.stdout)
    assert s["totalTokens"] == 3097 + 44160 + 300
    rep = _read_only(tmp_path, store, "report", s["sessionId"][:8], "--json")
    assert rep.returncode == 0, rep.stderr
    assert json.loads(rep.stdout)["totalTokens"] == s["totalTokens"]
    table = _read_only(tmp_path, store, "sessions")
    assert table.returncode == 0 and s["sessionId"][:8] in table.stdout
    exp = _read_only(tmp_path, store, "export", s["sessionId"][:8], "--format", "speedscope")
    assert exp.returncode == 0 and json.loads(exp.stdout)["profiles"]
    # a file not in the store is read into memory: `report FILE` works there too
    other = _read_only(tmp_path, store, "report", str(CLAUDE), "--json")
    assert other.returncode == 0, other.stderr
    assert json.loads(other.stdout)["sessionId"] != s["sessionId"]
    one_error(_read_only(tmp_path, store, "import", str(CLAUDE)), str(store), "read-only")
    # a store that does not exist yet on a read-only mount cannot be created
    one_error(_read_only(tmp_path, folder / "new.db", "sessions"), str(folder / "new.db"), "cannot create")


def test_export_into_a_missing_folder(tmp_path):
    assert sp(tmp_path, "import", str(CODEX)).returncode == 0
    target = tmp_path / "no" / "such" / "out.json"
    one_error(
        sp(tmp_path, "export", str(CODEX), "--format", "json", "-o", str(target)),
        str(tmp_path / "no" / "such"),
        "does not exist",
    )
    assert not (tmp_path / "no").exists()


def test_export_onto_a_directory(tmp_path):
    one_error(
        sp(tmp_path, "export", str(CODEX), "--format", "json", "-o", str(tmp_path)), str(tmp_path), "is a directory"
    )


def test_export_without_o_writes_to_standard_output(tmp_path):
    before = set(tmp_path.iterdir())
    out = sp(tmp_path, "export", str(CODEX), "--format", "chrome-trace")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)  # the trace itself, on stdout
    assert set(tmp_path.iterdir()) - before <= {
        tmp_path / "store.db",
        tmp_path / "store.db-wal",
        tmp_path / "store.db-shm",
    }  # no file in the current folder


def test_import_of_a_missing_path(tmp_path):
    one_error(sp(tmp_path, "import", "/nonexistent"), "/nonexistent", "no such file")


def test_report_file_twice(tmp_path):
    first = sp(tmp_path, "report", str(CODEX), "--json")
    assert first.returncode == 0, first.stderr
    second = sp(tmp_path, "report", str(CODEX), "--json")  # nothing new to import: the same session
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["sessionId"] == json.loads(first.stdout)["sessionId"]


def test_report_of_a_directory_or_a_file_without_sessions(tmp_path):
    one_error(sp(tmp_path, "report", str(FIXTURES / "codex")), "is a directory")
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"hello": 1}\n')
    one_error(sp(tmp_path, "report", str(junk)), str(junk), "no session")


def test_ambiguous_prefix_lists_the_candidates(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    shutil.copy(CODEX, folder / "a.jsonl")
    shutil.copy(FIXTURES / "codex" / "agentlogs-images.jsonl", folder / "b.jsonl")
    assert sp(tmp_path, "import", str(folder)).returncode == 0
    ids = [s["sessionId"] for s in json.loads(sp(tmp_path, "sessions", "--json").stdout)]
    common = os.path.commonprefix(ids)
    assert len(ids) == 2 and common  # both codex ids start with 019
    line = one_error(sp(tmp_path, "report", common), "matches 2 sessions")
    assert all(i in line for i in ids)
    for cmd in (["export", common, "--format", "json"], ["ui", common, "--no-browser"]):
        one_error(sp(tmp_path, *cmd), "matches 2 sessions")


def test_unknown_session(tmp_path):
    one_error(sp(tmp_path, "report", "no-such-session"), "no session 'no-such-session'")


def test_bad_arguments_are_one_usage_line(tmp_path):
    out = sp(tmp_path, "export", "x", "--format", "pdf")
    assert out.returncode == 2 and "Traceback" not in out.stderr and "invalid choice" in out.stderr
