"""The text the extractors read: one document, normalised for matching.

Two things differ from ``Document.text``: full-width digits/letters/％ are folded to
ASCII (one character for one, so nothing moves), and soft line wraps are removed
(PDF paragraphs wrapped at the margin, hard-wrapped .txt files) so a phrase such as
实际到账金额 split over two lines still matches. ``orig()`` maps every position
back to the document, so locations stay exact.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import cached_property
from typing import Optional

from ..load.document import Document
from ..models import Location

_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}
_FOLD.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})
_FOLD.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})
_FOLD.update({0xFF05: ord("%"), 0xFF0E: ord("."), 0x3000: ord(" "), 0xA0: ord(" "), 0xFF0B: ord("+"),
              0xFF0D: ord("-"), 0xFF0F: ord("/"), 0x2030: 0x2030, 0xFE6A: ord("%"),
              0x2502: ord("|"), 0x2503: ord("|"), 0xFF5C: ord("|")})  # box-drawing │ ┃ and ｜ are cell walls

SENTENCE_END = "。；;！!？?\n"
_SENTENCE_RE = re.compile(r"[^。；;！!？?\n]+")
_TABLE_GAP = re.compile(r"\s{2,}|\t|\|")


class View:
    def __init__(self, doc: Document):
        self.doc = doc
        breaks = sorted(set(doc.soft_breaks) | set(_reflow(doc))) if doc.format == "pdf" else _hard_wraps(doc)
        if breaks:
            keep = set(breaks)
            src = doc.text
            self._map: Optional[list[int]] = [i for i in range(len(src)) if i not in keep]
            raw = "".join(src[i] for i in self._map)
        else:
            self._map = None
            raw = doc.text
        self.raw = raw
        self.text = _open_filled_blanks(raw.translate(_FOLD))

    def orig(self, i: int) -> int:
        if self._map is None:
            return i
        if i >= len(self._map):
            return len(self.doc.text)
        return self._map[i]

    def loc(self, i: int) -> Location:
        return self.doc.location(self.orig(i))

    def font(self, a: int, b: int) -> Optional[float]:
        if not self.doc.font_runs or b <= a:
            return None
        return self.doc.font_size_at(self.orig(a), self.orig(b - 1) + 1)

    def excerpt(self, a: int, b: int, limit: int = 160) -> str:
        s = " ".join(self.raw[a:b].split())
        return s if len(s) <= limit else s[: limit - 1] + "…"

    @cached_property
    def lines(self) -> list[tuple[int, int]]:
        out = []
        start = 0
        t = self.text
        while True:
            j = t.find("\n", start)
            if j == -1:
                if start < len(t):
                    out.append((start, len(t)))
                return out
            out.append((start, j))
            start = j + 1

    @cached_property
    def _line_starts(self) -> list[int]:
        return [a for a, _ in self.lines]

    def line_of(self, i: int) -> int:
        return max(0, bisect_right(self._line_starts, i) - 1)

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for m in _SENTENCE_RE.finditer(self.text) if m.group().strip()]

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [a for a, _ in self.sentences]

    def sentence_at(self, i: int) -> tuple[int, int]:
        k = bisect_right(self._sentence_starts, i) - 1
        if k >= 0:
            a, b = self.sentences[k]
            if a <= i < b:
                return a, b
        return i, i

    def clause_at(self, i: int) -> tuple[int, int]:
        """The sub-clause (between commas) around ``i``, inside its sentence."""
        a, b = self.sentence_at(i)
        t = self.text
        left = max(t.rfind("，", a, i), t.rfind(",", a, i) if not _in_number(t, i) else -1)
        right_candidates = [x for x in (t.find("，", i, b), ) if x != -1]
        right = min(right_candidates) if right_candidates else b
        return (left + 1 if left >= a else a), right


_FILLED = re.compile(r"(_{2,})([^_\n]{1,40}?)(_{2,}|(?=[\s，。；、]))")
_UNITS_ONLY = re.compile(r"^[\s年月日元%号期个时分秒/:：]*$|[：:（(）)【】|]")


def _open_filled_blanks(text: str) -> str:
    """A paper form filled in by hand keeps its rules: ``人民币__伍万元整__``, ``第__1__期``.
    Turn the rules around filled-in content into spaces (same length), so the content reads
    as the value it is; blanks left empty (``____年____月``) stay placeholders."""
    if "__" not in text:
        return text

    def fill(m: re.Match) -> str:
        content = m.group(2)
        if _UNITS_ONLY.search(content) or not content.strip():
            return m.group(0)
        return " " * len(m.group(1)) + content + " " * len(m.group(3))

    return _FILLED.sub(fill, text)


def _in_number(t: str, i: int) -> bool:
    return i > 0 and t[i - 1].isdigit()


def display_width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


_ITEM_START = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*[.、．)）](?!\d)|[（(][一二三四五六七八九十\d]{1,3}[）)]|第[一二三四五六七八九十百\d]+[条章节部分款项]|"
                         r"[一二三四五六七八九十]+[、.]|[□■●◆◇○•·▶\-*#>|]|[\u4e00-\u9fffA-Za-z（）()]{2,10}[：:]|"
                         r"第\s*\d+\s*页)")
_LINE_END = "。；;！!？?：:"


def _reflow(doc: Document) -> list[int]:
    """PDF paragraphs broken before the margin (scans, narrow text boxes): a line that does
    not end a sentence runs on into the next unless that one starts a new item, a label or
    a table row. Short lines (titles) never run on."""
    text = doc.text
    starts = doc.line_starts
    out = []
    for k in range(len(starts) - 1):
        a = starts[k]
        nl = starts[k + 1] - 1
        line = text[a:nl].rstrip()
        nxt_end = starts[k + 2] - 1 if k + 2 < len(starts) else len(text)
        nxt = text[starts[k + 1]:nxt_end]
        if len(line) < 20 or not nxt.strip() or line[-1] in _LINE_END:
            continue
        if "  " in line.strip() or "  " in nxt.strip():
            continue
        if _ITEM_START.match(nxt) and not _split_label(line, nxt):
            continue
        out.append(nl)
    return out


def _split_label(line: str, nxt: str) -> bool:
    """实际到账 | 金额：… — the next line's "label" is the tail of one broken in two."""
    m = re.match(r"\s*([\u4e00-\u9fff]{1,6})[：:]", nxt)
    if not m:
        return False
    from .vocab import vocabulary
    head = m.group(1)
    joined = line[-8:] + head
    return any(joined.endswith(lab) and len(lab) > len(head) for lab in _labels(vocabulary()))


