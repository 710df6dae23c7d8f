"""Settings: one path in, as esbonio does it. `initializationOptions.sessionprof`
first, then the `sessionprof` section of workspace/configuration (re-read on
didChangeConfiguration). Unknown keys and wrong types are reported, not fatal.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Config:
    slowThresholdMs: float = 5000.0
    slowestCount: int = 5
    followTranscripts: bool = True
    claudeConfigDir: str = ""
    codexHome: str = ""
    port: int = 0
    inlayHints: bool = True
    codeLens: bool = True
    # hint emphasis: a file at or over these shares of the session's input (percent) is mid / high
    hintMidShare: float = 2.0
    hintHighShare: float = 10.0
    store: str = ""
    maxBodyBytes: int = 32 * 1024 * 1024
    extraWorkspaces: tuple[str, ...] = field(default_factory=tuple)
    # live OTLP forwarding (issue 17): {"endpoint": URL, "headers": {K: V}, "content": bool}; outbox.py reads it
    otlp: dict[str, Any] = field(default_factory=dict)

    def claude_dirs(self) -> list[Path]:
        """The setting, else every folder CLAUDE_CONFIG_DIR names (or the defaults)."""
        from .importers import claude_config_dirs

        return [Path(self.claudeConfigDir).expanduser()] if self.claudeConfigDir else claude_config_dirs()

    def codex_dir(self) -> Path:
        from .importers import codex_home

        return Path(self.codexHome).expanduser() if self.codexHome else codex_home()


_TYPES = {f.name: str(f.type) for f in fields(Config)}
_WORDS = {"tuple[str, ...]": "a list of strings", "dict[str, Any]": "an object"}


def merge(config: Config, settings: Any) -> tuple[Config, list[str]]:
    """Apply a settings object; returns the new config and messages about bad keys."""
    if settings is None:
        return config, []
    if not isinstance(settings, dict):
        return config, [f"sessionprof settings must be an object, got {type(settings).__name__}"]
    changes: dict[str, Any] = {}
    problems = []
    for key, value in settings.items():
        if key not in _TYPES:
            problems.append(f"unknown setting sessionprof.{key}")
            continue
        if value is None:
            continue
        want = _TYPES[key]
        try:
            if want == "bool":
                if not isinstance(value, bool):
                    raise TypeError
            elif want == "int":
                if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
                    raise TypeError
                value = int(value)
            elif want == "float":
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise TypeError
                value = float(value)
            elif want == "str":
                if not isinstance(value, str):
                    raise TypeError
            elif want == "dict[str, Any]":
                if not isinstance(value, dict):
                    raise TypeError
            else:  # tuple of strings
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise TypeError
                value = tuple(value)
        except TypeError:
            problems.append(f"sessionprof.{key} must be {_WORDS.get(want, want)}, got {type(value).__name__}")
            continue
        changes[key] = value
    for key in ("hintMidShare", "hintHighShare"):
        if key in changes and not 0 <= changes[key] <= 100:
            problems.append(f"sessionprof.{key} must be a percentage between 0 and 100")
            del changes[key]
    if "port" in changes and not 0 <= changes["port"] <= 65535:
        problems.append("sessionprof.port must be between 0 and 65535")
        del changes["port"]
    return replace(config, **changes), problems
