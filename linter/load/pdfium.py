"""PDF characters via PDFium: the character dicts of ``pdf._page_chars``, several times
faster, for the PDFs where PDFium's reading provably agrees with pdfminer's.

PDFium's text page is not a raw list of glyphs. It drops text objects that repeat one
drawn just before (fake bold) or that have no ink (a lone CJK glyph of a font this
machine lacks), deletes the second of two adjacent spaces, replaces glyphs by their
``/ActualText``, rewrites line-end hyphens, splits ligatures, reorders right-to-left
text, makes up text for glyphs without a Unicode map, and keeps glyph widths as
integers. Each of these is either undone here (inkless objects, deleted spaces where
``_join`` could tell, fake-bold copies ``_dedupe`` drops anyway) or detected; then
``pages`` raises ``Unsupported`` and ``pdf.load_pdf`` reads the file with pdfminer:
the fast path never decides a finding, a location or an error code on its own. So do
fonts pdfminer measures differently (widths with fractions, Type 3, CMaps other than
the Unicode ones, codes a CMap lacks), rotated pages, and whatever PDFium had to repair.

Boxes are pdfminer's, not PDFium's: origin and font size from PDFium, advance width
and descent from the font's own metrics, so ``x1`` and ``top`` are where pdfminer puts
them (PDFium's "loose" box takes the font's bounding box and a substitute font's ink).
"""
from __future__ import annotations

import ctypes
import functools
import re
from typing import Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as R

from .pdf import MAX_PAGES, _dedupe

_NEAR = 0.01  # points: PDFium computes in single precision
_MADE_UP = frozenset((0x20, 0x0D, 0x0A))  # what PDFium adds: spaces and line breaks
_SURROGATE = re.compile("[\ud800-\udfff]")
_LIGATURES = {"ff", "fi", "fl", "ffi", "ffl", "ſt", "st"}  # what PDFium splits U+FB00–U+FB06 into


class Unsupported(Exception):
    """PDFium's reading of this file may differ from pdfminer's: read it carefully."""


def _c(fn):
    """``fn`` with PDFium's opaque handles as plain addresses: compared as ints, no
    pointer objects made for every call."""
    def plain(t):
        opaque = t is not None and hasattr(t, "_type_") and isinstance(t._type_, type) \
            and issubclass(t._type_, ctypes.Structure) and not getattr(t._type_, "_fields_", None)
        return ctypes.c_void_p if opaque else t
    proto = ctypes.CFUNCTYPE(plain(fn.restype), *[plain(t) for t in fn.argtypes])
    return proto(ctypes.cast(fn, ctypes.c_void_p).value)


_F = {name: _c(getattr(R, name)) for name in (
    "FPDF_LoadPage", "FPDF_ClosePage", "FPDFPage_GetRotation", "FPDFPage_GetMediaBox", "FPDF_GetPageHeightF",
    "FPDFPage_CountObjects", "FPDFPage_GetObject", "FPDFPageObj_GetType", "FPDFFormObj_CountObjects",
    "FPDFFormObj_GetObject", "FPDFPageObj_GetBounds", "FPDFTextObj_SetTextRenderMode", "FPDFPageObj_Transform",
    "FPDFText_LoadPage", "FPDFText_ClosePage", "FPDFText_CountChars", "FPDFText_GetUnicode",
    "FPDFText_IsGenerated", "FPDFText_HasUnicodeMapError", "FPDFText_GetTextObject", "FPDFText_GetCharOrigin",
    "FPDFText_GetMatrix", "FPDFText_GetLooseCharBox", "FPDFText_GetCharBox", "FPDFTextObj_GetFont",
    "FPDFTextObj_GetFontSize", "FPDFFont_GetBaseFontName", "FPDFFont_GetIsEmbedded", "FPDFFont_GetDescent",
    "FPDFFont_GetGlyphWidth", "FPDFPageObj_CountMarks", "FPDFPageObj_GetMark", "FPDFPageObjMark_GetParamValueType")}


