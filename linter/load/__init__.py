"""Stage 1: a file on disk → ``Document`` (text + offset→location map)."""
from __future__ import annotations

import os

from ..errors import LoanlintError
from .document import Document, FontRun

MAX_TEXT_BYTES = 10 * 1024 * 1024
MAX_PDF_BYTES = 200 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".text")
MARKDOWN_SUFFIXES = (".md", ".markdown")
PDF_SUFFIXES = (".pdf",)
SUFFIXES = TEXT_SUFFIXES + MARKDOWN_SUFFIXES + PDF_SUFFIXES

__all__ = ["Document", "FontRun", "load", "SUFFIXES"]


def load(path: str, max_text_bytes: int = MAX_TEXT_BYTES, max_pdf_bytes: int = MAX_PDF_BYTES) -> Document:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise LoanlintError("E001", exc.strerror or str(exc), _zh_oserror(exc)) from None
    if not os.path.isfile(path):
        raise LoanlintError("E001", "not a regular file", "不是普通文件")
    suffix = os.path.splitext(path)[1].lower()
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise LoanlintError("E001", exc.strerror or str(exc), _zh_oserror(exc)) from None

    if suffix in PDF_SUFFIXES or head.lstrip().startswith(b"%PDF-"):
        if b"%PDF-" not in head:
            raise LoanlintError("E004", "no %PDF- header: not a PDF file", "缺少 %PDF- 文件头：不是 PDF 文件")
        if st.st_size > max_pdf_bytes:
            raise LoanlintError("E005", f"{st.st_size} bytes (limit {max_pdf_bytes})",
                                f"{st.st_size} 字节（上限 {max_pdf_bytes}）")
        from .pdf import load_pdf
        return _contract(load_pdf(path))

    if st.st_size > max_text_bytes:
        raise LoanlintError("E005", f"{st.st_size} bytes (limit {max_text_bytes} for text)",
                            f"{st.st_size} 字节（文本文件上限 {max_text_bytes}）")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise LoanlintError("E001", exc.strerror or str(exc), _zh_oserror(exc)) from None
    from .text import decode
    text, encoding = decode(data)
    fmt = "md" if suffix in MARKDOWN_SUFFIXES else "txt"
    return _contract(Document.from_text(path, fmt, text, encoding))


# Words no loan contract, template or IOU can do without. A file with none of them is
# not a contract (a README next to the templates, meeting notes, a novel): reporting
# every rule as "missing" for it would be noise that looks like a finding.
LOAN_TERMS_ZH = ("借款", "贷款", "借据", "借条", "欠条", "放款", "还款", "本金", "利率", "利息", "出借", "授信",
                 "分期", "年化")
LOAN_TERMS_EN = ("loan", "borrow", "lend", "repay", "interest", "principal", "credit")


def _contract(doc: Document) -> Document:
    text = doc.text
    if not any(term in text for term in LOAN_TERMS_ZH):
        lowered = text.lower()
        if not any(term in lowered for term in LOAN_TERMS_EN):
            raise LoanlintError("E002", "no loan-contract wording (借款, 贷款, 还款, 利率, loan, …) anywhere: "
                                        "not a loan contract",
                                "全文没有借款合同用语（借款、贷款、还款、利率等）：不是借款合同")
    return doc


def _zh_oserror(exc: OSError) -> str:
    import errno
    return {
        errno.ENOENT: "文件不存在",
        errno.EACCES: "没有读取权限",
        errno.EISDIR: "这是一个目录",
        errno.ELOOP: "符号链接循环",
    }.get(exc.errno or 0, exc.strerror or str(exc))
