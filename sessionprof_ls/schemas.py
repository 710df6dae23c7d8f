"""Writes the JSON Schemas of the public shapes into `schemas/`.

`python -m sessionprof_ls.schemas [DIR]` regenerates them; tests/test_schemas.py
fails when the checked-in files differ from the models.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from . import models

SCHEMAS: dict[str, type[BaseModel]] = {
    "event": models.ProfilingEvent,
    "ingest-result": models.IngestResult,
    "summary": models.Summary,
    "performance-data": models.PerformanceData,
    "session-info": models.SessionInfo,
    "flame-graph": models.FlameGraph,
    "ready": models.ReadyParams,
    "apply-result": models.ApplyResult,
}


def render() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, model in SCHEMAS.items():
        schema = model.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://sessionprof.dev/schemas/v1/{name}.schema.json"
        out[f"{name}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "schemas"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (folder / name).write_text(text)
    print(f"wrote {len(SCHEMAS)} schemas to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