def pages(path: str) -> Iterator[tuple[int, list[dict], int]]:
    """(page number, characters as ``pdf._page_chars`` gives them, image count) per page."""
    cmaps, exact = _prescan(path)
    agree = _round_trip(tuple(cmaps)) if cmaps else None
    try:
        doc = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:  # password, damage, unknown security handler: pdfminer names it
        raise Unsupported(f"PDFium cannot open it: {exc}") from None
    try:
        if not R.FPDF_DocumentHasValidCrossReferenceTable(doc.raw):
            raise Unsupported("PDFium rebuilt the cross-reference table")
        count = R.FPDF_GetPageCount(doc.raw)
        if not 0 < count <= MAX_PAGES:
            raise Unsupported(f"{count} pages")
        handle = ctypes.cast(doc.raw, ctypes.c_void_p).value
        fonts: dict = {}
        doctop = 0.0
        for index in range(count):
            page = _F["FPDF_LoadPage"](handle, index)
            if not page:
                raise Unsupported(f"page {index + 1} does not load")
            try:
                reader = _Page(page, doctop, fonts, agree, exact)
                chars = reader.read()
            finally:
                _F["FPDF_ClosePage"](page)
            yield index + 1, _dedupe(chars), reader.images
            doctop += reader.height
    finally:
        doc.close()


# What pdfminer and PDFium read differently in font dictionaries: widths with fractions
# (PDFium keeps integers, so its glyph positions drift from pdfminer's), Type 3 fonts
# (glyph space scaled by their own matrix), CMaps embedded in the file and predefined
# CMaps other than the Unicode ones (codes a CMap lacks: pdfminer drops the glyph and
# its advance, PDFium shows it).
_NAME = rb"/([^\s/<>\[\]()%{}]{1,127})"
_WIDTHS = re.compile(rb"/(?:Widths|W|DW)\s{0,64}(?:(\[)|(\d{1,10})\s{1,64}(\d{1,5})\s{1,64}R\b|([-+.\d]{1,32}))")
_FRACTION = re.compile(rb"(?<![\d.])\d{0,12}\.\d{0,12}[1-9]")
_TYPE3 = re.compile(rb"/Subtype\s{0,64}/Type3\b")
_ENCODING = re.compile(rb"/Encoding\s{0,64}(?:" + _NAME + rb"|\d{1,10}\s{1,64}\d{1,5}\s{1,64}R\b)")
_ENCODING_KEYS = {b"BaseEncoding", b"Differences"}  # after "/Type /Encoding" in an encoding dictionary
_BASEFONT = re.compile(rb"/BaseFont\s{0,64}" + _NAME)
_PLAIN_ENCODINGS = {b"WinAnsiEncoding", b"MacRomanEncoding", b"StandardEncoding", b"MacExpertEncoding",
                    b"PDFDocEncoding", b"Identity-H"}
_UNICODE_CMAP = re.compile(rb"Uni(?:GB|CNS|JIS|KS)-(?:UCS2|UTF16)-H")
_BRACKET = re.compile(rb"[\[\]]")
_OBJ = re.compile(rb"(?<!\d)(\d{1,10})\s{1,64}(\d{1,5})\s{1,64}obj\b")


