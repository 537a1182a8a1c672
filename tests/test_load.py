"""Loading hostile input: text encodings and line endings, the PDF byte scan (bombs,
reference cycles), standards that are broken or reach outside themselves, and no
network access, ever."""
from __future__ import annotations

import json
import os
import socket
import zlib
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, fixture_path, run_cli
from linter.errors import LoanlintError, StandardError
from linter.load import load
from linter.load.text import decode

CONTRACT = FIXTURES / "contracts" / "t03-app-service-fee-deducted.txt"


def _code(fn, *args):
    try:
        fn(*args)
    except LoanlintError as exc:
        return exc.code
    return "ok"


# --------------------------------------------------------------------------- text

@pytest.mark.parametrize("data, code", [
    (b"", "E002"),
    (b" \r\n\t\n\xe3\x80\x80", "E002"),
    (b"\xef\xbb\xbf", "E002"),
    ("借款合同".encode("utf-8") + b"\x00" * 10 + "借款".encode("utf-8"), "E009"),
    ("Loan agreement: principal 10,000 yuan.".encode("utf-16-le"), "ok"),  # UTF-16 without BOM: NUL pattern
    ("借款合同，借款金额人民币一万元。".encode("utf-16-le"), "E009"),  # Chinese UTF-16 without BOM: no pattern to go by
    ("借款合同，借款金额人民币一万元。".encode("utf-16"), "ok"),
    ("借款合同，借款金额人民币一万元。".encode("gb18030"), "ok"),
    (b"\xef\xbb\xbf" + "借款合同，借款金额人民币一万元。".encode("gbk"), "E007"),   # BOM says UTF-8, body is GBK
    (b"\xff\xfe" + "借款合同".encode("utf-16-le") + b"A", "E007"),              # odd length after a UTF-16 BOM
    ("借款合同，借款金额人民币一万元，年化利率百分之十八。".encode("utf-8") * 3
     + "借款期限十二个月，等额本息还款。".encode("gbk"), "E007"),                  # mixed encodings
    (bytes(range(1, 32)) * 20, "E009"),
])
def test_decode(data, code):
    assert _code(decode, data) == code


def test_mixed_encoding_message_says_where():
    data = CONTRACT.read_bytes()[:3000] + "借款期限十二个月".encode("gbk")
    with pytest.raises(LoanlintError) as info:
        decode(data)
    assert "mixed" in info.value.detail and "编码混杂" in info.value.detail_zh


