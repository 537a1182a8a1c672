"""PDF text with positions and font sizes: read by PDFium when it can vouch for the
result (``pdfium.py``), by pdfminer via pdfplumber otherwise — the same Document.

Lines are rebuilt from characters rather than taken from ``extract_text`` so we
control the CJK pitfalls ourselves: fake bold (duplicate glyphs, removed by
``_dedupe``), justified text (no spaces invented between spaced-out characters:
gaps are judged against the line's own spacing), table cells (a wide gap becomes
two spaces so rows read as tables), and glyphs without a Unicode mapping
(``(cid:NNN)``, private-use code points: an E008 error, never an empty contract).
Each page is closed as soon as it is read to keep memory flat.
"""
from __future__ import annotations

import itertools
import os
import re
import statistics
from contextlib import closing
from operator import itemgetter
from typing import Iterable, Iterator

from ..errors import LoanlintError
from .document import Document, FontRun

MAX_PAGES = 2000
_UNMAPPED_SHARE = 0.10
_SCAN_CHARS_PER_PAGE = 20  # with images on the pages and fewer characters than this: a scan


def load_pdf(path: str) -> Document:
    """PDFium where it can vouch for reading the file as pdfminer does (several times
    faster), pdfminer otherwise: the same Document either way.

    ``LOANLINT_PDF_ENGINE=pdfplumber`` forces the careful path; ``=pdfium`` the fast one
    without falling back (a file it declines fails with E099 saying why), for debugging
    and for the tests that both engines read alike. ``LOANLINT_DEBUG`` lets a failure
    of the fast path surface instead of falling back."""
    from .pdfscan import scan

    scan(path)  # decompression bombs and reference cycles: refused before any parser sees them
    engine = os.environ.get("LOANLINT_PDF_ENGINE", "").strip().lower()
    if engine != "pdfplumber":
        try:
            from . import pdfium
        except Exception as exc:  # pypdfium2 missing, or a build without the text functions used
            reason: Exception = exc
        else:
            try:
                return _document(path, pdfium.pages(path))
            except (pdfium.Unsupported, LoanlintError) as exc:
                reason = exc
            except Exception as exc:  # a library failure on this file: never worse than the careful path
                if os.environ.get("LOANLINT_DEBUG"):
                    raise
                reason = exc
        if engine == "pdfium":
            if isinstance(reason, LoanlintError):
                raise reason
            raise LoanlintError("E099", f"LOANLINT_PDF_ENGINE=pdfium: {reason or type(reason).__name__}") from None
    return _document(path, _careful_pages(path))


def _careful_pages(path: str) -> Iterator[tuple[int, list[dict], int]]:
    """(page number, characters, image count) per page, read by pdfminer via pdfplumber."""
    _quiet_pdfminer()
    import pdfplumber  # heavy: only PDF runs pay for it

    try:
        pdf = pdfplumber.open(path)
    except Exception as exc:  # pdfminer raises a zoo of types; classify, never crash
        raise _classify(exc) from None
    try:
        try:
            pages = pdf.pages
        except Exception as exc:
            raise _classify(exc) from None
        if not pages:
            raise LoanlintError("E004", "the PDF has no pages (broken cross-reference table or page tree)",
                                "PDF 没有页面（交叉引用表或页面树损坏）")
        if len(pages) > MAX_PAGES:
            raise LoanlintError("E005", f"{len(pages)} pages (limit {MAX_PAGES})",
                                f"{len(pages)} 页（上限 {MAX_PAGES} 页）")
        for page in pages:
            try:
                chars, n_images = _page_chars(page)
            except LoanlintError:
                raise
            except RecursionError:
                raise LoanlintError("E004", f"page {page.page_number}: object nesting too deep",
                                    f"第 {page.page_number} 页：对象嵌套过深") from None
            except Exception as exc:
                raise _classify(exc, page.page_number) from None
            finally:
                page.close()
            yield page.page_number, chars, n_images
    finally:
        try:
            pdf.close()
        except Exception:
            pass


