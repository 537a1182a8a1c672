"""A byte-level look at a PDF *before* pdfminer parses it, for the two hazards that
no exception handler can stop once pdfminer has started:

- decompression bombs: a few KB of Flate (or Flate inside Flate) that inflate to
  gigabytes. pdfminer inflates a stream in one call, so memory is gone before any
  check could run. Here every non-image stream is inflated *incrementally*, counting
  bytes and keeping none, and refused (E011) beyond a cap.
- reference cycles: an object whose whole body is a reference (``10 0 obj 10 0 R
  endobj``, or ``a → b → a``) makes pdfminer's ``resolve1`` loop forever. Objects
  stored inside object streams are checked too.

Both checks are bounded: at most ``MAX_TOTAL_INFLATED`` bytes are inflated in all.
What they miss is still caught by the per-file time and memory limits of the
worker process (``linter/worker.py``); this only turns a 60-second timeout or an
out-of-memory kill into an immediate, precise answer.
"""
from __future__ import annotations

import mmap
import re
import zlib
from typing import Iterable, Iterator

from ..errors import LoanlintError

MAX_STREAM_INFLATED = 128 << 20   # one stream (content, form, font, object stream)
MAX_TOTAL_INFLATED = 512 << 20    # all streams of the file together
MAX_OBJSTM_BYTES = 16 << 20       # object streams larger than this are not parsed for cycles
_CHUNK = 1 << 16
_PIECE = 1 << 20

# Every quantifier over digits is bounded and anchored (no digit before it): a hostile
# file can hold megabytes of digits, and an unbounded ``\d+`` would make these scans
# quadratic in them. Object numbers have at most 10 digits, generations at most 5.
_N = rb"(?<!\d)(\d{1,10})"
_G = rb"(\d{1,5})"
_STREAM = re.compile(rb">>[ \t\r\n\f\x00]{0,64}stream(?:\r\n|\n|\r)")
_OBJ = re.compile(_N + rb"[ \t\r\n\f\x00]{1,64}" + _G + rb"[ \t\r\n\f\x00]{1,64}obj\b")
_REF_ONLY = re.compile(_N + rb"\s{1,64}" + _G + rb"\s{1,64}obj\s{0,64}" + _N + rb"\s{1,64}" + _G
                       + rb"\s{1,64}R\s{0,64}endobj")
_REF_BODY = re.compile(rb"\s{0,64}(\d{1,10})\s{1,64}(\d{1,5})\s{1,64}R\s*$")
_FLATE = re.compile(rb"/(?:FlateDecode|Fl)(?![A-Za-z])")
_IMAGE = re.compile(rb"/Subtype\s{0,64}/Image\b")
_OBJSTM = re.compile(rb"/Type\s{0,64}/ObjStm\b")
_INT = re.compile(rb"/(N|First)\s{1,64}(\d{1,10})")


def scan(path: str) -> None:
    """Raise E011 (bomb) or E004 (reference cycle); return quietly otherwise."""
    try:
        with open(path, "rb") as fh:
            try:
                buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # empty file
                return
    except OSError as exc:
        raise LoanlintError("E001", exc.strerror or str(exc)) from None
    try:
        refs: dict[tuple[int, int], tuple[int, int]] = {}
        where: dict[tuple[int, int], int] = {}
        for m in _REF_ONLY.finditer(buf):
            key = (int(m.group(1)), int(m.group(2)))
            refs[key] = (int(m.group(3)), int(m.group(4)))
            where[key] = m.start()
        if refs:  # an incremental update may have replaced the object: only its last definition counts
            for m in _OBJ.finditer(buf):
                key = (int(m.group(1)), int(m.group(2)))
                if key in refs and m.start() > where[key]:
                    del refs[key]
        total = 0
        for m in _STREAM.finditer(buf):
            head = _dict_before(buf, m.start() + 2)
            layers = len(_FLATE.findall(head))
            if not layers or _IMAGE.search(head):
                continue
            objstm = bool(_OBJSTM.search(head))
            keep = bytearray() if objstm else None
            size = 0
            for piece in _inflated(buf, m.end(), layers):
                size += len(piece)
                total += len(piece)
                if keep is not None:
                    if len(keep) + len(piece) <= MAX_OBJSTM_BYTES:
                        keep += piece
                    else:
                        keep = None
                if size > MAX_STREAM_INFLATED:
                    raise _bomb(m.end(), f"inflates to more than {MAX_STREAM_INFLATED >> 20} MiB",
                                f"解压后超过 {MAX_STREAM_INFLATED >> 20} MiB")
                if total > MAX_TOTAL_INFLATED:
                    raise _bomb(m.end(), f"brings the file's inflated streams above {MAX_TOTAL_INFLATED >> 20} MiB",
                                f"使文件解压后的数据流总量超过 {MAX_TOTAL_INFLATED >> 20} MiB")
            if keep is not None:
                _objstm_refs(head, bytes(keep), refs)
        _check_cycles(refs)
    finally:
        buf.close()


