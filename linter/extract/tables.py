"""Tables as rows of cells with spans: Markdown pipe tables, whitespace-aligned .txt
tables, and PDF rows (the PDF loader turns wide column gaps into two spaces)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from .view import View

_MD_SEPARATOR = re.compile(r"^\s*:?-+:?\s*$")
_GAP = re.compile(r"\s{2,}|\t")


@dataclass(frozen=True)
class Cell:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Row:
    line: int
    start: int
    end: int
    cells: tuple[Cell, ...]
    markdown: bool

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells]


def split_row(view: View, a: int, b: int) -> Row | None:
    """Cells of the line ``[a, b)``, or None when it is prose."""
    t = view.text
    line = t[a:b]
    s = line.strip()
    if not s:
        return None
    if s.count("|") >= 2:
        cells = []
        lead = len(line) - len(line.lstrip())
        if s.startswith("|"):
            pos = a + line.index("|") + 1
            body = s[1:]
        else:
            pos = a + lead
            body = s
        for part in body.rstrip("|").split("|"):
            lead = len(part) - len(part.lstrip())
            cells.append(Cell(part.strip(), pos + lead, pos + lead + len(part.strip())))
            pos += len(part) + 1
        if all(_MD_SEPARATOR.match(c.text) for c in cells if c.text):
            return None
        return Row(view.line_of(a), a, b, tuple(cells), True)
    lead = len(line) - len(line.lstrip())
    cells = []
    pos = a + lead
    body = line.strip()
    last = 0
    for m in _GAP.finditer(body):
        cells.append(Cell(body[last:m.start()], pos + last, pos + m.start()))
        last = m.end()
    cells.append(Cell(body[last:], pos + last, pos + len(body)))
    if len(cells) < 2:
        return None
    return Row(view.line_of(a), a, b, tuple(cells), False)


def rows(view: View) -> list[Row]:
    return _rows_cached(view)


def _rows_cached(view: View) -> list[Row]:
    cached = getattr(view, "_rows", None)
    if cached is None:
        cached = [r for a, b in view.lines if (r := split_row(view, a, b)) is not None]
        view._rows = cached
    return cached


def tokens(view: View, row: Row) -> list[Cell]:
    """Whitespace tokens of a row: the fallback when cells were run together."""
    out = []
    for m in re.finditer(r"\S+", view.text[row.start:row.end]):
        out.append(Cell(m.group(), row.start + m.start(), row.start + m.end()))
    return out


@lru_cache(maxsize=None)
def header_index(header: tuple[str, ...], words: tuple[str, ...]) -> int | None:
    """Column whose header contains one of ``words`` (first listed word wins)."""
    for w in words:
        for i, h in enumerate(header):
            if (h.strip() == w[1:]) if w.startswith("=") else (w in h):
                return i
    return None


def column_header(view: View, pos: int, max_up: int = 30) -> Optional[str]:
    """The header text of the table column holding ``pos`` (a figure under
    | 日利率 | 年化利率（单利） | … ): the top row of the contiguous table above it."""
    k = view.line_of(pos)
    a, b = view.lines[k]
    row = split_row(view, a, b)
    if row is None:
        return None
    idx = next((i for i, c in enumerate(row.cells) if c.start <= pos < c.end + 1), None)
    if idx is None:
        return None
    top = None
    for j in range(k - 1, max(-1, k - 1 - max_up), -1):
        ha, hb = view.lines[j]
        line = view.text[ha:hb].strip()
        if _MD_SEPARATOR_LINE.match(line):
            continue
        head = split_row(view, ha, hb)
        if head is None or len(head.cells) != len(row.cells):
            break
        top = head
    if top is None or any(ch.isdigit() for ch in top.cells[idx].text):
        return None
    return top.cells[idx].text


_MD_SEPARATOR_LINE = re.compile(r"^\|?(\s*:?-+:?\s*\|)+\s*(:?-+:?)?\s*$")
