"""Inline suppression comments in Markdown and text contracts (not PDFs: they cannot
carry comments — use ``per-file-ignores`` or a baseline there).

    <!-- loanlint: disable=S301 -->              file level, anywhere in the file
    <!-- loanlint: disable=S301,C102 -->         several codes
    <!-- loanlint: disable=all -->               every finding of the file
    <!-- loanlint: disable-next-line=C102 -->    findings on the next non-blank line

A directive that suppresses nothing is reported as ``X001 unused-suppression`` (like
ruff's RUF100) and a malformed one, or one naming an unknown code, as ``X002
invalid-suppression``, both warnings at the comment. X001/X002 themselves cannot be
suppressed by comments (only by ``ignore``), so a comment can never hide its own problem.
Findings about something *missing* point at line 1, so only the file-level form reaches them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from .builtin_rules import BUILTIN_RULES
from .models import Finding, Location

DIRECTIVE = re.compile(r"<!--\s*loanlint\b(?P<colon>\s*:)?(?P<body>.*?)-->", re.IGNORECASE | re.DOTALL)
BODY = re.compile(r"^\s*(?P<kind>disable|disable-next-line)\s*=\s*(?P<codes>[^=]*?)\s*$", re.IGNORECASE)
ONLY_DIRECTIVES = re.compile(r"^\s*(?:<!--\s*loanlint\b.*?-->\s*)+$", re.IGNORECASE)
OPENING = re.compile(r"<!--\s*loanlint\b", re.IGNORECASE)
UNSUPPRESSIBLE = frozenset({"X001", "X002"})


@dataclass
class Directive:
    kind: str  # "disable" | "disable-next-line"
    codes: list[str]  # upper-case codes or "ALL"
    location: Location
    text: str
    target_line: Optional[int] = None  # disable-next-line only
    used: set[str] = field(default_factory=set)

    def covers(self, f: Finding) -> Optional[str]:
        if f.rule in UNSUPPRESSIBLE:
            return None
        if self.kind == "disable-next-line" and f.location.line != self.target_line:
            return None
        if "ALL" in self.codes:
            return "ALL"
        return f.rule if f.rule in self.codes else None


def parse(doc, known: frozenset[str]) -> tuple[list[Directive], list[tuple[Location, str, tuple[str, str]]]]:
    """Directives of a document, and problems ``(location, comment text, (detail en, detail zh))``."""
    text = doc.text
    if "loanlint" not in text.lower():
        return [], []
    directives: list[Directive] = []
    problems: list[tuple[Location, str, tuple[str, str]]] = []
    lines = text.split("\n")
    spans: list[tuple[int, int]] = []
    for m in DIRECTIVE.finditer(text):
        spans.append(m.span())
        loc = doc.location(m.start())
        raw = " ".join(m.group(0).split())
        if not m.group("colon"):
            problems.append((loc, raw, ("expected `loanlint:` followed by disable=CODES or disable-next-line=CODES",
                                        "应写成 loanlint: disable=代码 或 loanlint: disable-next-line=代码")))
            continue
        body = BODY.match(m.group("body"))
        if not body:
            problems.append((loc, raw, ("expected disable=CODES or disable-next-line=CODES",
                                        "应写成 disable=代码 或 disable-next-line=代码")))
            continue
        codes = [c.strip().upper() for c in body.group("codes").split(",")]
        if not any(codes):
            problems.append((loc, raw, ("no rule codes after =", "= 后面没有规则代码")))
            continue
        good = []
        for code in codes:
            if not code:
                problems.append((loc, raw, ("empty rule code in the list", "代码列表中有空项")))
            elif code in UNSUPPRESSIBLE:
                problems.append((loc, raw, (f"{code} cannot be suppressed by a comment (use `ignore`)",
                                            f"{code} 不能用注释抑制（请用 ignore 配置）")))
            elif code == "ALL" or code in known:
                good.append(code)
            else:
                problems.append((loc, raw, (f"unknown rule code {code}", f"未知的规则代码 {code}")))
        if not good:
            continue
        kind = body.group("kind").lower()
        d = Directive(kind=kind, codes=good, location=loc, text=raw)
        if kind == "disable-next-line":
            end_line = doc.location(m.end() - 1).line
            d.target_line = _next_content_line(lines, end_line)
            if d.target_line is None:
                problems.append((loc, raw, ("disable-next-line has no line after it", "disable-next-line 之后没有内容行")))
                continue
        directives.append(d)
    for m in OPENING.finditer(text):  # an opening no directive covers: never closed
        if not any(a <= m.start() < b for a, b in spans):
            loc = doc.location(m.start())
            problems.append((loc, " ".join(text[m.start():m.start() + 60].split()),
                             ("the comment is not closed with -->", "注释缺少结尾的 -->")))
    problems.sort(key=lambda p: (p[0].line, p[0].column))
    return directives, problems



def _next_content_line(lines: list[str], after: int) -> Optional[int]:
    """1-based number of the first line after line ``after`` with text that is not only
    loanlint comments (so stacked directives all reach the same line)."""
    for idx in range(after, len(lines)):
        line = lines[idx]
        if line.strip() and not ONLY_DIRECTIVES.match(line):
            return idx + 1
    return None


def apply(doc, findings: list[Finding], known: frozenset[str], lang: str,
          enabled: Callable[[str], bool]) -> tuple[list[Finding], int]:
    """Drop the findings the document's directives suppress; add X001/X002 findings.
    ``enabled(code)`` says whether a rule is selected for this file: a directive naming
    a rule that is switched off anyway is not "unused"."""
    from .standard.validate import render

    directives, problems = parse(doc, known)
    if not directives and not problems:
        return findings, 0
    kept: list[Finding] = []
    suppressed = 0
    for f in findings:
        hit = False
        for d in directives:
            code = d.covers(f)
            if code is not None:
                d.used.add(code)
                hit = True
        if hit:
            suppressed += 1
        else:
            kept.append(f)
    extra: list[Finding] = []
    unused_rule, invalid_rule = BUILTIN_RULES["X001"], BUILTIN_RULES["X002"]
    if enabled("X001"):
        for d in directives:
            unused = [c for c in d.codes if c not in d.used and (c == "ALL" or enabled(c))]
            if unused:
                codes = ", ".join("all" if c == "ALL" else c for c in unused)
                msg = render(unused_rule.text("message", lang), {"codes": codes}, lang)
                extra.append(Finding(rule="X001", name=unused_rule.name, severity=unused_rule.severity,
                                     message=msg, location=d.location, evidence=d.text))
    if enabled("X002"):
        for loc, raw, detail in problems:
            msg = render(invalid_rule.text("message", lang), {"detail": detail[1] if lang == "zh" else detail[0]}, lang)
            extra.append(Finding(rule="X002", name=invalid_rule.name, severity=invalid_rule.severity,
                                 message=msg, location=loc, evidence=raw))
    out = kept + extra
    out.sort(key=lambda f: (f.location.page or 0, f.location.line, f.location.column, f.rule))
    return out, suppressed