def _prescan(path: str) -> tuple[list[str], set[str]]:
    """Refuse the font hazards above; return the Unicode CMaps the file's CID fonts use
    and those fonts' names. Reads the file's bytes and its object streams (``pdfscan``
    has refused bombs)."""
    import mmap

    from . import pdfscan

    with open(path, "rb") as fh:
        buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        objects: dict[int, bytes] = {}  # objects stored in object streams
        for m in pdfscan._STREAM.finditer(buf):
            head = pdfscan._dict_before(buf, m.start() + 2)
            if pdfscan._OBJSTM.search(head):
                if b"/Encrypt" in buf:
                    raise Unsupported("encrypted object streams")
                data = b"".join(pdfscan._inflated(buf, m.end(), len(pdfscan._FLATE.findall(head))))
                objects.update(_objstm(head, data))
        cmaps: set[str] = set()
        names: set[str] = set()
        index: dict = {}  # (number, generation) → end of "N G obj" in the file, built when needed
        for data in [buf, *objects.values()]:
            if _TYPE3.search(data):
                raise Unsupported("a Type 3 font")
            for m in _ENCODING.finditer(data):
                name = m.group(1)
                if name in _PLAIN_ENCODINGS or name in _ENCODING_KEYS:
                    continue
                if data is buf:  # the dictionary's object
                    start = max(0, buf.rfind(b"obj", max(0, m.start() - 65536), m.start()))
                    end = buf.find(b"endobj", m.end(), m.end() + 65536)
                    font = buf[start:end if end > 0 else m.end() + 65536]
                else:
                    font = data
                if name is None:  # an encoding dictionary (simple fonts) or a CMap stream (CID fonts)
                    if b"/Type0" in font:
                        raise Unsupported("a CMap embedded in the file")
                    continue
                if not _UNICODE_CMAP.fullmatch(name):
                    raise Unsupported(f"CMap {name.decode('latin-1')}")
                if b"/ToUnicode" in font:  # pdfminer would look it up by CID, PDFium by code
                    raise Unsupported("a CID font with both a Unicode CMap and a /ToUnicode")
                cmaps.add(name.decode())
                names.update(_plain_name(n) for n in _BASEFONT.findall(font))
            for m in _WIDTHS.finditer(data):
                if m.group(1):
                    values = _array(data, m.end() - 1)
                elif m.group(2):
                    if not index and not objects.get(int(m.group(2))):
                        index = {(int(o.group(1)), int(o.group(2))): o.end() for o in _OBJ.finditer(buf)}
                    values = _resolve(buf, objects, index, int(m.group(2)), int(m.group(3)))
                else:
                    values = m.group(4)
                if values is None or _FRACTION.search(values):
                    raise Unsupported("glyph widths with fractions")
        return sorted(cmaps), names
    finally:
        buf.close()


def warm() -> None:
    """What a process about to fork PDF workers can load once for all of them (instead
    of pdfplumber, which only the fallback needs): PDFium, and pdfminer's tables for
    the CMap of the Chinese CID fonts that generators use without embedding them."""
    _round_trip(("UniGB-UCS2-H",))


@functools.lru_cache(maxsize=None)
def _round_trip(cmaps: tuple[str, ...]):
    """For CID fonts encoded with a Unicode CMap PDFium reports the code itself; pdfminer
    maps it to a CID and the CID back to text, and drops codes the CMap lacks (with
    their advance). The test that both readings agree for a character."""
    from pdfminer.cmapdb import CMapDB

    orderings = {"GB": "Adobe-GB1", "CNS": "Adobe-CNS1", "JIS": "Adobe-Japan1", "KS": "Adobe-Korea1"}
    maps = [(CMapDB.get_cmap(name), CMapDB.get_unicode_map(orderings[name[3:name.index("-")]], False),
             "UTF16" in name) for name in cmaps]

    @functools.lru_cache(maxsize=None)
    def agree(ch: str) -> bool:
        for cmap, umap, utf16 in maps:
            if ord(ch) > 0xFFFF and not utf16:
                return False
            cids = list(cmap.decode(ch.encode("utf-16-be")))
            try:
                if len(cids) != 1 or umap.get_unichr(cids[0]) != ch:
                    return False
            except KeyError:
                return False
        return True
    return agree


def _plain_name(name: bytes) -> str:
    """A font name without its subset tag (ABCDEF+), which PDFium drops."""
    name = name.decode("latin-1")
    return name[7:] if len(name) > 7 and name[6] == "+" and name[:6].isupper() else name


def _objstm(head: bytes, data: bytes) -> dict[int, bytes]:
    from . import pdfscan

    ints = {k.decode(): int(v) for k, v in pdfscan._INT.findall(head)}
    n, first = ints.get("N"), ints.get("First")
    nums = data[:first].split() if first is not None else []
    if not n or len(nums) < 2 * n or len(data) > pdfscan.MAX_OBJSTM_BYTES:
        raise Unsupported("an object stream we cannot index")
    try:
        pairs = [(int(nums[2 * i]), first + int(nums[2 * i + 1])) for i in range(n)]
    except ValueError:
        raise Unsupported("an object stream we cannot index") from None
    ends = [p for _, p in pairs[1:]] + [len(data)]
    return {num: data[start:end] for (num, start), end in zip(pairs, ends)}


def _resolve(buf, objects: dict[int, bytes], index: dict, num: int, gen: int):
    """The array an indirect /Widths or /W points to (None: not found, be careful).
    The index keeps an object's last definition, as incremental updates want."""
    if num in objects:
        data, start = objects[num], 0
    elif (num, gen) in index:
        data, start = buf, index[num, gen]
    else:
        return None
    k = start
    while k < len(data) and data[k:k + 1].isspace():
        k += 1
    return _array(data, k) if data[k:k + 1] == b"[" else None


