"""Property-based tests: whatever bytes or text come in, the loader and the extractors
answer with a Document, facts and findings — or a ``LoanlintError`` with a catalogue
code — never another exception, and every location points into the document."""
from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from linter.errors import CATALOGUE, LoanlintError
from linter.load import load
from linter.load.document import Document
from linter.load.text import decode

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------- strategies

CN_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
CN_UNITS = "十拾百佰千仟万萬亿"

# real clauses (any encoding: the loader reads them) as the material random text is built around
_CLAUSES = [line.strip() for name in ("t03", "t01", "t10", "u04", "p07")
            for path in sorted((FIXTURES / "contracts").glob(f"{name}-*"))[:1]
            for line in load(str(path)).text.splitlines() if line.strip()]

arabic = st.one_of(
    st.integers(min_value=0, max_value=10**40).map(str),
    st.integers(min_value=0, max_value=10**12).map(lambda n: f"{n:,}"),
    st.floats(min_value=0, max_value=1e15, allow_nan=False).map(lambda x: f"{x:.2f}"),
    st.floats(min_value=0, max_value=1e9, allow_nan=False).map(lambda x: f"{x:,.2f}"),
    st.text(alphabet="0123456789,.，", min_size=1, max_size=30),
)
chinese_numeral = st.text(alphabet=CN_DIGITS + CN_UNITS + "点整", min_size=1, max_size=14)
amount = st.builds(lambda pre, n, unit: f"{pre}{n}{unit}",
                   st.sampled_from(["", "人民币", "¥", "￥", "RMB"]),
                   st.one_of(arabic, chinese_numeral),
                   st.sampled_from(["", "元", "元整", "万元", "圆", "千元", "亿元", "元/期"]))
rate = st.builds(lambda label, n, unit: f"{label}{n}{unit}",
                 st.sampled_from(["年化利率", "日利率", "月利率", "日息万分之", "千分之", "月费率", "年化综合成本",
                                  "年利率（单利）", "IRR ", ""]),
                 st.one_of(arabic, chinese_numeral),
                 st.sampled_from(["%", "％", "‰", "", "个百分点"]))
term = st.builds(lambda n, u: f"{n}{u}", st.one_of(arabic, chinese_numeral),
                 st.sampled_from(["个月", "期", "天", "日", "年", "个自然月"]))
noise = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
placeholder = st.sampled_from(["{{amount}}", "${rate}", "{principal}", "____元", "【    】", "[ ]%", "（  ）", "X元"])
newline = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\u2028", "\x0c"])

piece = st.one_of(st.sampled_from(_CLAUSES), amount, rate, term, noise, placeholder, newline,
                  st.sampled_from(["服务费", "管理费", "不收取任何服务费", "从借款本金中扣除", "实际到账金额",
                                   "二次确认", "等额本息", "还款总额", "|", " | ", "---", "# ", "- "]))
contract_text = st.lists(piece, min_size=1, max_size=60).map("".join)


# --------------------------------------------------------------------------- helpers

