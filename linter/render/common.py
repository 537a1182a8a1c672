"""Helpers shared by the machine-readable formats."""
from __future__ import annotations

import os
from typing import Optional

from ..models import FileReport, Finding

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


def relative_path(path: str, root: Optional[str] = None) -> str:
    """``path`` relative to ``root`` (default: the working directory) with ``/``
    separators; a path outside ``root`` stays absolute."""
    base = os.path.abspath(root or os.getcwd())
    full = os.path.abspath(path)
    try:
        rel = os.path.relpath(full, base)
    except ValueError:  # another drive
        return full.replace(os.sep, "/")
    if rel == ".." or rel.startswith(".." + os.sep):
        return full.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def page_note(f: Finding, lang: str) -> str:
    """For a PDF finding, the page the line number counts within."""
    if f.location.page is None:
        return ""
    return f"第 {f.location.page} 页：" if lang == "zh" else f"page {f.location.page}: "


def error_finding(fr: FileReport) -> Finding:
    """A file that could not be linted, as a finding at its start (code E0xx)."""
    return Finding(rule=fr.error.code, name="file-error", severity="error", message=fr.error.message,
                   location={"line": 1, "column": 1})


def entries(report):
    """(file report, finding) pairs in report order, file errors included as findings."""
    for fr in report.files:
        if fr.status == "error" and fr.error is not None:
            yield fr, error_finding(fr)
        for f in fr.findings:
            yield fr, f
