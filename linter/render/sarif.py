"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``) and other
SARIF viewers. Valid against the OASIS schema (tests/data/sarif-2.1.0.json).

* ``tool.driver.rules``: every rule of the standard(s) used plus loanlint's own (X000–X002),
  each with its description, help text and a ``helpUri`` to ``docs/rules/<CODE>.md``; file
  error codes (E0xx) are added when they occur.
* a result per finding: ``ruleId``/``ruleIndex``, ``level`` (error/warning/note), message,
  a physical location relative to ``%SRCROOT%`` (the working directory) with a region,
  and the stable fingerprint in ``partialFingerprints``.
* PDFs: ``region.startLine`` is the line *within the page*; the page is in
  ``properties.page`` and at the start of the message.
"""
from __future__ import annotations

import json
from urllib.parse import quote

from .. import __version__
from ..docs import ERRORS_DOC_URL, INFORMATION_URI, rule_help_markdown, rule_help_text, rule_url
from .common import entries, page_note, relative_path

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str, root) -> tuple[str, bool]:
    rel = relative_path(path, root)
    if rel.startswith("/"):
        from pathlib import Path
        return Path(rel).as_uri(), False
    return quote(rel, safe="/"), True


def _rule_descriptor(rule, lang: str, standard_id: str = "") -> dict:
    summary = rule.text("summary", lang) or rule.name
    descriptor = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": rule.text("rationale", lang) or summary},
        "help": {"text": rule_help_text(rule, lang), "markdown": rule_help_markdown(rule, lang)},
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": LEVEL.get(rule.severity, "error")},
        "properties": {"tags": ["loan-disclosure"] + ([standard_id] if standard_id else [])},
    }
    regs = rule.annotation.get("regulation") or []
    if regs:
        descriptor["properties"]["regulation"] = [r.get(lang) or r.get("en") for r in regs]
    return descriptor


def _error_descriptor(code: str, lang: str) -> dict:
    from ..errors import CATALOGUE
    name, zh, en = CATALOGUE.get(code, CATALOGUE["E099"])
    text = zh if lang == "zh" else en
    return {"id": code, "name": name, "shortDescription": {"text": text}, "fullDescription": {"text": text},
            "helpUri": ERRORS_DOC_URL, "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["file-error"]}}


def render(report, lang: str = "zh", rules=None, root=None, **_) -> str:
    rules = rules or {}
    std_id = (report.standard or {}).get("id") or ""
    descriptors = [_rule_descriptor(r, lang, std_id) for r in sorted(rules.values(), key=lambda r: r.code)]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    results = []
    notifications = []
    for fr, f in entries(report):
        if f.rule not in index:
            if f.name == "file-error":
                descriptors.append(_error_descriptor(f.rule, lang))
            else:  # a code from a standard not passed in: still declare it
                descriptors.append({"id": f.rule, "name": f.name, "shortDescription": {"text": f.name},
                                    "helpUri": rule_url(f.rule),
                                    "defaultConfiguration": {"level": LEVEL.get(f.severity, "error")}})
            index[f.rule] = len(descriptors) - 1
        uri, relative = _uri(fr.path, root)
        artifact = {"uri": uri}
        if relative:
            artifact["uriBaseId"] = "%SRCROOT%"
        location = {"physicalLocation": {"artifactLocation": artifact,
                                         "region": {"startLine": f.location.line, "startColumn": f.location.column}}}
        result = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": LEVEL.get(f.severity, "error"),
            "message": {"text": page_note(f, lang) + f.message},
            "locations": [location],
        }
        if f.fingerprint:
            result["partialFingerprints"] = {"loanlintFingerprint/v1": f.fingerprint}
        props = {}
        if f.location.page is not None:
            props["page"] = f.location.page
        if f.evidence:
            props["evidence"] = f.evidence
        if props:
            result["properties"] = props
        results.append(result)
        if f.name == "file-error":
            notifications.append({"level": "error", "message": {"text": f"{f.rule} {f.message}"},
                                  "locations": [location], "descriptor": {"id": f.rule}})
    invocation = {"executionSuccessful": not report.summary.get("failed_files")}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run = {
        "tool": {"driver": {"name": "loanlint", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI, "rules": descriptors}},
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"standard": dict(report.standard or {})},
    }
    doc = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
