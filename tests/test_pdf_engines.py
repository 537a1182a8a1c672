"""The PDFium fast path must read every PDF exactly as the careful pdfminer path does:
the same Document (text, pages, lines, font sizes, soft wraps), hence the same findings,
locations and facts — or decline the file, which then goes the careful way.

``LOANLINT_PDF_ENGINE=pdfium`` forces the fast path without fallback (a file it
declines fails with E099), ``=pdfplumber`` the careful one; unset is the default:
PDFium when it can vouch for its reading."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, fixture_path, run_cli

sys.path.insert(0, str(FIXTURES / "hostile"))
import build as hostile  # noqa: E402

from linter.errors import LoanlintError  # noqa: E402
from linter.load import load  # noqa: E402
from linter.load import pdf as pdf_loader  # noqa: E402

PDFS = sorted((FIXTURES / "contracts").glob("*.pdf"))


def _read(path, engine: str, monkeypatch):
    monkeypatch.setenv("LOANLINT_PDF_ENGINE", engine)
    try:
        d = load(str(path))
    except LoanlintError as exc:
        return ("error", exc.code)
    return (d.text, d.line_starts, d.page_starts, [(r.start, r.end, r.size) for r in d.font_runs], d.soft_breaks)


def _lint(path, engine: str, monkeypatch) -> dict:
    from linter.pipeline import Options, lint_file
    from linter.standard import load_standard

    monkeypatch.setenv("LOANLINT_PDF_ENGINE", engine)
    report = lint_file(str(path), load_standard(), Options(lang="en")).model_dump(mode="json")
    report["findings"] = [(f["rule"], f["location"], f["evidence"], f["message"], f["fingerprint"])
                          for f in report["findings"]]
    return report


def test_there_are_pdf_fixtures():
    assert len(PDFS) >= 27


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.stem[:3])
def test_fixture_reads_alike_and_pdfium_reads_it(path, monkeypatch):
    """Forced PDFium (no fallback) gives the careful path's Document for every fixture."""
    assert _read(path, "pdfium", monkeypatch) == _read(path, "pdfplumber", monkeypatch)


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.stem[:3])
def test_fixture_findings_and_facts_alike(path, monkeypatch):
    fast, careful = _lint(path, "pdfium", monkeypatch), _lint(path, "pdfplumber", monkeypatch)
    assert fast["status"] == careful["status"] == "ok"
    assert fast["findings"] == careful["findings"]
    assert fast["facts"] == careful["facts"]


def test_cli_reports_alike_with_either_engine():
    """Through the CLI and its worker processes, the variable reaches the readers."""
    files = [fixture_path("p05"), fixture_path("p10"), fixture_path("y08"), fixture_path("q13")]
    reports = {}
    for engine in ("pdfplumber", "pdfium", ""):
        r = run_cli("check", "--format", "json", "--no-cache", "--lang", "en", *files,
                    env={"LOANLINT_PDF_ENGINE": engine})
        assert r.returncode == 1, r.stderr
        reports[engine] = json.loads(r.stdout)["files"]
    assert reports["pdfium"] == reports["pdfplumber"] == reports[""]
    assert all(f["status"] == "ok" for f in reports["pdfium"]) and any(f["findings"] for f in reports["pdfium"])


def test_fast_characters_are_the_careful_ones():
    """Per page, the characters PDFium yields are pdfminer's: same text, size and box
    (to single precision). Two justified differences, neither of which reaches the
    Document: ``fontname`` (PDFium's BaseFont, pdfminer's FontDescriptor name; it only
    groups glyphs for fake-bold removal), and spaces after a space that PDFium deletes
    and the fast path only restores where the gap after them would read as a column
    break (``_join`` reads a run of spaces as one)."""
    import pdfplumber

    from linter.load import pdfium

    for path in PDFS[:10]:
        with pdfplumber.open(path) as pdf:
            careful = []
            for page in pdf.pages:
                careful.append(pdf_loader._page_chars(page)[0])
                page.close()
        fast = [chars for _, chars, _ in pdfium.pages(str(path))]
        assert len(fast) == len(careful)
        for n, (a, b) in enumerate(zip(careful, fast), 1):
            key = lambda c: (round(c["top"], 2), round(c["x0"], 2), c["text"])  # noqa: E731
            spaces = {key(c) for c in a if c["text"] == " "}
            assert all(key(c) in spaces for c in b if c["text"] == " "), (path.name, n)
            a = sorted((c for c in a if c["text"] != " "), key=key)
            b = sorted((c for c in b if c["text"] != " "), key=key)
            assert [c["text"] for c in a] == [c["text"] for c in b], (path.name, n)
            for p, q in zip(a, b):
                assert p["upright"] == q["upright"] and abs(p["size"] - q["size"]) < 1e-6, (path.name, n, p, q)
                for k in ("x0", "x1", "top", "bottom"):
                    assert abs(p[k] - q[k]) < 2e-3, (path.name, n, k, p, q)


