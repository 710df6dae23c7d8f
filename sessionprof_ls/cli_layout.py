"""Terminal tables that stay readable from 80 to 200 columns and when piped.

rich shrinks every column of a table that does not fit until numbers read
`1,5…`; here columns have a priority instead: a table that is too wide first
writes its numbers shorter (1,576,234 -> 1.6M), then drops its least important
columns, and one flexible column (a title, a path, an excerpt) takes what is
left, cut with "…" (paths in the middle, so the file name stays).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import JustifyMethod
from rich.table import Table
from rich.text import Text

Cell = str | Text  # a table cell: plain text is cut here, Text keeps its styles

GAP = 2  # spaces between columns


@dataclass
class Col:
    name: str
    justify: JustifyMethod = "right"
    priority: int = 5  # the lowest is dropped first
    flex: bool = False  # takes the width the others leave
    min_width: int = 10  # flexible column: narrower than this, it is dropped
    want: int = 0  # flexible column: columns of lower priority are dropped to give it this much
    short: Callable[[str], str] | None = None  # a shorter form of a cell, tried before dropping
    cheap: bool = False  # the short form loses nothing (assistant -> asst): used to make room for the title
    cut: str = "end"  # flexible column: "end" or "middle" (paths)
    style: str | None = None


def middle_ellipsis(s: str, width: int) -> str:
    """`/home/me/src/…/pkg/module.py`: keeps both ends, the file name above all."""
    if len(s) <= width:
        return s
    if width <= 1:
        return "…"[:width]
    tail = max((width - 1) * 2 // 3, 1)
    head = width - 1 - tail
    return s[:head] + "…" + s[-tail:]


def end_ellipsis(s: str, width: int) -> str:
    if len(s) <= width:
        return s
    return s[: max(width - 1, 0)] + "…" if width > 0 else ""


def rel_path(path: str, base: str | None = None) -> str:
    """A path as the user would type it: relative to `base` (the session's workspace,
    else the current folder) when inside it, else with ~ for the home folder."""
    if not path or not os.path.isabs(path):
        return path
    for b in (base, os.getcwd()):
        if not b:
            continue
        try:
            rel = Path(path).relative_to(b)
        except ValueError:
            continue
        return str(rel) if str(rel) != "." else path
    home = str(Path.home())
    if home != "/" and (path == home or path.startswith(home + os.sep)):
        return "~" + path[len(home) :]
    return path


_NUM = re.compile(r"\d[\d,]*(?:\.\d+)?")


def compact_number(s: str) -> str:
    """Every number in `s` at most 4 characters: 1,576,234 -> 1.6M, 17,915 -> 18k."""

    def one(m: re.Match[str]) -> str:
        v = float(m.group(0).replace(",", ""))
        if v < 10_000:
            return m.group(0).replace(",", "")
        for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if v >= div:
                x = v / div
                return (f"{x:.1f}" if x < 10 else f"{x:.0f}") + unit
        return m.group(0)

    return _NUM.sub(one, s)


def _cell_len(cell: Cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else len(cell)


def _fit(cols: list[Col], rows: Sequence[Sequence[Cell]], width: int) -> tuple[list[int], list[int], set[int]]:
    """Which columns to keep, their widths, and which use their short form."""
    keep = list(range(len(cols)))
    short: set[int] = set()

    def natural(i: int) -> int:
        cells = [r[i] for r in rows]
        shorter = cols[i].short
        if i in short and shorter is not None:
            cells = [shorter(c) if isinstance(c, str) else c for c in cells]
        return max([len(cols[i].name)] + [_cell_len(c) for c in cells])

    def need(ks: list[int], flex_width: Callable[[Col], int] = lambda c: c.min_width) -> int:
        return sum(flex_width(cols[i]) if cols[i].flex else natural(i) for i in ks) + GAP * (len(ks) - 1)

    wanted = lambda c: max(c.min_width, min(c.want, max(natural(j) for j in keep if cols[j] is c)))  # noqa: E731
    flexes = [i for i in keep if cols[i].flex and cols[i].want]
    for i in [i for i in keep if cols[i].short and cols[i].cheap]:
        if need(keep, wanted if flexes else lambda c: c.min_width) > width:
            short.add(i)
    for f in flexes:  # room for the title before minor columns
        while need(keep, wanted) > width:
            minor = [i for i in keep if cols[i].priority < cols[f].priority]
            if not minor:
                break
            keep.remove(min(minor, key=lambda i: (cols[i].priority, -i)))
    for i in sorted((i for i in keep if cols[i].short), key=lambda i: cols[i].priority):
        if need(keep) <= width:
            break
        short.add(i)
    while len(keep) > 1 and need(keep) > width:
        keep.remove(min(keep, key=lambda i: (cols[i].priority, -i)))
    widths = [natural(i) for i in keep]
    flex = [n for n, i in enumerate(keep) if cols[i].flex]
    if flex:
        room = width - (sum(w for n, w in enumerate(widths) if n not in flex) + GAP * (len(keep) - 1))
        for n in flex:
            widths[n] = max(min(widths[n], room // len(flex)), 1)
    return keep, widths, short


def fitted_table(
    cols: list[Col],
    rows: Sequence[Sequence[Cell]],
    width: int,
    header_style: str = "bold",
    row_styles: Sequence[str | None] | None = None,
) -> Table:
    """A borderless table of `rows` (cells are str or Text) that fits in `width` columns."""
    keep, widths, short = _fit(cols, rows, width)
    table = Table(
        box=None,
        header_style=header_style,
        pad_edge=False,
        padding=(0, GAP // 2),
        show_edge=False,
        collapse_padding=False,
    )
    for i, w in zip(keep, widths, strict=True):
        c = cols[i]
        table.add_column(
            c.name if len(c.name) <= w else end_ellipsis(c.name, w),
            justify=c.justify,
            width=w,
            no_wrap=True,
            overflow="ellipsis",
            style=c.style,
        )
    for n, r in enumerate(rows):
        cells: list[Text] = []
        for i, w in zip(keep, widths, strict=True):
            cell = r[i]
            shorter = cols[i].short
            if isinstance(cell, str):
                if i in short and shorter is not None:
                    cell = shorter(cell)
                cell = Text(middle_ellipsis(cell, w) if cols[i].cut == "middle" else end_ellipsis(cell, w))
            elif cell.cell_len > w:
                if cols[i].cut == "middle":
                    cell = Text(middle_ellipsis(cell.plain, w), style=cell.style)
                else:
                    cell = cell.copy()
                    cell.truncate(w, overflow="ellipsis")
            cells.append(cell)
        table.add_row(*cells, style=(row_styles[n] if row_styles else None))
    return table