def _document(path: str, pages: Iterator[tuple[int, list[dict], int]]) -> Document:
    """The Document from either engine's pages; the text-layer verdicts (E002, E008)
    are taken here, on the characters, alike for both."""
    texts: list[str] = []
    runs: list[FontRun] = []
    page_starts: list[int] = []
    soft_breaks: list[int] = []
    offset = 0
    unmapped = total = images = 0
    with closing(pages):
        for _, chars, n_images in pages:
            page_starts.append(offset)
            images += n_images
            text, page_runs, bad, count, soft = _lines(chars, offset)
            soft_breaks.extend(soft)
            unmapped += bad
            total += count
            texts.append(text)
            runs.extend(page_runs)
            offset += len(text)
    if total == 0 or (images and total < _SCAN_CHARS_PER_PAGE * len(page_starts)):
        what = "no text layer" if total == 0 else f"only {total} characters of text on {len(page_starts)} page(s)"
        what_zh = "没有文字层" if total == 0 else f"{len(page_starts)} 页中只有 {total} 个文字"
        raise LoanlintError("E002", f"the PDF has {what} (scanned images?); run OCR first "
                                    f"(e.g. ocrmypdf) and lint the OCR'd file",
                            f"PDF {what_zh}（可能是扫描图片），请先进行 OCR 文字识别（如 ocrmypdf）后再检查")
    if unmapped / total > _UNMAPPED_SHARE:
        raise LoanlintError(
            "E008", f"{unmapped} of {total} characters have no Unicode mapping ((cid:N) or private-use glyphs)",
            f"{total} 个字符中有 {unmapped} 个没有 Unicode 映射（(cid:N) 或私用区字符）")
    doc = Document.from_text(path, "pdf", "".join(texts), None, page_starts, _merge(runs))
    doc.soft_breaks = soft_breaks
    return doc


def _page_chars(page) -> tuple[list[dict], int]:
    """The page's upright characters, fake-bold duplicates removed, and its image count.

    Same values as ``page.dedupe_chars().chars`` (the formulas of pdfplumber's
    ``Page.process_object`` for the keys loanlint reads) at half the cost: pdfplumber
    turns every glyph into a dict of some twenty resolved attributes we never look at,
    which on a dense page costs as much as pdfminer's parsing of it."""
    from pdfminer.layout import LTChar, LTContainer, LTImage

    height = page.height
    mb_x0, mb_top = page.mediabox[:2]
    doctop0 = page.initial_doctop
    chars: list[dict] = []
    images = 0
    stack = [iter(page.layout._objs)]
    while stack:
        obj = next(stack[-1], None)
        if obj is None:
            stack.pop()
            continue
        if isinstance(obj, LTChar):
            top = (height - obj.y1) + mb_top
            text = obj.get_text()
            if any("\ud800" <= ch <= "\udfff" for ch in text):
                # a hostile ToUnicode map can yield lone UTF-16 surrogates: not text, and
                # not encodable in the report — count them as unmapped glyphs
                text = "\ufffd"
            fontname = obj.fontname
            if isinstance(fontname, bytes):
                fontname = fontname.decode("latin-1")
            chars.append({"text": text, "fontname": fontname, "size": obj.size, "upright": obj.upright,
                          "x0": obj.x0 + mb_x0, "x1": obj.x1 + mb_x0, "top": top,
                          "bottom": (height - obj.y0) + mb_top, "doctop": doctop0 + top})
        elif isinstance(obj, LTContainer):
            stack.append(iter(obj._objs))
        elif isinstance(obj, LTImage):
            images += 1
    return [c for c in _dedupe(chars) if c["upright"]], images


