"""Our .cpuprofile export opens in VS Code's own profile viewer (the built-in
ms-vscode.vscode-js-profile-table custom editor, in real code-server): the table lists
the session's spans as functions with their times, and no error is shown."""

from __future__ import annotations

import json

from sessionprof_ls.engine import Engine
from sessionprof_ls.exports import export
from sessionprof_ls.importers import import_file

from .conftest import ARTIFACTS
from .test_vscode_e2e import open_file, open_folder


def test_cpuprofile_export_opens_in_vscodes_profile_table(code_server, page, tmp_path):
    eng = Engine(tmp_path / "export.db")
    transcript = next(code_server["claude"].glob("projects/*/*.jsonl"))
    events = import_file(transcript).events
    eng.ingest(events)
    body = export(eng.analysis(events[0]["sessionId"]), "cpuprofile")
    (code_server["folder"] / "session.cpuprofile").write_bytes(body)
    prof = json.loads(body)
    sampled = {n["callFrame"]["functionName"] for n in prof["nodes"] if n["hitCount"]}

    open_folder(page, code_server)
    open_file(page, "session.cpuprofile")
    view = page.frame_locator("iframe.webview").frame_locator("#active-frame")
    try:
        # the table's rows are the profile's functions: one of ours with self time must be there
        name = max(
            sampled, key=lambda f: sum(n["hitCount"] for n in prof["nodes"] if n["callFrame"]["functionName"] == f)
        )
        view.get_by_text(name, exact=False).first.wait_for(state="visible", timeout=60_000)
        text = view.locator("body").inner_text()
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "vscode-cpuprofile.png"))
    assert "error" not in text.lower(), text[:500]
    shown = [f for f in sampled if f.split(" [")[0] in text]
    assert len(shown) >= min(3, len(sampled)), (sampled, text[:1000])
    # the root's total time is the session's wall time (the table formats ms as 46,061.00ms)
    wall = eng.summary(events[0]["sessionId"])["totalDuration"]
    assert f"{wall:,.2f}ms" in text.replace("\n", ""), text[:1000]
