"""Suggestions for one session: a thin call into the rules package
(sessionprof_ls/suggestions/, one rule per module; owned by issue 14)."""

from __future__ import annotations

from .base import AnalysisBase, JsonDict


class SuggestionsMixin(AnalysisBase):
    """Mixed into Analysis: `performance()` calls `suggestions` with the tables it built."""

    def suggestions(
        self, by_file: list[JsonDict], summary: JsonDict, history_tokens: int, total_input: int
    ) -> list[JsonDict]:
        from ..suggestions import suggest

        return suggest(self, by_file, summary, history_tokens, total_input)