# --------------------------------------------------------------------------- hostile files

@pytest.fixture(scope="module")
def hostile_corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile-pdf")
    built = hostile.build(out)
    return out, [e for e in built if e["file"].startswith("pdf-") and not e.get("slow")]


def test_hostile_pdfs_give_the_same_codes(hostile_corpus, monkeypatch):
    out, entries = hostile_corpus
    assert len(entries) >= 20
    for entry in entries:
        path = out / entry["file"]
        fast, careful = _read(path, "", monkeypatch), _read(path, "pdfplumber", monkeypatch)
        assert fast == careful, entry["file"]
        expect = entry["expect"]
        assert (fast[1] if fast[0] == "error" else "ok") == expect, entry["file"]


# --------------------------------------------------------------------------- crafted differences

def _u16(s: str) -> bytes:
    return b"<" + s.encode("utf-16-be").hex().upper().encode() + b">"


LINES = ["借款金额：人民币10,000.00元，借款期限12个月，年化利率18%。",
         "借款人应按月还款，每月3日为还款日，服务费100元从借款本金中扣除。"]


def _content(y: int = 800) -> bytes:
    out = [b"BT /F1 10 Tf 16 TL 56 %d Td" % y] + [_u16(line) + b" Tj T*" for line in LINES * 3] + [b"ET"]
    return b"\n".join(out)


def _raw(content: bytes, fonts: bytes = b"/F1 5 0 R", extra: dict | None = None,
         mediabox: bytes = b"[0 0 595 842]") -> bytes:
    objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox " + mediabox + b" /Contents 4 0 R "
               b"/Resources << /Font << " + fonts + b" >> >> >>",
            4: hostile.pdf_stream(b"", content), 5: hostile.CJK_FONT % 6, 6: hostile.CJK_CIDFONT % 7,
            7: hostile.CJK_DESCRIPTOR}
    objs.update(extra or {})
    return hostile.raw_pdf(objs)


def _identity_font(chars: str, extra_map: bytes = b"", extra_widths: bytes = b"") -> tuple[dict, dict]:
    """An Identity-H font with a /ToUnicode map (how most embedded fonts come): objects
    10-13 and the code of each character."""
    code = {ch: i for i, ch in enumerate(sorted(set(chars)), 1)}
    cmap = b"\n".join([b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
                       b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
                       b"1 begincodespacerange <0000> <FFFF> endcodespacerange",
                       b"%d beginbfchar" % (len(code) + extra_map.count(b"\n"))]
                      + [b"<%04X> " % i + _u16(ch) for ch, i in code.items()]
                      + [extra_map + b"endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"])
    widths = b" ".join(b"%d [%d]" % (i, 500 if ch.isascii() else 1000) for ch, i in code.items()) + extra_widths
    return {
        10: b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H "
            b"/DescendantFonts [11 0 R] /ToUnicode 13 0 R >>",
        11: b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun /CIDSystemInfo << /Registry (Adobe) "
            b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor 12 0 R /DW 1000 /W [" + widths + b"] >>",
        12: b"<< /Type /FontDescriptor /FontName /ABCDEF+SimSun /Flags 6 /FontBBox [0 -141 1000 859] "
            b"/ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 859 /StemV 80 >>",
        13: hostile.pdf_stream(b"", cmap)}, code