def test_crlf_findings_point_at_the_same_line_and_column(tmp_path):
    """A finding in a Windows (CRLF) file points at the line and column an editor shows,
    the same as in the LF file, and the text there is the evidence's."""
    from linter.pipeline import Options, lint_file
    from linter.standard import load_standard

    std = load_standard()
    text = CONTRACT.read_text(encoding="utf-8")
    lf, crlf = tmp_path / "lf.txt", tmp_path / "crlf.txt"
    lf.write_bytes(text.replace("\r\n", "\n").encode("utf-8"))
    crlf.write_bytes(text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8"))
    a = lint_file(str(lf), std, Options(lang="en"))
    b = lint_file(str(crlf), std, Options(lang="en"))
    assert b.status == "ok" and b.findings
    assert [(f.rule, f.location.line, f.location.column) for f in a.findings] == \
           [(f.rule, f.location.line, f.location.column) for f in b.findings]
    raw_lines = crlf.read_bytes().decode("utf-8").split("\r\n")
    located = 0
    for f in b.findings:
        if f.evidence and f.location.line > 1:
            line = raw_lines[f.location.line - 1]
            at = line[f.location.column - 1:f.location.column + 4]
            assert at and at in f.evidence, (f.rule, f.location, at, f.evidence)
            located += 1
    assert located
    for key in ("principal", "stated_apr", "disbursed_amount", "term"):  # facts too
        assert b.facts[key]["location"] == a.facts[key]["location"]
        loc = b.facts[key]["location"]
        assert raw_lines[loc["line"] - 1][loc["column"] - 1] in b.facts[key]["text"]


def test_crlf_location_in_cli_text_output(tmp_path):
    path = tmp_path / "合同.txt"
    path.write_bytes(CONTRACT.read_text(encoding="utf-8").replace("\n", "\r\n").encode("utf-8"))
    r = run_cli("check", "--lang", "en", "--select", "D502", path)
    assert r.returncode == 1, r.stderr
    line = r.stdout.strip().splitlines()[0]
    _, ln, col = line.split(": D502")[0].rsplit(":", 2)
    raw = path.read_bytes().decode("utf-8").split("\r\n")[int(ln) - 1]
    assert raw[int(col) - 1:].startswith("平台服务费")


def test_text_limit_is_checked_before_reading(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:  # sparse: 50 MB that costs nothing to make
        fh.truncate(50 << 20)
    assert _code(load, str(big)) == "E005"


def test_not_a_contract_is_e002_not_missing_everything(tmp_path):
    p = tmp_path / "README.md"
    p.write_text("# 模板库说明\n\n这里存放各产品的模板，请勿直接修改。\n", encoding="utf-8")
    assert _code(load, str(p)) == "E002"
    p.write_text("借条\n今借到张三人民币壹万元整。\n", encoding="utf-8")
    assert _code(load, str(p)) == "ok"


def test_fifo_and_directory_are_never_opened(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert _code(load, str(fifo)) == "E001"   # would block forever if opened
    assert _code(load, str(tmp_path)) == "E001"


# --------------------------------------------------------------------------- PDF byte scan

def _pdf(objects: dict[int, bytes]) -> bytes:
    out = b"%PDF-1.7\n"
    for n in sorted(objects):
        out += b"%d 0 obj\n" % n + objects[n] + b"\nendobj\n"
    return out + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _stream(entries: bytes, data: bytes) -> bytes:
    return b"<< " + entries + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _scan(tmp_path, data: bytes) -> str:
    from linter.load.pdfscan import scan

    p = tmp_path / "x.pdf"
    p.write_bytes(data)
    return _code(scan, str(p))


def test_scan_passes_ordinary_streams(tmp_path):
    content = zlib.compress(b"BT /F1 12 Tf (hello) Tj ET" * 1000)
    image = zlib.compress(bytes(300 << 20))  # a huge image: pdfminer never inflates images
    assert _scan(tmp_path, _pdf({1: b"<< /Type /Catalog >>", 2: _stream(b"/Filter /FlateDecode", content),
                                 3: _stream(b"/Subtype /Image /Filter /FlateDecode", image)})) == "ok"


def test_scan_refuses_a_bomb(tmp_path):
    bomb = zlib.compress(zlib.compress(bytes(200 << 20)))
    assert len(bomb) < 20_000
    assert _scan(tmp_path, _pdf({1: b"<< >>", 2: _stream(b"/Filter [/FlateDecode /FlateDecode]", bomb)})) == "E011"
    many = {n: _stream(b"/Filter /FlateDecode", zlib.compress(bytes(100 << 20))) for n in range(2, 8)}
    assert _scan(tmp_path, _pdf({1: b"<< >>", **many})) == "E011"  # 600 MiB in total


def test_scan_finds_reference_cycles_but_not_replaced_objects(tmp_path):
    assert _scan(tmp_path, _pdf({1: b"<< >>", 5: b"5 0 R"})) == "E004"
    assert _scan(tmp_path, _pdf({1: b"<< >>", 5: b"6 0 R", 6: b"7 0 R", 7: b"5 0 R"})) == "E004"
    assert _scan(tmp_path, _pdf({1: b"<< >>", 5: b"6 0 R", 6: b"7 0 R", 7: b"<< >>"})) == "ok"
    # an incremental update that replaced the self-reference: only the last definition counts
    data = _pdf({1: b"<< >>", 5: b"5 0 R"}) + b"5 0 obj\n<< /Fixed true >>\nendobj\n%%EOF\n"
    assert _scan(tmp_path, data) == "ok"


@pytest.mark.parametrize("body", [b"1" * 3_000_000, b"1 " * 1_500_000, b"1" + b" " * 3_000_000 + b"x",
                                  b"1 0 obj " * 400_000, b">>" + b" " * 3_000_000 + b"stream\n",
                                  b"1 0 obj 1 0 R" * 200_000],
                         ids=["digits", "digits-and-spaces", "spaces", "obj-keywords", "far-stream", "ref-objects"])
def test_scan_is_linear_on_pathological_bytes(tmp_path, body):
    """Megabytes of digits or whitespace once made the scan's regular expressions
    quadratic (minutes for 200 KB): every quantifier is bounded now."""
    import time

    t = time.monotonic()
    _scan(tmp_path, b"%PDF-1.7\n" + body + b"\n%%EOF\n")
    assert time.monotonic() - t < 3


def test_scan_is_fast_on_a_large_ordinary_file(tmp_path):
    import time

    streams = {n: _stream(b"/Filter /FlateDecode", zlib.compress(os.urandom(200_000))) for n in range(2, 200)}
    t = time.monotonic()
    assert _scan(tmp_path, _pdf({1: b"<< >>", **streams})) == "ok"  # random data: not Flate after all
    assert time.monotonic() - t < 5


# --------------------------------------------------------------------------- standards

def _std_file(tmp_path, content, name="std.json") -> str:
    p = tmp_path / name
    if isinstance(content, (dict, list)):
        p.write_text(json.dumps(content), encoding="utf-8")
    else:
        p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(p)


_RULE = {"code": "Z100", "name": "z", "severity": "error", "message": {"zh": "中", "en": "e"}}
_deep: dict = {}
_cur = _deep
for _ in range(100):
    _cur["properties"] = {"a": {}}
    _cur = _cur["properties"]["a"]

BAD_STANDARDS = [
    ("malformed-json", '{"type": "object",,}', "line 1 column 19", None),
    ("nan", '{"maximum": NaN}', "NaN", None),
    ("not-an-object", "[1, 2]", "JSON object", None),
    ("binary", b"\xff\xfe\x00\x01", "not UTF-8", None),
    ("invalid-schema", {"properties": {"a": {"minLength": -1}}}, "not a valid JSON Schema", "/properties/a/minLength"),
    ("remote-ref", {"properties": {"a": {"$ref": "https://example.com/s.json"}}}, "never fetches", "/properties/a/$ref"),
    ("file-ref", {"properties": {"a": {"$ref": "file:///etc/passwd"}}}, "never fetches", "/properties/a/$ref"),
    ("dev-zero-ref", {"$ref": "file:///dev/zero"}, "never fetches", "/$ref"),
    ("relative-ref", {"$defs": {"x": {"$ref": "other.json#/a"}}}, "never fetches", "/$defs/x/$ref"),
    ("remote-dynamic-ref", {"$dynamicRef": "http://example.com/x"}, "never fetches", "/$dynamicRef"),
    ("remote-metaschema", {"$schema": "http://evil.example/schema"}, "$schema", "/$schema"),
    ("missing-ref", {"properties": {"a": {"$ref": "#/$defs/nope"}}}, "does not resolve", "/properties/a/$ref"),
    ("self-ref", {"$ref": "#"}, "cycle", "/$ref"),
    ("ref-cycle", {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"anyOf": [{"$ref": "#/$defs/a"}]}},
                   "properties": {"x": {"$ref": "#/$defs/a"}}}, "cycle", "/$defs/a/$ref"),
    ("x-rule-missing-fields", {"properties": {"a": {"x-rule": {"code": "Z100", "name": "z"}}}},
     "x-rule", "/properties/a/x-rule"),
    ("x-rule-wrong-type", {"properties": {"a": {"x-rule": {**_RULE, "severity": "fatal"}}}},
     "x-rule", "/properties/a/x-rule/severity"),
    ("x-rule-bad-message", {"properties": {"a": {"x-rule": {**_RULE, "message": {"zh": ""}}}}},
     "x-rule", "/properties/a/x-rule/message"),
    ("deep", _deep, "deeper than", "/properties/a/properties/a"),
    ("deeper-than-the-parser", '{"a":' * 5000 + "1" + "}" * 5000, "deeper than", None),
    ("huge", '{"enum": [' + ",".join(['"xxxxxxxxxxxxxxxxxxxxxxxx"'] * 120_000) + "]}", "bytes (limit", None),
    ("bad-parameter-pointer", {"x-parameters": {"cap": {"value": 0.24, "pointers": ["/nope/maximum"]}}},
     "does not resolve", "/x-parameters/cap/pointers/0"),
]


@pytest.mark.parametrize("name, content, message, pointer", BAD_STANDARDS, ids=[b[0] for b in BAD_STANDARDS])
def test_bad_standard_is_a_clear_error_with_its_pointer(tmp_path, name, content, message, pointer):
    from linter.standard import load_standard

    with pytest.raises(StandardError) as info:
        load_standard(_std_file(tmp_path, content))
    assert message in str(info.value)
    if pointer is not None:
        assert info.value.pointer.startswith(pointer), info.value.pointer
        assert f"(at {info.value.pointer})" in str(info.value)


def test_legitimate_recursion_and_bom_are_accepted(tmp_path):
    from linter.standard import load_standard

    tree = {"$defs": {"node": {"properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
            "$ref": "#/$defs/node"}
    load_standard(_std_file(tmp_path, tree))
    builtin = (ROOT / "schemas" / "standards" / "cn-consumer-loan.schema.json").read_bytes()
    load_standard(_std_file(tmp_path, b"\xef\xbb\xbf" + builtin, "bom.json"))


@pytest.mark.parametrize("special", ["fifo", "dev-zero", "directory"])
def test_standard_must_be_a_regular_file(tmp_path, special):
    from linter.standard import load_standard

    if special == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this platform")
        path = tmp_path / "std.json"
        os.mkfifo(path)
    elif special == "dev-zero":
        if not os.path.exists("/dev/zero"):
            pytest.skip("no /dev/zero")
        path = "/dev/zero"
    else:
        path = tmp_path
    with pytest.raises(StandardError, match="not a regular file"):
        load_standard(str(path))


@pytest.mark.parametrize("name", ["malformed-json", "remote-ref", "x-rule-wrong-type", "ref-cycle",
                                  "deeper-than-the-parser"])
def test_cli_exits_2_with_the_pointer_and_no_traceback(tmp_path, name):
    content, pointer = next((c, p) for n, c, _, p in BAD_STANDARDS if n == name)
    r = run_cli("check", "--standard", _std_file(tmp_path, content), fixture_path("t03"))
    assert r.returncode == 2
    assert "Traceback" not in r.stdout + r.stderr
    assert "invalid standard" in r.stderr
    if pointer:
        assert f"(at {pointer}" in r.stderr


# --------------------------------------------------------------------------- no network, ever

@pytest.fixture
def no_network(monkeypatch):
    """Every way out of the process raises, and is recorded (code that swallowed the
    exception would still fail the test)."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_no_network_access_for_remote_refs(tmp_path, no_network):
    from linter.pipeline import Options, Target
    from linter.standard import load_standard
    from linter.worker import lint_all

    for content in ({"properties": {"a": {"$ref": "http://example.com/s.json"}}},
                    {"$schema": "https://example.com/my-meta-schema"},
                    {"$defs": {"x": {"$ref": "https://json-schema.org/draft/2020-12/schema"}}},
                    {"$dynamicRef": "https://example.com/x#meta"}):
        with pytest.raises(StandardError):
            load_standard(_std_file(tmp_path, content))
    # a standard that *names* itself with a remote $id resolves its local refs without fetching
    builtin = json.loads((ROOT / "schemas" / "standards" / "cn-consumer-loan.schema.json").read_text("utf-8"))
    builtin["$id"] = "https://standards.example.com/cn-consumer-loan.json"
    std = load_standard(_std_file(tmp_path, builtin))
    reports = lint_all([Target(str(fixture_path("t03"))), Target(str(fixture_path("p07")))], std=std, jobs=1,
                       opts=Options(lang="en"))
    assert all(r.status == "ok" for r in reports), [r.error for r in reports]
    assert no_network == []


def test_cli_run_never_opens_a_socket(tmp_path):
    """The whole CLI, in a fresh interpreter whose socket layer raises on any use."""
    guard = tmp_path / "sitecustomize.py"
    guard.write_text(
        "import socket, os\n"
        "def _refuse(*a, **k):\n"
        "    open(os.environ['LOANLINT_NET_LOG'], 'a').write(repr(a) + '\\n')\n"
        "    raise OSError('network access attempted')\n"
        "socket.socket.connect = _refuse\nsocket.socket.connect_ex = _refuse\n"
        "socket.create_connection = _refuse\nsocket.getaddrinfo = _refuse\n", encoding="utf-8")
    log = tmp_path / "net.log"
    std = _std_file(tmp_path, {"$id": "https://example.com/s", "properties": {"a": {"$ref": "#/$defs/a"}},
                               "$defs": {"a": {"type": "object"}}})
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]), "LOANLINT_NET_LOG": str(log)}
    r = run_cli("check", "--standard", std, "--format", "json", fixture_path("t03"), fixture_path("p07"), env=env)
    assert r.returncode in (0, 1), r.stderr
    r = run_cli("check", "--standard", _std_file(tmp_path, {"$ref": "http://example.com/x"}, "remote.json"),
                fixture_path("t03"), env=env)
    assert r.returncode == 2
    assert not log.exists(), log.read_text()


def test_pdf_characters_are_pdfplumbers():
    """loanlint reads characters from the page layout itself (twice as fast); the result
    must stay exactly ``page.dedupe_chars().chars`` for the keys it uses."""
    import pdfplumber

    from linter.load.pdf import _page_chars

    keys = ("text", "fontname", "size", "upright", "x0", "x1", "top", "bottom", "doctop")
    pdfs = sorted((FIXTURES / "contracts").glob("*.pdf"))[:12]  # pdfplumber's own dedupe is slow
    assert pdfs
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                ref = [{k: c[k] for k in keys} for c in page.dedupe_chars(tolerance=1).chars if c.get("upright", True)]
                page.close()
                assert _page_chars(page)[0] == ref, (path.name, page.page_number)


def test_shipped_standards_pass_every_check_a_users_standard_gets(tmp_path):
    """Runs skip meta-validation of the shipped standards to save start-up time; this
    is where they get it: a copy outside the package is checked in full."""
    from linter.standard import builtin_ids, load_standard

    assert builtin_ids()
    for ref in builtin_ids():
        shipped = load_standard(ref)
        copy = tmp_path / f"{ref}.schema.json"
        copy.write_bytes(Path(shipped.path).read_bytes())
        checked = load_standard(str(copy))
        assert checked.rules.keys() == shipped.rules.keys() and checked.parameters == shipped.parameters
