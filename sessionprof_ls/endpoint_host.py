"""What the HTTP endpoint needs from the server that hosts it, as a small interface.

http_api.py depends on this Protocol, not on the server class, so the two modules do not
import each other (tests/test_import_graph.py) and the endpoint can be served by any host
(a test double, the CLI's `ui`) that has these five methods.
"""

from __future__ import annotations

from typing import Any, Protocol


class EndpointHost(Protocol):
    def log_error(self, message: str) -> None:
        """One line in the server's log (and the editor's, when there is one)."""

    async def ingest_body(self, body: bytes, content_type: str) -> dict[str, Any]:
        """An OTLP/JSON or OTLP/protobuf body: decoded, validated, stored; the ingest result."""

    async def ingest_async(self, events: list[Any]) -> dict[str, Any]:
        """Wire events (already parsed JSON), ingested off the event loop."""

    async def rpc(self, method: str, params: dict[str, Any]) -> Any:
        """A custom request (`sessionprof/...`), the same as over LSP."""

    def current_summary(self) -> dict[str, Any] | None:
        """The summary the editor was last sent, for the web UI's first paint."""

    def degraded(self) -> str | None:
        """Why the store in use is not the configured one; None when all is well."""
