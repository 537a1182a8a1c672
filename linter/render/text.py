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


def statistics(report: Report, lang: str = "zh", color: bool = False) -> str:
    """``--statistics``: how many findings per rule, most frequent first."""
    counts: dict[str, list] = {}
    for fr in report.files:
        items = list(fr.findings)
        if fr.status == "error" and fr.error is not None:
            items.append(Finding(rule=fr.error.code, name="file-error", severity="error", message=fr.error.message,
                                 location={"line": 1, "column": 1}))
        for f in items:
            entry = counts.setdefault(f.rule, [0, f.severity, f.name])
            entry[0] += 1
    rows = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
    out = []
    width = max((len(code) for code in counts), default=4)
    for code, (n, sev, name) in rows:
        code_text, sev_text = code.ljust(width), f"[{sev}]".ljust(9)
        if color:
            sev_text = f"{_COLORS.get(sev, '')}{sev_text}{_RESET}"
            code_text = f"{_BOLD}{code_text}{_RESET}"
        out.append(f"{n:>6}  {code_text} {sev_text} {name}")
    return "\n".join(out) + ("\n" if out else "")


def summary(report: Report, lang: str = "zh") -> str:
    s = report.summary
    n = s["findings"]
    total = n["error"] + n["warning"] + n["info"]
    files, failed = s["files"], s["failed_files"]
    sup = s.get("suppressed") or {}
    inline, base = sup.get("inline", 0), sup.get("baseline", 0)
    if lang == "zh":
        text = f"检查了 {files} 个文件：发现 {total} 个问题（错误 {n['error']}，警告 {n['warning']}，提示 {n['info']}）"
        if failed:
            text += f"；{failed} 个文件无法检查"
        if inline:
            text += f"；{inline} 个问题被注释抑制"
        if base:
            text += f"；{base} 个问题已记录在基线中，未报告"
        return text + "。"
    text = f"Checked {files} file{'s' if files != 1 else ''}: {total} finding{'s' if total != 1 else ''} " \
           f"({n['error']} error, {n['warning']} warning, {n['info']} info)"
    if failed:
        text += f"; {failed} file{'s' if failed != 1 else ''} could not be checked"
    if inline:
        text += f"; {inline} suppressed by comments"
    if base:
        text += f"; {base} suppressed by the baseline"
    return text + "."
