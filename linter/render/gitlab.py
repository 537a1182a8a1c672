"""GitLab Code Quality report (``artifacts:reports:codequality``): a JSON array of
CodeClimate-style issues. ``location.path`` is relative to ``CI_PROJECT_DIR`` (else the
working directory); for a PDF ``location.lines.begin`` is the line within the page and
the description names the page. Fingerprints are unique within a report (GitLab
de-duplicates on them): the finding's stable fingerprint, re-salted on a collision."""
from __future__ import annotations

import hashlib
import json
import os

from .common import entries, page_note, relative_path

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def render(report, lang: str = "zh", root=None, **_) -> str:
    root = root or os.environ.get("CI_PROJECT_DIR") or None
    issues = []
    seen: set[str] = set()
    for fr, f in entries(report):
        path = relative_path(fr.path, root)
        base = f.fingerprint or hashlib.sha256(f"{f.rule}\0{path}\0{f.message}".encode()).hexdigest()[:20]
        fp, salt = base, 0
        while fp in seen:
            salt += 1
            fp = hashlib.sha256(f"{base}\0{salt}".encode()).hexdigest()[:20]
        seen.add(fp)
        is_file_error = fr.status == "error" and f.name == "file-error"
        issue = {
            "description": f"{f.rule} ({f.name}): {page_note(f, lang)}{f.message}",
            "check_name": f.rule,
            "fingerprint": fp,
            "severity": "critical" if is_file_error else SEVERITY.get(f.severity, "major"),
            "location": {"path": path, "lines": {"begin": f.location.line}},
        }
        issues.append(issue)
    return json.dumps(issues, ensure_ascii=False, indent=2) + "\n"