def _dedupe(chars: list[dict], tolerance: float = 1) -> list[dict]:
    """``pdfplumber.utils.dedupe_chars`` (fake bold: the same glyph drawn twice within
    ``tolerance``), same result: of each cluster of equal glyphs (same text, font, size)
    chained within ``tolerance`` vertically, then horizontally, the top-left one stays.
    Without its quadratic ``sorted(key=chars.index)`` (on a dense page that alone cost
    more than parsing the page), only comparing glyphs that occur more than once, and
    without importing pdfplumber (a tenth of a second the PDFium path does not pay)."""
    groups: dict[tuple, list[dict]] = {}
    for c in chars:
        k = (c["upright"], c["text"], c["fontname"], c["size"])
        g = groups.get(k)
        if g is None:
            groups[k] = [c]
        else:
            g.append(c)
    dropped: set[int] = set()
    order: dict[int, int] = {}
    for group in groups.values():
        if len(group) > 1:
            for y_cluster in _clusters(group, "doctop", tolerance):
                for x_cluster in _clusters(y_cluster, "x0", tolerance):
                    if not order:
                        order = {id(c): i for i, c in enumerate(chars)}
                    keep = min(x_cluster, key=lambda c: (c["doctop"], c["x0"], order[id(c)]))
                    dropped.update(id(c) for c in x_cluster if c is not keep)
    return [c for c in chars if id(c) not in dropped] if dropped else list(chars)


def _clusters(objs: list[dict], key: str, tolerance: float) -> Iterator[list[dict]]:
    """The clusters of more than one object in the partition of pdfplumber's
    ``cluster_objects``: sorted by ``key``, a new cluster wherever a value exceeds the
    previous one by more than ``tolerance``."""
    objs = sorted(objs, key=itemgetter(key))
    start = 0
    last = objs[0][key]
    for k in range(1, len(objs)):
        v = objs[k][key]
        if not v <= last + tolerance:
            if k - start > 1:
                yield objs[start:k]
            start = k
        last = v
    if len(objs) - start > 1:
        yield objs[start:]


def _quiet_pdfminer() -> None:
    """pdfminer logs warnings about every oddity it survives ("CropBox missing",
    "Could not parse …") straight to stderr; the report says what matters."""
    import logging

    for name in ("pdfminer", "pdfplumber"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL)
        logger.propagate = False


def _classify(exc: BaseException, page: int | None = None) -> LoanlintError:
    where = f"page {page}: " if page else ""
    where_zh = f"第 {page} 页：" if page else ""
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(chain) < 10:
        chain.append(cur)
        cur = cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else (cur.__cause__ or cur.__context__)
    names = " ".join(type(e).__name__ for e in chain)
    if "Password" in names:
        return LoanlintError("E003", "a password is required to open it; lint an unencrypted copy",
                             "需要密码才能打开，请检查未加密的副本")
    if "Encryption" in names:
        detail = str(chain[-1])[:120]
        return LoanlintError("E003", f"encrypted with a method that cannot be opened ({detail}); "
                                     f"lint an unencrypted copy",
                             f"使用了无法打开的加密方式（{detail}），请检查未加密的副本")
    if any(isinstance(e, MemoryError) for e in chain):
        return LoanlintError("E010", where + "reading the PDF needs more memory than allowed "
                                     "(raise --max-memory if the file is legitimate)",
                             where_zh + "读取该 PDF 所需内存超过上限（如文件正常可加大 --max-memory）")
    if any(isinstance(e, RecursionError) for e in chain):
        return LoanlintError("E004", where + "object nesting too deep", where_zh + "对象嵌套过深")
    detail = str(chain[-1]) or type(chain[-1]).__name__
    return LoanlintError("E004", where + detail[:200], where_zh + detail[:200])


