"""JUnit XML for CI test-report viewers (GitLab ``artifacts:reports:junit``, Jenkins,
Azure DevOps, the GitHub test-reporter actions).

One ``<testsuite>`` per file; in it one ``<testcase>`` per rule that has findings in
that file, failing (``<failure>``) when a finding is at or above ``--fail-on`` (its
lines in the body), passing with the findings in ``<system-out>`` otherwise; a clean
file gets one passing testcase (an empty report reads as a failure to some parsers);
a file that cannot be read gets an ``<error>``.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import OrderedDict

from .common import SEVERITY_RANK
from .text import line as text_line

FAIL_FLOOR = {"error": 2, "warning": 1, "info": 0, "never": 99}
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(s: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped."""
    return _NOT_XML.sub("\ufffd", s)


def render(report, lang: str = "zh", fail_on: str = "error", **_) -> str:
    floor = FAIL_FLOOR.get(fail_on or "error", 2)
    suites = ET.Element("testsuites", name="loanlint")
    total_tests = total_failures = total_errors = 0
    for fr in report.files:
        suite = ET.SubElement(suites, "testsuite", name=fr.path)
        tests = failures = errors = 0
        if fr.status == "error" and fr.error is not None:
            case = ET.SubElement(suite, "testcase", name=f"{fr.error.code} file could not be checked",
                                 classname=fr.path, file=fr.path)
            err = ET.SubElement(case, "error", message=fr.error.message, type=fr.error.code)
            err.text = f"{fr.path}:1:1: {fr.error.code} [error] {fr.error.message}"
            tests, errors = 1, 1
        else:
            by_rule: "OrderedDict[str, list]" = OrderedDict()
            for f in sorted(fr.findings, key=lambda f: f.rule):
                by_rule.setdefault(f.rule, []).append(f)
            for code, found in by_rule.items():
                first = found[0]
                case = ET.SubElement(suite, "testcase", name=f"{code} {first.name}", classname=fr.path,
                                     file=fr.path, line=str(first.location.line))
                body = "\n".join(text_line(fr, f) for f in found)
                worst = max(SEVERITY_RANK.get(f.severity, 2) for f in found)
                if worst >= floor:
                    msg = first.message if len(found) == 1 else f"{len(found)} × {code}: {first.message}"
                    fail = ET.SubElement(case, "failure", message=msg, type=code)
                    fail.text = body
                    failures += 1
                else:
                    out = ET.SubElement(case, "system-out")
                    out.text = body
                tests += 1
            if not by_rule:
                ET.SubElement(suite, "testcase", name="no findings", classname=fr.path, file=fr.path)
                tests = 1
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", "0")
        total_tests += tests
        total_failures += failures
        total_errors += errors
    suites.set("tests", str(total_tests))
    suites.set("failures", str(total_failures))
    suites.set("errors", str(total_errors))
    for el in suites.iter():
        el.attrib = {k: _clean(v) for k, v in el.attrib.items()}
        if el.text:
            el.text = _clean(el.text)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
