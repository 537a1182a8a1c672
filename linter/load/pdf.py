"""PDF text with positions and font sizes, via pdfplumber.

Lines are rebuilt from characters rather than taken from ``extract_text`` so we
control the CJK pitfalls ourselves: fake bold (duplicate glyphs, removed by
``dedupe_chars``), justified text (no spaces invented between spaced-out
characters: gaps are judged against the line's own spacing), table cells (a wide
gap becomes two spaces so rows read as tables), and glyphs without a Unicode
mapping (``(cid:NNN)``, private-use code points: an E008 error, never an empty
contract). Each page is closed as soon as it is read to keep memory flat.
"""
from __future__ import annotations

import statistics
from typing import Iterable

from ..errors import LoanlintError
from .document import Document, FontRun

MAX_PAGES = 2000
_UNMAPPED_SHARE = 0.10
_SCAN_CHARS_PER_PAGE = 20  # with images on the pages and fewer characters than this: a scan


def load_pdf(path: str) -> Document:
    from .pdfscan import scan

    scan(path)  # decompression bombs and reference cycles: refused before pdfminer sees them
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
        texts: list[str] = []
        runs: list[FontRun] = []
        page_starts: list[int] = []
        soft_breaks: list[int] = []
        offset = 0
        unmapped = total = images = 0
        for page in pages:
            page_starts.append(offset)
            try:
                chars, n_images = _page_chars(page)
                images += n_images
            except LoanlintError:
                raise
            except RecursionError:
                raise LoanlintError("E004", f"page {page.page_number}: object nesting too deep",
                                    f"第 {page.page_number} 页：对象嵌套过深") from None
            except Exception as exc:
                raise _classify(exc, page.page_number) from None
            finally:
                page.close()
            text, page_runs, bad, count, soft = _lines(chars, offset)
            soft_breaks.extend(soft)
            unmapped += bad
            total += count
            texts.append(text)
            runs.extend(page_runs)
            offset += len(text)
    finally:
        try:
            pdf.close()
        except Exception:
            pass
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
    ``tolerance``), same result, without its quadratic ``sorted(key=chars.index)``:
    on a dense page that alone cost more than parsing the page."""
    import itertools
    from operator import itemgetter

    from pdfplumber.utils import cluster_objects

    key = itemgetter("upright", "text", "fontname", "size")
    pos_key = itemgetter("doctop", "x0")
    order = {id(c): i for i, c in enumerate(chars)}
    kept = []
    for _, group in itertools.groupby(sorted(chars, key=key), key=key):
        for y_cluster in cluster_objects(list(group), itemgetter("doctop"), tolerance):
            for x_cluster in cluster_objects(y_cluster, itemgetter("x0"), tolerance):
                kept.append(min(x_cluster, key=lambda c: (pos_key(c), order[id(c)])))
    kept.sort(key=lambda c: order[id(c)])
    return kept


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
    chars = sorted(chars, key=lambda c: (c["top"], c["x0"]))
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
    for group in groups:
        group.sort(key=lambda c: c["x0"])
        text, sizes = _join(group)
        ends.append((pos + len(text), max(c["x1"] for c in group),
                     float(group[-1].get("size") or 10), "  " in text))
        for size in sizes:
            if size is not None:
                if runs and runs[-1][1] == pos and runs[-1][2] == size:
                    runs[-1][1] = pos + 1
                else:
                    runs.append([pos, pos + 1, size])
            pos += 1
        for c in group:
            t = c["text"]
            if not t.isspace():
                total += 1
                if t.startswith("(cid:") or "\ufffd" in t or any("\ue000" <= x <= "\uf8ff" for x in t):
                    unmapped += 1
        out.append(text + "\n")
        pos += 1
    soft = _soft_wraps(ends)
    return "".join(out), [FontRun(start=a, end=b, size=z) for a, b, z in runs], unmapped, total, soft


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
    gaps = [b["x0"] - a["x1"] for a, b in zip(group, group[1:])
            if not a["text"].isspace() and not b["text"].isspace()]
    typical = statistics.median(gaps) if gaps else 0.0
    typical = max(0.0, typical)
    parts: list[str] = []
    sizes: list = []
    prev = None
    for c in group:
        t = c["text"]
        size = round(float(c.get("size") or 0), 2) or None
        if prev is not None:
            gap = c["x0"] - prev["x1"]
            em = min(prev.get("size") or 10, c.get("size") or 10)
            last_space = parts and parts[-1].endswith(" ")
            if t.isspace():
                pass
            elif gap > max(1.0 * em, typical + 0.8 * em):
                need = 1 if last_space else 2
                parts.append(" " * need)
                sizes.extend([None] * need)
            elif gap > typical + 0.25 * em and not last_space and (_ascii(prev["text"]) or _ascii(t)):
                parts.append(" ")
                sizes.append(None)
        if t.isspace():
            if parts and parts[-1].endswith(" "):
                prev = c
                continue
            t = " "
        parts.append(t)
        sizes.extend([size] * len(t))
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