def _array(data, start: int, limit: int = 1 << 20):
    """The bytes of the (nested) array opening at ``start``, brackets included."""
    depth = 0
    for m in _BRACKET.finditer(data, start, min(len(data), start + limit)):
        depth += 1 if m.group() == b"[" else -1
        if depth == 0:
            return data[start:m.end()]
    return None


class _Page:
    """One page: its text objects, its images, and its characters as pdfminer sees them."""

    def __init__(self, page: int, doctop0: float, fonts: dict, agree, exact: set[str]) -> None:
        self.page = page
        self.doctop0 = doctop0
        self.fonts = fonts  # per document: font → (name, descent, {code point: width}, exact widths)
        self.agree = agree
        self.exact = exact  # fonts whose codes are the code points (Unicode CMap, not embedded)
        self.images = 0
        self.in_form: dict[int, bool] = {}  # text object → drawn inside a form (its box in form space)
        self.inkless: dict[int, tuple] = {}  # text objects given a box → the box they had
        self.spaces: dict[int, tuple] = {}  # id(space) → (text object, origin x, origin y, pitch)
        self.fl = ctypes.c_float()
        self.fb = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
        if _F["FPDFPage_GetRotation"](page):
            raise Unsupported("a rotated page")
        l, b, r, t = self.fb
        if _F["FPDFPage_GetMediaBox"](page, l, b, r, t):
            self.height = float(t.value) - float(b.value)
        else:  # (the height only shifts all the page's tops alike)
            self.height = float(_F["FPDF_GetPageHeightF"](page))

    def read(self) -> list[dict]:
        self._objects()
        tp = _F["FPDFText_LoadPage"](self.page)
        if not tp:
            raise Unsupported("no text page")
        try:
            chars, seen = self._chars(tp)
        finally:
            _F["FPDFText_ClosePage"](tp)
        self._check_objects(seen)
        return [c for c in chars if c["upright"]]

    # -- objects and fonts -----------------------------------------------------------------

    def _objects(self) -> None:
        """Text objects (forms included) and the image count. Also gives inkless text
        objects a box: PDFium skips one of no width (a one-character table cell in a CJK
        font this machine lacks) and takes one without height for a copy of any similar
        line up to an eighth of its width away. Stroked text gets half a line width
        around its box; nothing else changes."""
        get_type = _F["FPDFPageObj_GetType"]
        stack = [(self.page, False)]
        forms = 0
        while stack:
            holder, in_form = stack.pop()
            if in_form:
                n, get = _F["FPDFFormObj_CountObjects"](holder), _F["FPDFFormObj_GetObject"]
            else:
                n, get = _F["FPDFPage_CountObjects"](holder), _F["FPDFPage_GetObject"]
            for i in range(n):
                obj = get(holder, i)
                kind = get_type(obj)
                if kind == R.FPDF_PAGEOBJ_TEXT:
                    self.in_form[obj] = in_form
                    box = self._bounds(obj)
                    if abs(box[2] - box[0]) < _NEAR or abs(box[3] - box[1]) < _NEAR:
                        _F["FPDFTextObj_SetTextRenderMode"](obj, R.FPDF_TEXTRENDERMODE_STROKE)
                        _F["FPDFPageObj_Transform"](obj, 1, 0, 0, 1, 0, 0)  # recomputes the box
                        self.inkless[obj] = box
                elif kind == R.FPDF_PAGEOBJ_IMAGE:
                    self.images += 1
                elif kind == R.FPDF_PAGEOBJ_FORM:
                    forms += 1
                    if forms > 100_000:
                        raise Unsupported("too many forms")
                    stack.append((obj, True))

    def _bounds(self, obj) -> tuple[float, float, float, float]:
        l, b, r, t = self.fb
        if not _F["FPDFPageObj_GetBounds"](obj, l, b, r, t):
            return 0.0, 0.0, 0.0, 0.0
        return l.value, b.value, r.value, t.value

    def _font(self, font) -> tuple[str, float, dict, bool]:
        """Name, descent and widths of ``font``, and whether PDFium's width for a code
        point is the glyph's for sure: it looks the code up from the code point, which
        only a Unicode CMap makes unambiguous; other fonts' widths are checked per glyph."""
        info = self.fonts.get(font)
        if info is None:
            n = _F["FPDFFont_GetBaseFontName"](font, None, 0)
            buf = ctypes.create_string_buffer(max(n, 1))
            _F["FPDFFont_GetBaseFontName"](font, buf, n)
            name = buf.value.decode("latin-1")
            _F["FPDFFont_GetDescent"](font, 1000.0, self.fl)  # /Descent, as pdfminer takes it
            exact = not _F["FPDFFont_GetIsEmbedded"](font) and _plain_name(buf.value) in self.exact
            # pdfminer forces a positive /Descent negative (producers get its sign wrong)
            info = self.fonts[font] = (name, -abs(self.fl.value) / 1000, {}, exact)
        return info

    def _width(self, font, widths: dict, u: int) -> float:
        """The advance of ``u`` in ``font`` per point of font size (once per font and
        character; also where pdfminer's CMap reading is checked)."""
        if not _F["FPDFFont_GetGlyphWidth"](font, u, 1000.0, self.fl):
            raise Unsupported("no glyph width")
        w = widths[u] = self.fl.value / 1000
        if w < 0:
            raise Unsupported("vertical writing")
        if self.agree is not None and not self.agree(chr(u)):
            raise Unsupported(f"pdfminer reads U+{u:04X} differently through its CMap")
        return w

    def _check_marks(self, obj) -> None:
        for k in range(_F["FPDFPageObj_CountMarks"](obj)):
            mark = _F["FPDFPageObj_GetMark"](obj, k)
            if mark and _F["FPDFPageObjMark_GetParamValueType"](mark, b"ActualText") != R.FPDF_OBJECT_UNKNOWN:
                raise Unsupported("/ActualText replaces the glyphs")

    def _check_objects(self, seen: set) -> None:
        """Every text object must have reached the text page — or be a fake-bold copy
        (same font and size, within 1 pt) that ``_dedupe`` drops as well."""
        kept = {o: self._bounds(o) for o in seen if not self.in_form[o]}
        for o, in_form in self.in_form.items():
            if o in seen:
                continue
            if in_form:
                raise Unsupported("a text object inside a form did not reach the text page")
            box = self._bounds(o)
            if not any(self._copy(o, box, other, obox) for other, obox in kept.items()):
                raise Unsupported("a text object did not reach the text page")

    def _copy(self, obj, box, other, obox) -> bool:
        if any(abs(p - q) > 1 for p, q in zip(box, obox)):
            return False
        _F["FPDFTextObj_GetFontSize"](obj, self.fl)
        size = self.fl.value
        _F["FPDFTextObj_GetFontSize"](other, self.fl)
        return size == self.fl.value and _F["FPDFTextObj_GetFont"](obj) == _F["FPDFTextObj_GetFont"](other)

    # -- characters ------------------------------------------------------------------------

    def _chars(self, tp) -> tuple[list[dict], set]:
        """The text page's characters, PDFium's inventions skipped, its deletions undone,
        and the text objects they come from. (The hot loop of the fast path.)"""
        is_generated, map_error = _F["FPDFText_IsGenerated"], _F["FPDFText_HasUnicodeMapError"]
        text_object, get_origin = _F["FPDFText_GetTextObject"], _F["FPDFText_GetCharOrigin"]
        loose_box = _F["FPDFText_GetLooseCharBox"]
        x, y = ctypes.c_double(), ctypes.c_double()
        m, rect = R.FS_MATRIX(), R.FS_RECTF()
        prect = ctypes.byref(rect)
        height, doctop0 = self.height, self.doctop0
        chars: list[dict] = []
        seen: set[int] = set()
        spaces = self.spaces
        obj = prev = right = None  # right: the right-most character since PDFium's last line break
        pending = None  # origin of a space PDFium made from TJ kerning: the next glyph's
        px = py = pend = 0.0  # previous character's origin and where its advance ends
        pobj = None
        rx = -1e300
        _chr = chr
        append = chars.append
        for i, u in enumerate(self._codes(tp)):
            if u in _MADE_UP and is_generated(tp, i):
                if u == 0x20:
                    if text_object(tp, i):
                        get_origin(tp, i, x, y)
                        pending = (x.value, y.value)
                elif right is not None:  # (``prev`` stays: PDFium may break a line the page does not)
                    if right["text"] == " ":
                        self._object_tail(right, chars)
                    right, rx = None, -1e300
                continue
            if u < 0x20 or (u >= 0x0590 and not (0x2000 <= u < 0xD800 or 0xF900 <= u < 0xFB1D
                                                 or 0xFF00 <= u < 0xFFFD or u > 0xFFFF)):
                _odd(u)
            o = text_object(tp, i)
            if o != obj:
                if not o:
                    raise Unsupported("a character without a text object")
                obj = o
                seen.add(o)
                if _F["FPDFPageObj_CountMarks"](o):
                    self._check_marks(o)
                font = _F["FPDFTextObj_GetFont"](o)
                fontname, descent, widths, exact = self._font(font)
                width = widths.get
                if not _F["FPDFTextObj_GetFontSize"](o, self.fl):
                    raise Unsupported("no font size")
                fs = self.fl.value
                _F["FPDFText_GetMatrix"](tp, i, ctypes.byref(m))
                a, b, c, d = m.a, m.b, m.c, m.d
                check = not exact and a > 0 and b == 0 and c == 0
                upright = a * d > 0 and b * c <= 0
                lo = descent * fs
                dy0, dy1, dx0, dx1 = d * lo, d * (lo + fs), c * lo, c * (lo + fs)
            if not exact and map_error(tp, i):  # (a Unicode CMap maps every code: to itself)
                raise Unsupported(f"U+{u:04X} stands for a glyph without a Unicode mapping")
            get_origin(tp, i, x, y)
            ox, oy = x.value, y.value
            if pending is not None:
                if abs(pending[0] - ox) > _NEAR or abs(pending[1] - oy) > _NEAR:
                    raise Unsupported("a glyph after a kerning space was dropped")
                pending = None
            if ox == px and oy == py and o == pobj and prev is not None:
                # one glyph mapped to several characters: pdfminer keeps them together
                prev["text"] += _chr(u)
                if prev["text"] in _LIGATURES:
                    raise Unsupported("a ligature")
                continue
            w = width(u)
            if w is None:
                w = self._width(font, widths, u)
            adv = w * fs
            if check:  # the advance must end where PDFium's loose box does, unless ink overhangs it
                loose_box(tp, i, prect)
                end = ox + a * adv
                r = rect.right
                if r < end - _NEAR or (r > end + _NEAR and not self._overhang(tp, i, end, r)):
                    raise Unsupported("a glyph's width disagrees with PDFium's box")
            # pdfminer's LTChar box: (0, descent) to (advance, descent + size) through the matrix
            x0, y0 = dx0 + ox, dy0 + oy
            x1, y1 = a * adv + dx1 + ox, b * adv + dy1 + oy
            if x1 < x0:
                x0, x1 = x1, x0
            if y1 < y0:
                y0, y1 = y1, y0
            top = height - y1
            char = {"text": _chr(u), "fontname": fontname, "size": y1 - y0, "upright": upright, "x0": x0,
                    "x1": x1, "top": top, "bottom": height - y0, "doctop": doctop0 + top}
            if u == 0x20:  # its pitch: advance plus the character spacing read off the glyph before
                tc = ox - pend if o == pobj and prev is not None and prev["text"] != " " else 0.0
                spaces[id(char)] = (o, ox, oy, a * adv + tc)
            elif prev is not None and prev["text"] == " ":
                self._deleted_spaces(prev, char, o, ox, chars)
            append(char)
            prev, pobj, px, py, pend = char, o, ox, oy, ox + a * adv
            if x1 > rx:
                right, rx = char, x1
        if right is not None and right["text"] == " ":
            self._object_tail(right, chars)
        return chars, seen

    @staticmethod
    def _codes(tp) -> list[int]:
        """Every character's code point, in one call when PDFium's text is one code unit
        per character (no unmapped glyphs, nothing outside the BMP), else one by one."""
        n = _F["FPDFText_CountChars"](tp)
        if n <= 0:
            return []
        buf = (ctypes.c_ushort * (n + 1))()
        if R.FPDFText_GetText(ctypes.cast(tp, R.FPDF_TEXTPAGE), 0, n, buf) == n + 1:
            text = ctypes.string_at(buf, 2 * n).decode("utf-16-le", "surrogatepass")
            if len(text) == n and not _SURROGATE.search(text):
                return buf[:n]
        get = _F["FPDFText_GetUnicode"]
        return [get(tp, i) for i in range(n)]

    _box = (ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double())

    @classmethod
    def _overhang(cls, tp, i: int, end: float, right: float) -> bool:
        """Whether a loose box reaching past the advance (``end``) is ink overhanging it.
        PDFium's tight box of a glyph without ink (a font this machine lacks) is its
        advance, one thousandth of the font size high: then it must end at ``end``."""
        l, r, b, t = cls._box
        _F["FPDFText_GetCharBox"](tp, i, l, r, b, t)
        if abs(t.value - b.value) < 0.1:
            return abs(r.value - end) <= _NEAR
        return r.value >= right - _NEAR

    # -- spaces PDFium deleted -------------------------------------------------------------

    def _deleted_spaces(self, space: dict, char: dict, o, ox: float, chars: list[dict]) -> None:
        """PDFium keeps only the first of adjacent spaces. ``_join`` cannot tell unless the
        gap after the space it kept reads as a column break; then the deleted ones are
        put back where they were: in the same text object at whole multiples of the
        space pitch, or at the end of the space's object, up to its box."""
        em = 0.9 * min(space["size"] or 10, char["size"] or 10)
        if char["x0"] - space["x1"] <= em:
            return
        so, sx, _, pitch = self.spaces[id(space)]
        if o == so:
            n = self._multiple(ox - sx, pitch, 1)
            if not n:  # word spacing, TJ kerning or deleted spaces: cannot tell which
                raise Unsupported("a wide gap after a space PDFium may have shortened")
            self._synthesize(space, n - 1, chars)
        else:
            self._object_tail(space, chars)
            # spaces deleted at the start of the next object: its box reaches their origins
            if self.in_form[o] or (self.inkless.get(o) or self._bounds(o))[0] < ox - 0.15 * char["size"]:
                raise Unsupported("a text object starts before its first character")

    def _object_tail(self, space: dict, chars: list[dict]) -> None:
        """Spaces deleted after the last glyph PDFium kept of a text object (they move a
        line's right edge, which soft wraps read): the object's box still reaches the
        origin of its last glyph."""
        o, ox, _, pitch = self.spaces[id(space)]
        if self.in_form[o]:
            raise Unsupported("spaces at the end of a text object inside a form")
        span = (self.inkless.get(o) or self._bounds(o))[2] - ox
        if span < pitch - _NEAR:  # (the ink of the glyphs before may reach past the space)
            return
        n = self._multiple(span, pitch, 0)
        if not n:
            raise Unsupported("a text object ends beyond its last character")
        self._synthesize(space, n, chars)

    @staticmethod
    def _multiple(span: float, pitch: float, least: int) -> int:
        """``span`` as a whole number (> ``least``) of ``pitch``, else 0."""
        if pitch <= _NEAR or span <= least * pitch + _NEAR:
            return 0
        n = round(span / pitch)
        return n if n > least and abs(span - n * pitch) <= _NEAR * (n + 1) else 0

    def _synthesize(self, space: dict, n: int, chars: list[dict]) -> None:
        o, ox, oy, pitch = self.spaces[id(space)]
        for j in range(1, n + 1):
            c = dict(space, x0=space["x0"] + j * pitch, x1=space["x1"] + j * pitch)
            self.spaces[id(c)] = (o, ox + j * pitch, oy, pitch)
            chars.append(c)


def _odd(u: int) -> None:
    """Code points PDFium uses for glyphs it could not map, and text it rewrites."""
    if u < 0x20 or 0xD800 <= u <= 0xDFFF or 0xE000 <= u <= 0xF8FF or 0xFFFD <= u <= 0xFFFF:
        raise Unsupported(f"a glyph without a Unicode mapping (U+{u:04X})")  # (cid:N) is pdfminer's call
    if 0x0590 <= u <= 0x08FF or 0xFB1D <= u <= 0xFDFF or 0xFE70 <= u <= 0xFEFF:
        raise Unsupported("right-to-left text")  # PDFium reorders and mirrors it