def _bomb(offset: int, what: str, what_zh: str) -> LoanlintError:
    return LoanlintError("E011", f"the compressed stream at byte {offset} {what} (a decompression bomb)",
                         f"第 {offset} 字节处的压缩数据流{what_zh}（解压炸弹）")


def _dict_before(buf, end: int) -> bytes:
    """The stream dictionary: the bytes since the object's ``N G obj`` (at most 4 KB back)."""
    start = max(0, end - 4096)
    window = bytes(buf[start:end])
    last = None
    for last in _OBJ.finditer(window):
        pass
    return window[last.end():] if last else window


def _raw_chunks(buf, start: int) -> Iterator[bytes]:
    pos = start
    n = len(buf)
    while pos < n:
        yield bytes(buf[pos:pos + _CHUNK])
        pos += _CHUNK


def _inflate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Inflate a zlib stream piece by piece (never more than 1 MiB at a time); stops at
    the end of the compressed data or at the first error (pdfminer will judge those)."""
    d = zlib.decompressobj()
    try:
        for chunk in chunks:
            data = chunk
            while data:
                out = d.decompress(data, _PIECE)
                if out:
                    yield out
                if d.eof:  # (with a max_length, bytes after the end stay in unconsumed_tail)
                    return
                if not out and d.unconsumed_tail == data:
                    return  # no progress: nothing more will come out of this
                data = d.unconsumed_tail
    except zlib.error:
        return


def _inflated(buf, start: int, layers: int) -> Iterator[bytes]:
    stream: Iterable[bytes] = _raw_chunks(buf, start)
    for _ in range(min(layers, 8)):
        stream = _inflate(stream)
    return iter(stream)


def _objstm_refs(head: bytes, data: bytes, refs: dict) -> None:
    """Objects of an object stream whose whole body is a reference (generation 0)."""
    ints = {k.decode(): int(v) for k, v in _INT.findall(head)}
    n, first = ints.get("N"), ints.get("First")
    if not n or first is None or first > len(data):
        return
    nums = data[:first].split()
    if len(nums) < 2 * n:
        return
    try:
        pairs = [(int(nums[2 * i]), int(nums[2 * i + 1])) for i in range(n)]
    except ValueError:
        return
    for i, (objnum, offset) in enumerate(pairs):
        end = pairs[i + 1][1] if i + 1 < len(pairs) else len(data) - first
        body = data[first + offset: first + end]
        m = _REF_BODY.match(body)
        if m:
            refs.setdefault((objnum, 0), (int(m.group(1)), int(m.group(2))))


def _check_cycles(refs: dict[tuple[int, int], tuple[int, int]]) -> None:
    done: set = set()
    for start in refs:
        if start in done:
            continue
        path: list = []
        on_path: set = set()
        node = start
        while node in refs and node not in done:
            if node in on_path:
                cycle = path[path.index(node):] + [node]
                chain = " → ".join(f"{a} {b} R" for a, b in cycle)
                if len(cycle) == 2:
                    raise LoanlintError("E004", f"object {node[0]} {node[1]} refers to itself ({chain})",
                                        f"对象 {node[0]} {node[1]} 引用自身（{chain}）")
                raise LoanlintError("E004", f"objects refer to each other in a cycle ({chain})",
                                    f"对象之间循环引用（{chain}）")
            path.append(node)
            on_path.add(node)
            node = refs[node]
        done.update(path)