def _lines(chars: list[dict], base: int) -> tuple[str, list[FontRun], int, int, list[int]]:
    """Group characters into lines (top to bottom), join each left to right."""
    chars = sorted(chars, key=itemgetter("top", "x0"))
    groups: list[list[dict]] = []
    top = bottom = None
    for c in chars:
        mid = (c["top"] + c["bottom"]) / 2
        if groups and top <= mid <= bottom:
            groups[-1].append(c)
        else:
            groups.append([c])
            top, bottom = c["top"], c["bottom"]
    out: list[str] = []
    runs: list[list] = []  # [start, end, size], merged as we go
    pos = base
    unmapped = total = 0
    ends: list[tuple[int, float, float, bool]] = []  # newline offset, right edge, em, table-like
    x0 = itemgetter("x0")
    for group in groups:
        group.sort(key=x0)
        text, sizes = _join(group)
        ends.append((pos + len(text), max(c["x1"] for c in group),
                     float(group[-1].get("size") or 10), "  " in text))
        for size, same in itertools.groupby(sizes):
            n = len(list(same))
            if size is not None:
                if runs and runs[-1][1] == pos and runs[-1][2] == size:
                    runs[-1][1] = pos + n
                else:
                    runs.append([pos, pos + n, size])
            pos += n
        texts = [c["text"] for c in group if not c["text"].isspace()]
        total += len(texts)
        if _UNMAPPED.search("".join(texts)):
            unmapped += sum(1 for t in texts if t.startswith("(cid:") or _UNMAPPED_CHAR.search(t))
        out.append(text + "\n")
        pos += 1
    soft = _soft_wraps(ends)
    return "".join(out), [FontRun(start=a, end=b, size=z) for a, b, z in runs], unmapped, total, soft


_UNMAPPED_CHAR = re.compile("[\ufffd\ue000-\uf8ff]")  # U+FFFD, the private-use area
_UNMAPPED = re.compile("[\ufffd\ue000-\uf8ff]|\\(cid:")


def _soft_wraps(ends: list[tuple[int, float, float, bool]]) -> list[int]:
    """Newlines where a paragraph merely wrapped at the right margin: full-width lines
    that are not table rows. Phrases like 实际到账 split across them must still match."""
    rights = [r for _, r, _, table in ends if not table]
    if len(rights) < 3:
        return []
    margin = max(rights)
    return [nl for (nl, right, em, table), nxt in zip(ends, ends[1:])
            if not table and not nxt[3] and right >= margin - 1.5 * em]


def _join(group: list[dict]) -> tuple[str, list]:
    texts = [c["text"] for c in group]
    white = [t.isspace() for t in texts]
    gaps = [b["x0"] - a["x1"] for a, b, wa, wb in zip(group, group[1:], white, white[1:]) if not wa and not wb]
    typical = statistics.median(gaps) if gaps else 0.0
    typical = max(0.0, typical)
    parts: list[str] = []
    sizes: list = []
    rounded: dict = {}
    prev = None
    space_end = False  # parts[-1] ends with a space
    for c, t, w in zip(group, texts, white):
        size = c.get("size")
        if prev is not None and not w:
            gap = c["x0"] - prev["x1"]
            em = min(prev.get("size") or 10, size or 10)
            if gap > max(1.0 * em, typical + 0.8 * em):
                need = 1 if space_end else 2
                parts.append(" " * need)
                sizes.extend([None] * need)
                space_end = True
            elif gap > typical + 0.25 * em and not space_end and (_ascii(prev["text"]) or _ascii(t)):
                parts.append(" ")
                sizes.append(None)
                space_end = True
        if w:
            if space_end:
                prev = c
                continue
            t = " "
        r = rounded.get(size, rounded)
        if r is rounded:
            r = rounded[size] = round(float(size or 0), 2) or None
        parts.append(t)
        if len(t) == 1:
            sizes.append(r)
        else:
            sizes.extend([r] * len(t))
        space_end = t.endswith(" ")
        prev = c
    text = "".join(parts).rstrip()
    return text, sizes[: len(text)]


def _ascii(t: str) -> bool:
    return bool(t) and t.isascii() and t.isalnum()


def _merge(runs: Iterable[FontRun]) -> list[FontRun]:
    merged: list[FontRun] = []
    for r in runs:
        if merged and merged[-1].end == r.start and merged[-1].size == r.size:
            last = merged[-1]
            merged[-1] = FontRun(start=last.start, end=r.end, size=r.size)
        else:
            merged.append(r)
    return merged
