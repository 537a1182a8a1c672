"""The loaded document: text plus the map from every offset back to where a user sees it."""
from __future__ import annotations

from bisect import bisect_right
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, PrivateAttr

from ..models import Location


class FontRun(BaseModel):
    """Characters ``[start, end)`` printed at ``size`` points (PDF only)."""

    model_config = ConfigDict(frozen=True)
    start: int
    end: int
    size: float


class Document(BaseModel):
    """Text of one contract. ``text`` keeps the exact character offsets of the source
    (CR of a CRLF pair is blanked, not removed) so line/column are what an editor shows."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    path: str
    format: Literal["txt", "md", "pdf"]
    text: str
    encoding: Optional[str] = None
    line_starts: list[int]
    page_starts: list[int] = [0]
    font_runs: list[FontRun] = []
    soft_breaks: list[int] = []
    _run_starts: Optional[list[int]] = PrivateAttr(default=None)

    @classmethod
    def from_text(cls, path: str, fmt: str, text: str, encoding: Optional[str] = None,
                  page_starts: Optional[list[int]] = None,
                  font_runs: Optional[list[FontRun]] = None) -> "Document":
        text = blank_carriage_returns(text)
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        return cls.model_construct(path=path, format=fmt, text=text, encoding=encoding,
                                   line_starts=starts, page_starts=page_starts or [0],
                                   font_runs=font_runs or [])

    @property
    def is_pdf(self) -> bool:
        return self.format == "pdf"

    def location(self, offset: int) -> Location:
        offset = max(0, min(offset, len(self.text)))
        line_idx = bisect_right(self.line_starts, offset) - 1
        column = offset - self.line_starts[line_idx] + 1
        if not self.is_pdf:
            return Location(line=line_idx + 1, column=column)
        page_idx = bisect_right(self.page_starts, offset) - 1
        first_line = bisect_right(self.line_starts, self.page_starts[page_idx]) - 1
        return Location(line=line_idx - first_line + 1, column=column, page=page_idx + 1)

    def font_size_at(self, start: int, end: int) -> Optional[float]:
        """Largest font size over ``[start, end)``; None for text files."""
        if not self.font_runs:
            return None
        if self._run_starts is None:
            self._run_starts = [r.start for r in self.font_runs]
        starts = self._run_starts
        i = max(0, bisect_right(starts, start) - 1)
        best = None
        runs = self.font_runs
        while i < len(runs) and runs[i].start < end:
            r = runs[i]
            if r.end > start:
                best = r.size if best is None else max(best, r.size)
            i += 1
        return best


def blank_carriage_returns(text: str) -> str:
    """CRLF → ' \\n' and lone CR → '\\n': same length, so offsets stay the source's."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", " \n").replace("\r", "\n")
