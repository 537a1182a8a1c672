"""Decode contract text files without ever producing mojibake silently.

Chinese contracts arrive as UTF-8 (with or without BOM), UTF-16 with BOM, or
GBK/GB18030 from older Windows tools. We decide by evidence, in this order:
BOM, UTF-16 NUL pattern, strict UTF-8, strict GB18030 that also *reads like*
Chinese. Anything else (mixed encodings, binary) is an E007/E009 error, because
linting garbage would report every rule as "missing" and be believed.
"""
from __future__ import annotations

import codecs
import unicodedata

from ..errors import LoanlintError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_ALLOWED_CONTROLS = set("\t\n\r\f\v")


def decode(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)`` or raise E007/E009/E002."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError as exc:
                raise LoanlintError(
                    "E007", f"declared {enc} by its byte-order mark but invalid at byte {exc.start}",
                    f"字节序标记声明为 {enc}，但第 {exc.start} 字节处不是有效的 {enc}") from None
            return _checked(text.lstrip("\ufeff"), enc), enc

    if b"\x00" in data[:4096]:
        enc = _utf16_without_bom(data)
        if enc:
            try:
                return _checked(data.decode(enc), enc), enc
            except UnicodeDecodeError:
                pass
        raise LoanlintError("E009", "contains NUL bytes", "包含 NUL 字节")

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    else:
        return _checked(text, "utf-8"), "utf-8"

    prefix = data[:utf8_error.start].decode("utf-8")
    if sum(1 for ch in prefix if ord(ch) > 127) >= 20:
        raise LoanlintError(
            "E007", f"valid UTF-8 for {utf8_error.start} bytes, then not (mixed encodings, e.g. a GBK part "
                    f"pasted into a UTF-8 file, or a damaged file)",
            f"前 {utf8_error.start} 字节是有效的 UTF-8，之后不是（编码混杂，例如 UTF-8 文件中粘贴了 GBK 内容，或文件损坏）")
    if _mostly_utf8(data):
        raise LoanlintError(
            "E007", f"mostly UTF-8 but invalid at byte {utf8_error.start} (mixed or damaged encoding)",
            f"大部分为 UTF-8，但第 {utf8_error.start} 字节处无效（编码混杂或文件损坏）")
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise LoanlintError(
            "E007", f"neither UTF-8 nor GB18030 (invalid at byte {exc.start})",
            f"既不是 UTF-8 也不是 GB18030（第 {exc.start} 字节处无效）") from None
    if not _reads_like_chinese(text):
        raise LoanlintError("E007", "decodes as GB18030 only into implausible characters",
                            "按 GB18030 解码只得到不合理的字符")
    return _checked(text, "gb18030"), "gb18030"


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = max(1, len(sample) // 2)
    if odd_nuls / half > 0.3 and even_nuls / half < 0.05:
        return "utf-16-le"
    if even_nuls / half > 0.3 and odd_nuls / half < 0.05:
        return "utf-16-be"
    return None


def _mostly_utf8(data: bytes) -> bool:
    """True when the non-ASCII bytes are mostly valid UTF-8: a damaged or mixed file."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    return good >= 20 and good > 4 * bad


def _reads_like_chinese(text: str) -> bool:
    """GB18030 maps almost any byte pair to *some* character; real Chinese text stays
    inside GB2312 (the 6,763 common hanzi) nearly always."""
    hanzi = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not hanzi:
        return sum(1 for ch in text if ord(ch) > 127) == 0
    rare = 0
    for ch in hanzi:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            rare += 1
    return rare / len(hanzi) < 0.15


def _checked(text: str, encoding: str) -> str:
    stripped = text.strip()
    if not stripped:
        raise LoanlintError("E002", "the file is empty or only whitespace", "文件为空或只有空白")
    sample = text[:20000]
    controls = sum(1 for ch in sample
                   if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) == "Cc")
    if controls > max(3, len(sample) // 200):
        raise LoanlintError("E009", f"{controls} control characters in the first {len(sample)} characters",
                            f"前 {len(sample)} 个字符中有 {controls} 个控制字符")
    return text
