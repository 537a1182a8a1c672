"""Why a file could not be linted: a stable code users can filter on, a message in zh and en.

Input problems never surface as tracebacks: every loader and extractor failure
becomes a ``LoanlintError`` carrying one of these codes. What each means and what
the user can do about it: ``docs/errors.md``. Codes are stable; never reuse one.
"""
from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str, str]] = {
    # code: (name, zh, en)
    "E001": ("unreadable", "无法读取文件", "file cannot be read"),
    "E002": ("no-text", "文件中没有可检查的文字", "no text to check in the file"),
    "E003": ("encrypted-pdf", "PDF 已加密，需要密码才能打开", "PDF is encrypted and needs a password"),
    "E004": ("broken-pdf", "PDF 文件已损坏或不是有效的 PDF", "PDF is damaged or not a valid PDF"),
    "E005": ("too-large", "文件超过大小或页数上限", "file exceeds the size or page limit"),
    "E006": ("timed-out", "处理超时", "processing timed out"),
    "E007": ("undecodable-text", "无法可靠识别文本编码", "text encoding cannot be determined reliably"),
    "E008": ("unextractable-text", "PDF 文字层无法提取（字体缺少 Unicode 映射）",
             "PDF text layer cannot be extracted (font without a Unicode map)"),
    "E009": ("binary-file", "文件是二进制数据，不是文本合同", "file is binary data, not a text contract"),
    "E010": ("out-of-memory", "处理时超出内存上限", "processing exceeded the memory limit"),
    "E011": ("decompression-bomb", "PDF 中的压缩数据解压后异常巨大（解压炸弹）",
             "a compressed stream in the PDF inflates to an absurd size (decompression bomb)"),
    "E099": ("internal-error", "loanlint 内部错误（请报告此问题）", "internal loanlint error (please report it)"),
}


class LoanlintError(Exception):
    """A file-level failure with a catalogue code and a detail for the user."""

    def __init__(self, code: str, detail: str = "", detail_zh: str = ""):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.detail_zh = detail_zh or detail

    def message(self, lang: str = "zh") -> str:
        name, zh, en = CATALOGUE.get(self.code, CATALOGUE["E099"])
        head = zh if lang == "zh" else en
        detail = self.detail_zh if lang == "zh" else self.detail
        return f"{head}: {detail}" if detail else head


class StandardError(Exception):
    """The disclosure standard itself is unusable (exit 2): says where, by JSON pointer."""

    def __init__(self, message: str, pointer: str = ""):
        super().__init__(message)
        self.pointer = pointer

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} (at {self.pointer})" if self.pointer else base