def _identity(extra_line: bytes = b"", extra_map: bytes = b"", extra_widths: bytes = b"") -> bytes:
    objs, code = _identity_font("".join(LINES), extra_map, extra_widths)
    body = [b"BT /F2 10 Tf 16 TL 56 800 Td"]
    body += [b"<" + b"".join(b"%04X" % code[c] for c in line) + b"> Tj T*" for line in LINES * 3]
    return _raw(b"\n".join(body + [extra_line, b"ET"]), b"/F2 10 0 R", objs)


def _objstm(extra_content: bytes = b"") -> bytes:
    """The CID font's dictionaries inside a compressed object stream."""
    fonts = [hostile.CJK_FONT % 6, hostile.CJK_CIDFONT % 7, hostile.CJK_DESCRIPTOR]
    offsets, data = [], b""
    for body in fonts:
        offsets.append(len(data))
        data += body + b"\n"
    head = b" ".join(b"%d %d" % (n, o) for n, o in zip((5, 6, 7), offsets)) + b"\n"
    objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
            4: hostile.pdf_stream(b"", _content() + extra_content),
            30: hostile.pdf_stream(b"/Type /ObjStm /N 3 /First %d /Filter /FlateDecode" % len(head),
                                   zlib.compress(head + data))}
    return hostile._with_xref_stream(hostile.raw_pdf(objs), {5: (30, 0), 6: (30, 1), 7: (30, 2)})


def _hidden_layer() -> bytes:
    """Text in an optional-content group that is switched off: both readers keep it."""
    content = _content() + b"\n/OC /oc1 BDC BT /F1 10 Tf 56 600 Td " + _u16("隐藏图层中的服务费500元") + b" Tj ET EMC"
    return _raw(content, extra={
        1: b"<< /Type /Catalog /Pages 2 0 R /OCProperties << /OCGs [10 0 R] /D << /OFF [10 0 R] >> >> >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
           b"/Resources << /Font << /F1 5 0 R >> /Properties << /oc1 10 0 R >> >> >>",
        10: b"<< /Type /OCG /Name (hidden) >>"})


def _reportlab(path: Path, draw, rotate: int = 0) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    if rotate:
        c.setPageRotation(rotate)
    y = 780
    for line in LINES * 3:
        c.setFont("STSong-Light", 10)
        c.drawString(56, y, line)
        y -= 16
    draw(c, y - 20)
    c.showPage()
    c.save()


def _text(c, x, y, s, size=10, font="STSong-Light", **state):
    t = c.beginText(x, y)
    t.setFont(font, size)
    for key, setter in (("cs", t.setCharSpace), ("ws", t.setWordSpace), ("hs", t.setHorizScale),
                        ("rise", t.setRise), ("mode", t.setTextRenderMode)):
        if key in state:
            setter(state[key])
    t.textOut(s)
    c.drawText(t)


def _mixed_fonts(c, y):
    _text(c, 56, y, "Loan amount: 10,000.00 yuan; APR 18%.", font="Helvetica")
    _text(c, 56, y - 20, "借款")
    _text(c, 76, y - 20, "Principal 10,000", font="Helvetica")
    _text(c, 160, y - 20, "元整")
    _text(c, 56, y - 40, "Times Roman line with  double  spaces", font="Times-Roman", size=11)


def _matrices(c, y):
    c.saveState()
    c.translate(56, y)
    c.scale(2, 2)
    _text(c, 0, 0, "放大两倍的利率18%", size=8)
    c.restoreState()
    c.saveState()
    c.translate(56, y - 40)
    c.skew(0, 15)
    _text(c, 0, 0, "倾斜的服务费100元")
    c.restoreState()
    c.saveState()
    c.translate(500, y - 200)
    c.rotate(90)
    _text(c, 0, 0, "竖排旋转的文字不计")
    c.restoreState()
    _text(c, 56, y - 80, "不可见文字层：借款本金10,000元", mode=3)
    _text(c, 56, y - 100, "横向缩放的借款金额10,000元", hs=70)
    _text(c, 56, y - 120, "上标")
    _text(c, 76, y - 120, "2", rise=4, size=6)


