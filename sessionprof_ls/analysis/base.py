"""What every analysis mixin may read: the column copies `Analysis` (core.py) makes, and
the methods one concern calls on another, declared once so each mixin type-checks alone.

The mixins subclass `AnalysisBase`; `Analysis` sets the attributes in its `__init__` and
the concern modules define the methods (they come first in the MRO, so these bodies never
run). Rules and `agent_cost` take an `AnalysisBase` too: importing the concrete class from
there would close an import cycle (core -> suggestions -> core)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..tree import SessionTree

F64 = NDArray[np.float64]
U8 = NDArray[np.uint8]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
Ints = NDArray[np.signedinteger[Any]]  # a copied integer column (int32 codes or int64 counts)
Index = NDArray[np.intp]  # event indices (np.flatnonzero, argsort)
Bools = NDArray[np.bool_]
JsonDict = dict[str, Any]  # a wire object: its shape is models.py's (tests validate it there)


class AnalysisBase:
    """The state and cross-concern methods of one session's analysis (see the module doc)."""

    t: SessionTree
    now: float
    slow_threshold: float
    slowest_count: int
    n: int
    t0: float
    t1: float
    t_last: float
    live: bool
    running: bool
    interrupted: bool
    model_provider: dict[int, str]
    a_start: F64
    a_end: F64  # running spans end now, interrupted ones at the session's last timestamp
    a_open: Bools
    a_type: U8
    a_parent: I32
    a_flags: U8
    a_cost: F64
    cols: dict[str, Ints]
    # caches, each made on first use by the mixin that owns it
    _costs: list[float | None] | None
    _cost_arr: F64 | None
    _kids: list[list[int] | tuple[()]] | None
    _ends: list[float]
    _split: dict[str, float]
    _buckets: NDArray[np.int8]
    _idle: tuple[F64, F64]
    _own_time: F64
    _ctx: I64
    _first_rates: dict[int, F64]

    # ------------------------------------------------------------ core.py
    @property
    def ends(self) -> list[float]:
        raise NotImplementedError

    def children(self) -> list[list[int] | tuple[()]]:
        raise NotImplementedError

    def children_first(self) -> list[int]:
        raise NotImplementedError

    def _col(self, name: str) -> Ints:
        raise NotImplementedError

    def summary(self) -> JsonDict:
        raise NotImplementedError

    # ------------------------------------------------------------ the concern modules
    def cost_array(self) -> F64:
        raise NotImplementedError

    def _is_request(self, i: int) -> bool:
        raise NotImplementedError

    def buckets(self) -> NDArray[np.int8]:
        raise NotImplementedError

    def event(self, i: int, children: list[JsonDict] | None = None) -> JsonDict:
        raise NotImplementedError

    def metadata(self, i: int) -> JsonDict:
        """Event i's metadata from the tree's columns (core.Analysis: tree.metadata, derived
        from event_shape.METADATA)."""
        raise NotImplementedError

    def tokens_by_file(self, total_input: int) -> list[JsonDict]:
        raise NotImplementedError

    def file_reads(self) -> Index:
        raise NotImplementedError

    def compactions_by_context(self) -> dict[int, F64]:
        raise NotImplementedError

    def resend_counts(self) -> dict[int, int]:
        raise NotImplementedError

    def _context_of(self) -> I64:
        raise NotImplementedError