def _lines(text: str) -> list[str]:
    """Lines as an editor counts them: \\r\\n, \\r and \\n end a line (the Document's rule)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _locations(node, path=""):
    """Every ``location`` object in facts, with where it was found."""
    if isinstance(node, dict):
        loc = node.get("location")
        if isinstance(loc, dict) and "line" in loc:
            yield path, loc
        for k, v in node.items():
            yield from _locations(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _locations(v, f"{path}/{i}")


def _assert_inside(loc: dict, lines: list[str], where: str) -> None:
    assert 1 <= loc["line"] <= len(lines), (where, loc, len(lines))
    assert 1 <= loc["column"] <= len(lines[loc["line"] - 1]) + 1, (where, loc, lines[loc["line"] - 1][:80])


@pytest.fixture(scope="module")
def std():
    from linter.standard import load_standard
    return load_standard()


# --------------------------------------------------------------------------- decoding and loading

@SETTINGS
@given(st.binary(max_size=4000))
def test_decode_random_bytes_never_raises_anything_else(data):
    try:
        text, enc = decode(data)
    except LoanlintError as exc:
        assert exc.code in CATALOGUE
        return
    assert isinstance(text, str) and text.strip()
    assert enc in ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "gb18030")


@SETTINGS
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("\t\n\r"),
               max_size=2000),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]))
def test_decode_round_trips_what_it_accepts(text, encoding):
    """Text (no control characters: those make a file binary) written in an encoding
    users have comes back exactly, or is refused — never decoded into something else."""
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    if encoding == "gb18030" and text.encode("gb18030") != text.encode("utf-8"):
        # a few GBK bytes can also be valid UTF-8 (一 = D2 BB = Cyrillic һ); real Chinese
        # text is never both, but a handful of characters can be: genuinely ambiguous
        try:
            data.decode("utf-8")
            assume(False)
        except UnicodeDecodeError:
            pass
    try:
        decoded, _ = decode(data)
    except LoanlintError as exc:
        assert exc.code in ("E002", "E007", "E009")
        return
    assert decoded == text.lstrip("\ufeff") or decoded == text


@SETTINGS
@given(st.binary(max_size=3000), st.sampled_from([".txt", ".md", ".pdf"]),
       st.sampled_from([b"", b"%PDF-1.4\n", b"\xef\xbb\xbf", b"\xff\xfe"]))
def test_load_random_files_never_raises_anything_else(data, suffix, head):
    fd, path = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(head + data)
        try:
            doc = load(path)
        except LoanlintError as exc:
            assert exc.code in CATALOGUE
            return
        assert doc.text.strip()
    finally:
        os.unlink(path)


@SETTINGS
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)
       | st.lists(st.sampled_from(["a", "借", "\r\n", "\n", "\r", " ", "\t", "\u3000"]), max_size=200).map("".join))
def test_every_offset_maps_to_a_place_in_the_text(text):
    doc = Document.from_text("x.txt", "txt", text, "utf-8")
    assert len(doc.text) == len(text)
    lines = _lines(text)
    for offset in range(len(text) + 1):
        if offset < len(text) and text[offset] in "\r\n":
            continue  # a line terminator is not a place in a line
        loc = doc.location(offset)
        _assert_inside(loc.model_dump(), lines, offset)
        if offset < len(text):
            assert lines[loc.line - 1][loc.column - 1] == text[offset]


# --------------------------------------------------------------------------- extraction, derivation, validation

@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contract_text, st.sampled_from([None, True, False]))
def test_extract_derive_validate_never_raise_and_locations_stay_inside(std, text, template):
    from linter.derive import derive
    from linter.extract import extract
    from linter.models import Location
    from linter.standard import validate

    doc = Document.from_text("x.txt", "txt", text, "utf-8")
    facts = extract(doc, template)
    data = derive(facts)
    lines = _lines(text)
    for where, loc in _locations(data):
        _assert_inside(loc, lines, where)
    for f in validate(std, data, "en", Location(line=1, column=1)):
        _assert_inside(f.location.model_dump(), lines, f.rule)
        assert f.message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contract_text)
def test_numbers_finders_spans_are_inside_and_values_finite(text):
    import math

    from linter.extract.numbers import find_money, find_rates, find_terms

    for m in find_money(text) + find_money(text, bare=True) + find_rates(text):
        assert 0 <= m.start <= m.end <= len(text)
        assert math.isfinite(m.value)
    for a, b, n, unit in find_terms(text):
        assert 0 <= a <= b <= len(text) and n > 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contract_text, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]), st.booleans())
def test_whole_file_pipeline_on_generated_contracts(std, text, encoding, crlf):
    """load → extract → derive → validate on a file written in one of the encodings users
    have; its report must be valid JSON whatever the content."""
    import json

    from linter.pipeline import Options, lint_file

    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    fd, path = tempfile.mkstemp(suffix=".txt")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        report = lint_file(path, std, Options(lang="en"))
    finally:
        os.unlink(path)
    assert report.status in ("ok", "error")
    if report.status == "error":
        assert report.error.code in CATALOGUE and report.error.code != "E099", report.error
    json.loads(report.model_dump_json())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=3 << 20), st.binary(max_size=64), st.integers(min_value=1, max_value=3),
       st.sampled_from([b"\x00", b"ab", b"\xff" * 7]))
def test_pdf_byte_scan_always_terminates(size, tail, layers, fill):
    """The pre-parse scan of a PDF inflates every Flate stream piece by piece; whatever
    the sizes, alignments and trailing bytes, it ends (and fast)."""
    import signal
    import time
    import zlib

    from linter.load.pdfscan import scan

    data = (fill * (size // len(fill) + 1))[:size]
    for _ in range(layers):
        data = zlib.compress(data)
    pdf = (b"%PDF-1.7\n1 0 obj\n<< /Filter [" + b"/FlateDecode " * layers + b"] >>\nstream\n" + data + tail
           + b"\nendstream\nendobj\n2 0 obj\n<< /Filter /FlateDecode >>\nstream\n" + zlib.compress(tail) + b"\n%%EOF")
    fd, path = tempfile.mkstemp(suffix=".pdf")
    with os.fdopen(fd, "wb") as fh:
        fh.write(pdf)

    def boom(*_):
        raise TimeoutError("scan did not terminate")

    old = signal.signal(signal.SIGALRM, boom) if hasattr(signal, "SIGALRM") else None
    if old is not None:
        signal.alarm(20)
    t = time.monotonic()
    try:
        scan(path)
    except LoanlintError as exc:
        assert exc.code in ("E004", "E011")
    finally:
        if old is not None:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
        os.unlink(path)
    assert time.monotonic() - t < 10