def _blanks(c, y):
    _text(c, 56, y, "合同编号：【            】")
    _text(c, 56, y - 20, "借款人：          身份证：")
    _text(c, 56, y - 40, "签字：    ")
    _text(c, 300, y - 40, "日期：____年__月__日")
    _text(c, 56, y - 60, "Name:      Date:", font="Helvetica")
    _text(c, 56, y - 80, "尾部空格      ")
    _text(c, 56, y - 100, "甲方")
    _text(c, 80, y - 100, "    ")
    _text(c, 120, y - 100, "乙方")


def _fake_bold(offsets):
    def draw(c, y):
        for dx, dy, size in offsets:
            for k in (0, 1):
                _text(c, 56 + k * dx, y - k * dy, "加粗的年化利率18%与服务费", size=size)
            y -= 2 * size
    return draw


def _cells(c, y):
    for row in range(6):
        for col, s in enumerate(["是", "否", "无", "1", "元", "是"]):
            _text(c, 56 + col * 60, y - row * 16, s)
    for k in range(8):
        _text(c, 56, y - 120 - k * 14, "以下无正文以下无正文以下无正文以下无正文")


def _form(c, y):
    c.beginForm("hdr")
    _text(c, 56, 810, "表单中的页眉：借款合同编号QH-2025")
    c.endForm()
    c.doForm("hdr")


def _hyphen(c, y):
    _text(c, 56, y, "The service fee is non-", font="Helvetica")
    _text(c, 56, y - 14, "refundable and deducted up-", font="Helvetica")
    _text(c, 56, y - 28, "front from the principal.", font="Helvetica")


def _word_spacing(c, y):
    _text(c, 56, y, "实际到账金额：9,900.00元", cs=4)
    _text(c, 56, y - 20, "Justified with wide word spacing", font="Helvetica", ws=6)


