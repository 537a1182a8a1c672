"""GitHub Actions workflow commands: one ``::error …::message`` line per finding, shown as
annotations on the pull request's files.

Escaping follows actions/toolkit (``command.ts``): the message escapes ``%``, CR and LF;
property values (file, title) also ``:`` and ``,``. For a PDF, ``line``/``col`` count
within the page and the message starts with the page ("page 3: …").
"""
from __future__ import annotations

import os

from .common import entries, page_note, relative_path

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def annotation(path: str, f, lang: str = "zh") -> str:
    props = [f"file={escape_property(path)}", f"line={f.location.line}", f"col={f.location.column}",
             f"title={escape_property(f'loanlint {f.rule} ({f.name})')}"]
    return f"::{COMMAND.get(f.severity, 'error')} {','.join(props)}::{escape_data(page_note(f, lang) + f.message)}"


def render(report, lang: str = "zh", root=None, **_) -> str:
    root = root or os.environ.get("GITHUB_WORKSPACE") or None
    lines = [annotation(relative_path(fr.path, root), f, lang) for fr, f in entries(report)]
    return "\n".join(lines) + ("\n" if lines else "")
