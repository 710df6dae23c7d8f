"""app.bundle.js (issue 13: one script instead of 17 module requests before the first paint) is
committed, so `pip install` and the VS Code extension ship it without Node. It must be exactly
what scripts/build-web.sh makes of the sources: every page test runs the bundle, so a module
edited without rebuilding would go untested and unshipped."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from sp_fixtures import WEB_BUNDLE, web_modules

from sessionprof_ls.http_api import webui_dir

from .conftest import ROOT, WEB

BUNDLE = (WEB_BUNDLE, WEB_BUNDLE + ".map")


def test_the_bundle_is_what_build_web_makes_of_the_sources(tmp_path: Path):
    for src in web_modules():
        shutil.copy(src, tmp_path / src.name)
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-web.sh"), str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    for name in BUNDLE:
        assert (tmp_path / name).read_bytes() == (WEB / name).read_bytes(), (
            f"editor-clients/web/{name} is not what scripts/build-web.sh makes of the modules: run it and commit"
        )


def test_the_bundle_holds_every_module_the_page_imports():
    """Its source map names the modules it was made of: app.js and all it imports, statically or
    after the first paint, but columns.js (loaded on its own by index.html's boot)."""
    sources = set(json.loads((WEB / "app.bundle.js.map").read_text())["sources"])
    graph: set[str] = set()
    todo = ["app.js"]
    while todo:
        name = todo.pop()
        if name in graph:
            continue
        graph.add(name)
        text = (WEB / name).read_text()
        todo += re.findall(r'(?:from|import\()\s*"\./([\w.]+\.js)"', text)
    assert "analysisview.js" in graph and "sandwich.js" in graph, graph
    assert sources == graph - {"columns.js"}, sources ^ (graph - {"columns.js"})
    assert 'from"./columns.js"' in (WEB / WEB_BUNDLE).read_text().replace(" ", "")


def test_the_bundle_is_in_the_folder_the_server_serves():
    """webui_dir(): the folder /static/ comes from (the wheel's copy when installed; serving it:
    tests/reliability/test_security.py)."""
    for name in (*BUNDLE, "columns.js"):
        assert (webui_dir() / name).is_file(), name
