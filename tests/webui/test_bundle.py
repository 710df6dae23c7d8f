"""app.bundle.js (issue 13: one script instead of 17 module requests before the first paint) is
committed, so `pip install` and the VS Code extension ship it without Node. It must be exactly
what scripts/build-web.sh makes of the sources: every page test runs the bundle, so a module
edited without rebuilding would go untested and unshipped."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from sessionprof_ls.http_api import webui_dir

from .conftest import ROOT, WEB

BUNDLE = ("app.bundle.js", "app.bundle.js.map")


def test_the_bundle_is_what_build_web_makes_of_the_sources(tmp_path: Path):
    for src in WEB.glob("*.js"):
        if src.name not in BUNDLE:
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
    import json

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
    assert 'from"./columns.js"' in (WEB / "app.bundle.js").read_text().replace(" ", "")


def test_the_bundle_ships_in_the_package_and_is_served():
    """webui_dir() is the folder the server serves /static/ from (the wheel's copy when installed)."""
    for name in (*BUNDLE, "columns.js"):
        assert (webui_dir() / name).is_file(), name
