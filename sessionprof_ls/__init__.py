"""sessionprof: a profiler for AI coding-agent sessions, served as a language server."""

__version__ = "0.1.0"