# name: (builder, PDFium must read it itself)
CRAFTED = {
    "mixed-fonts": (lambda p: _reportlab(p, _mixed_fonts), True),
    "matrices-invisible-scaled-rise": (lambda p: _reportlab(p, _matrices), True),
    "template-blanks-deleted-spaces": (lambda p: _reportlab(p, _blanks), True),
    "fake-bold-within-1pt": (lambda p: _reportlab(p, _fake_bold([(0.4, 0, 10), (0.3, 0.3, 10), (0.9, 0, 20),
                                                                 (0.6, 0.6, 22)])), True),
    "one-glyph-cells-repeated-lines": (lambda p: _reportlab(p, _cells), True),
    "form-xobject": (lambda p: _reportlab(p, _form), True),
    "mediabox-offset": (lambda p: p.write_bytes(_raw(_content(830), mediabox=b"[20 30 615 872]")), True),
    "identity-h-tounicode": (lambda p: p.write_bytes(_identity()), True),
    "fonts-in-object-stream": (lambda p: p.write_bytes(_objstm()), True),
    "hidden-layer": (lambda p: p.write_bytes(_hidden_layer()), True),
    # PDFium reads these differently; the fast path must notice and step aside
    "fake-bold-1.5pt-apart": (lambda p: _reportlab(p, _fake_bold([(1.5, 0, 20)])), False),
    "rotated-page": (lambda p: _reportlab(p, lambda c, y: None, rotate=90), False),  # (careful: E002)
    "line-end-hyphens": (lambda p: _reportlab(p, _hyphen), False),
    "word-spacing": (lambda p: _reportlab(p, _word_spacing), False),
    "cmap-lacks-a-character": (lambda p: p.write_bytes(_objstm(b"\nBT /F1 10 Tf 56 500 Td " + _u16("浙G·7M5")
                                                               + b" Tj ET")), False),
    "two-codes-one-character": (lambda p: p.write_bytes(_identity(b"<0FFF0FFF> Tj", b"<0FFF> " + _u16("借") + b"\n",
                                                                  b" 4095 [600]")), False),
    "actual-text": (lambda p: p.write_bytes(_raw(_content() + b"\n/Span << /ActualText " + _u16("年化利率")
                                                 + b" >> BDC BT /F1 10 Tf 56 600 Td " + _u16("年化利率")
                                                 + b" Tj ET EMC")), False),
    "kerning-before-spaces": (lambda p: p.write_bytes(_raw(_content() + b"\nBT /F1 10 Tf 56 600 Td ["
                                                           + _u16("合同编号：【") + b" -300 " + _u16("    ") + b" "
                                                           + _u16("】") + b"] TJ ET")), False),
    "widths-with-fractions": (lambda p: p.write_bytes(_raw(
        _content() + b"\nBT /F3 10 Tf 56 600 Td (Loan 10,000.00 yuan) Tj ET", b"/F1 5 0 R /F3 20 0 R",
        {20: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 32 /LastChar 126 /Widths ["
             + b" ".join([b"556.5"] * 95) + b"] /Encoding /WinAnsiEncoding >>"})), False),
    "cmap-in-the-file": (lambda p: p.write_bytes(_raw(_content(), extra={
        5: b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding 20 0 R /DescendantFonts [6 0 R] >>",
        20: hostile.pdf_stream(b"/Type /CMap /CMapName /X", b"/CIDInit /ProcSet findresource begin 12 dict begin "
                               b"begincmap /CMapName /X def 1 begincodespacerange <0000> <FFFF> endcodespacerange "
                               b"1 begincidrange <0000> <FFFF> 0 endcidrange endcmap end end")})), False),
    "type3-font": (lambda p: p.write_bytes(_raw(_content(), b"/F1 5 0 R /F4 21 0 R", {
        21: b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1000 1000] /FontMatrix [0.001 0 0 0.001 0 0] "
            b"/CharProcs << >> /Encoding << /Differences [] >> /FirstChar 0 /LastChar 0 /Widths [0] >>"})), False),
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_crafted_pdf_reads_alike(name, tmp_path, monkeypatch):
    build, fast = CRAFTED[name]
    path = tmp_path / f"{name}.pdf"
    build(path)
    careful = _read(path, "pdfplumber", monkeypatch)
    assert _read(path, "", monkeypatch) == careful
    forced = _read(path, "pdfium", monkeypatch)
    if fast:
        assert forced == careful
    else:
        assert forced == ("error", "E099")  # declined: the default path read it with pdfminer


# --------------------------------------------------------------------------- engine selection

def test_without_pypdfium2_the_careful_path_reads(monkeypatch):
    path = fixture_path("p01")
    careful = _read(path, "pdfplumber", monkeypatch)
    import linter.load

    monkeypatch.delattr(linter.load, "pdfium", raising=False)
    monkeypatch.setitem(sys.modules, "linter.load.pdfium", None)  # the import fails as without pypdfium2
    assert _read(path, "", monkeypatch) == careful
    assert _read(path, "pdfium", monkeypatch) == ("error", "E099")


def test_a_fast_path_failure_falls_back(monkeypatch):
    from linter.load import pdfium

    path = fixture_path("p07")
    careful = _read(path, "pdfplumber", monkeypatch)

    def broken(path):
        yield 1, [], 0
        raise RuntimeError("a bug in the fast path")
    monkeypatch.setattr(pdfium, "pages", broken)
    assert _read(path, "", monkeypatch) == careful
    assert _read(path, "pdfium", monkeypatch) == ("error", "E099")
    monkeypatch.setenv("LOANLINT_DEBUG", "1")
    with pytest.raises(RuntimeError):
        _read(path, "", monkeypatch)


def test_imports_stay_lazy():
    """Text runs never load PDFium; PDF runs on the fast path never load pdfplumber."""
    code = ("import sys\nfrom linter.load import load\nload(sys.argv[1])\n"
            "print('LOADED', sorted(m for m in ('pypdfium2', 'pdfplumber', 'pdfminer.layout') if m in sys.modules))")
    for path, want in ((fixture_path("t03"), []), (fixture_path("p01"), ["pypdfium2"])):
        r = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT,
                           timeout=120, env={**os.environ, "LOANLINT_PDF_ENGINE": ""})
        assert f"LOADED {want}" in r.stdout, r.stdout + r.stderr
