"""Suggestion rules, one per module behind the interface in base.py.

`suggest` is what the analysis calls; `RULES` maps a kind to its rule so apply.py
(edits) and effects.py (the metric before and after) find the same rule.
"""

from __future__ import annotations

from ..analysis.base import AnalysisBase, JsonDict
from .base import Context, Estimate, Finding, Metric, Rule
from .batch_reads import BatchReads
from .incremental_output import IncrementalOutput
from .large_tool_output import LargeToolOutput
from .new_session import NewSession
from .reread_file import RereadFile
from .smaller_model import SmallerModel
from .user_wait import UserWait

ORDER = (BatchReads, SmallerModel, IncrementalOutput, RereadFile, LargeToolOutput, UserWait, NewSession)
RULES: dict[str, Rule] = {cls.kind: cls() for cls in ORDER}


def suggest(
    analysis: AnalysisBase,
    by_file: list[JsonDict] | None = None,
    summary: JsonDict | None = None,
    history_tokens: int | None = None,
    total_input: int | None = None,
) -> list[JsonDict]:
    """Every rule's suggestion for one session, in a fixed order."""
    ctx = Context(analysis, summary, by_file, history_tokens, total_input)
    return [s for rule in RULES.values() if (s := rule.suggestion(ctx)) is not None]


__all__ = ["Context", "Estimate", "Finding", "Metric", "Rule", "RULES", "suggest"]
