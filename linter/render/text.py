"""``path:line:col: CODE [severity] message`` — the shape editors and CI log parsers read.
For PDFs the page comes first: ``contract.pdf:3:12:5:`` is page 3, line 12, column 5."""
from __future__ import annotations

from ..models import FileReport, Finding, Report

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_RESET = "\033[0m"
_BOLD = "\033[1m"


def position(fr: FileReport, f: Finding) -> str:
    loc = f.location
    if loc.page is not None:
        return f"{fr.path}:{loc.page}:{loc.line}:{loc.column}"
    return f"{fr.path}:{loc.line}:{loc.column}"


def line(fr: FileReport, f: Finding, color: bool = False) -> str:
    sev = f"[{f.severity}]"
    code = f.rule
    if color:
        sev = f"{_COLORS.get(f.severity, '')}{sev}{_RESET}"
        code = f"{_BOLD}{code}{_RESET}"
    return f"{position(fr, f)}: {code} {sev} {f.message}"


def error_line(fr: FileReport, color: bool = False) -> str:
    sev = "[error]"
    if color:
        sev = f"{_COLORS['error']}{sev}{_RESET}"
    return f"{fr.path}:1:1: {fr.error.code} {sev} {fr.error.message}"


def render(report: Report, lang: str = "zh", color: bool = False, **_) -> str:
    out = []
    for fr in report.files:
        if fr.status == "error" and fr.error is not None:
            out.append(error_line(fr, color))
        for f in fr.findings:
            out.append(line(fr, f, color))
    return "\n".join(out) + ("\n" if out else "")


def summary(report: Report, lang: str = "zh") -> str:
    s = report.summary
    n = s["findings"]
    total = n["error"] + n["warning"] + n["info"]
    files, failed = s["files"], s["failed_files"]
    if lang == "zh":
        text = f"检查了 {files} 个文件：发现 {total} 个问题（错误 {n['error']}，警告 {n['warning']}，提示 {n['info']}）"
        if failed:
            text += f"；{failed} 个文件无法检查"
        return text + "。"
    text = f"Checked {files} file{'s' if files != 1 else ''}: {total} finding{'s' if total != 1 else ''} " \
           f"({n['error']} error, {n['warning']} warning, {n['info']} info)"
    if failed:
        text += f"; {failed} file{'s' if failed != 1 else ''} could not be checked"
    return text + "."