def _labels(v) -> set[str]:
    cached = getattr(v, "_line_labels", None)
    if cached is None:
        a, r = v["amounts"], v["rates"]
        cached = set(a["principal"] + a["disbursed"] + a["total"] + r["annualized_cost"] + r["annual_interest"]
                     + r["monthly"] + r["daily"] + v["term"]["labels"])
        v._line_labels = cached
    return cached


def _hard_wraps(doc: Document) -> list[int]:
    """A .txt hard-wrapped at a fixed width: join lines that reach the wrap column."""
    if doc.format == "pdf":
        return []
    text = doc.text
    starts = doc.line_starts
    widths = []
    for k, a in enumerate(starts):
        b = starts[k + 1] - 1 if k + 1 < len(starts) else len(text)
        line = text[a:b].rstrip()
        widths.append((b, display_width(line), bool(_TABLE_GAP.search(line.strip())), line))
    long = [w for _, w, table, _ in widths if w >= 40 and not table]
    if len(long) < 8:
        return []
    top = max(long)
    near = [w for w in long if w >= top - 4]
    if len(near) < 0.3 * len(long) or top > 120:
        return []
    out = []
    for (nl, w, table, line), nxt in zip(widths, widths[1:]):
        if not table and w >= top - 4 and not nxt[2] and nxt[3].strip() and nl < len(text):
            out.append(nl)
    return out
