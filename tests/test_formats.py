"""CI report formats (SARIF, GitHub annotations, GitLab Code Quality, JUnit), --output,
GitHub Actions auto-detection, --statistics/--quiet/colour, rule docs."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from conftest import DATA, ROOT, fixture_path, run_cli
from test_suppression import CLEAN, NO_SECOND

TEXT_LINE = re.compile(r"^(?P<path>.+?):(?:(?P<page>\d+):)?(?P<line>\d+):(?P<col>\d+): "
                       r"(?P<code>[A-Z][A-Z0-9]+) \[(?P<sev>error|warning|info)\] .+$")
ANNOTATION = re.compile(r"^::(?P<cmd>error|warning|notice) (?P<props>[^:]*)::(?P<msg>.*)$")
DEFAULT_CODES = {"C101", "C102", "R201", "R202", "S301", "A401", "A402", "A403", "A404", "A405", "D501", "D502"}


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads((DATA / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema.get("$schema", "").startswith("http://json-schema.org/draft-04/")
    return jsonschema.Draft4Validator(schema)


@pytest.fixture
def clean(tmp_path):
    p = tmp_path / "clean.md"
    p.write_text(CLEAN, encoding="utf-8")
    return p


def check(*args, env=None, cwd=None):
    return run_cli("check", "--isolated", *args, env=env, cwd=cwd)


def sarif_of(*args, validator):
    r = check("--format", "sarif", *args)
    doc = json.loads(r.stdout)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    return doc, r


# ------------------------------------------------------------------ SARIF

def test_sarif_is_valid_and_complete(sarif_validator, clean, tmp_path):
    missing = tmp_path / "missing.txt"
    doc, r = sarif_of("--lang", "en", fixture_path("t03"), fixture_path("p01"), clean, missing,
                      validator=sarif_validator)
    assert r.returncode == 2  # the unreadable file
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "loanlint" and driver["version"]
    rules = {d["id"]: d for d in driver["rules"]}
    assert DEFAULT_CODES | {"X001", "X002"} <= set(rules)
    for code in DEFAULT_CODES:
        d = rules[code]
        assert d["helpUri"] == f"https://github.com/loanlint/loanlint/blob/main/docs/rules/{code}.md"
        assert d["help"]["text"] and d["help"]["markdown"]
        assert d["shortDescription"]["text"] and d["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = run["results"]
    assert results
    for res in results:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        assert res["message"]["text"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] and loc["region"]["startLine"] >= 1
        assert loc["region"]["startColumn"] >= 1
    t03 = [x for x in results if "t03" in x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]]
    assert any(x["ruleId"] == "D502" for x in t03)
    assert all(not x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("/") for x in t03)
    assert all(x["partialFingerprints"] for x in t03)
    # the unreadable file is a result too, and the run says it was not fully successful
    assert any(x["ruleId"] == "E001" for x in results)
    assert run["invocations"][0]["executionSuccessful"] is False


def test_sarif_pdf_line_is_within_the_page(sarif_validator):
    path = fixture_path("p01")
    doc, _ = sarif_of("--lang", "en", path, validator=sarif_validator)
    text = check("--lang", "en", path).stdout.splitlines()
    pages = [TEXT_LINE.match(x) for x in text]
    results = doc["runs"][0]["results"]
    assert results and len(results) == len(pages)
    for res, m in zip(results, pages):
        assert res["properties"]["page"] == int(m.group("page"))
        assert res["locations"][0]["physicalLocation"]["region"]["startLine"] == int(m.group("line"))
        assert res["message"]["text"].startswith(f"page {m.group('page')}: ")


def test_sarif_for_a_clean_run_is_valid(sarif_validator, clean):
    doc, r = sarif_of(clean, validator=sarif_validator)
    assert r.returncode == 0
    assert doc["runs"][0]["results"] == []
    assert len(doc["runs"][0]["tool"]["driver"]["rules"]) >= len(DEFAULT_CODES)


def test_sarif_for_every_fixture_is_valid(sarif_validator):
    from conftest import FIXTURES
    doc, _ = sarif_of(FIXTURES / "contracts", validator=sarif_validator)
    assert len(doc["runs"][0]["results"]) > 10


# ------------------------------------------------------------------ GitHub

def test_github_annotations(clean):
    r = check("--format", "github", "--lang", "en", fixture_path("t03"), fixture_path("p01"), clean)
    lines = r.stdout.splitlines()
    assert lines
    for line in lines:
        m = ANNOTATION.match(line)
        assert m, line
        props = dict(p.split("=", 1) for p in m.group("props").split(","))
        assert set(props) == {"file", "line", "col", "title"}
        assert int(props["line"]) >= 1 and int(props["col"]) >= 1
        assert props["title"].startswith("loanlint ")
        assert "\n" not in m.group("msg")
    files = {dict(p.split("=", 1) for p in ANNOTATION.match(x).group("props").split(","))["file"] for x in lines}
    assert files == {"fixtures/contracts/" + fixture_path("t03").name, "fixtures/contracts/" + fixture_path("p01").name}
    pdf = [x for x in lines if ".pdf" in x]
    assert pdf and all("::page " in x for x in pdf)
    assert "%25" in r.stdout  # percentages in messages are escaped


def test_github_escaping_follows_actions_toolkit():
    from linter.render.github import escape_data, escape_property
    assert escape_data("100% a\r\nb:c,d") == "100%25 a%0D%0Ab:c,d"
    assert escape_property("100% a\r\nb:c,d") == "100%25 a%0D%0Ab%3Ac%2Cd"


def test_github_actions_default_prints_annotations_and_text(tmp_path):
    env = {"GITHUB_ACTIONS": "true"}
    r = check("--lang", "en", fixture_path("t03"), env=env)
    ann = [x for x in r.stdout.splitlines() if x.startswith("::")]
    text = [x for x in r.stdout.splitlines() if TEXT_LINE.match(x)]
    assert ann and text and len(ann) == len(text)
    # an explicit format is respected: stdout stays machine-readable
    r = check("--format", "json", fixture_path("t03"), env=env)
    json.loads(r.stdout)
    r = check("--format", "text", fixture_path("t03"), env=env)
    assert not [x for x in r.stdout.splitlines() if x.startswith("::")]
    # a format from the configuration counts as given
    (tmp_path / "loanlint.toml").write_text('format = "text"\n', encoding="utf-8")
    p = tmp_path / "s.md"
    p.write_text(NO_SECOND, encoding="utf-8")
    r = run_cli("check", p, env=env, cwd=tmp_path)
    assert r.stdout and not [x for x in r.stdout.splitlines() if x.startswith("::")]


# ------------------------------------------------------------------ GitLab

def test_gitlab_code_quality(clean, tmp_path):
    r = check("--format", "gitlab", fixture_path("t03"), fixture_path("p01"), clean, tmp_path / "nope.md")
    issues = json.loads(r.stdout)
    assert isinstance(issues, list) and issues
    for i in issues:
        assert set(i) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert i["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert i["description"].startswith(i["check_name"])
        assert isinstance(i["location"]["lines"]["begin"], int) and i["location"]["lines"]["begin"] >= 1
        assert i["location"]["path"]
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert any(i["check_name"] == "D502" for i in issues)
    assert any(i["location"]["path"].startswith("fixtures/contracts/p01") and "页" in i["description"] for i in issues)
    assert any(i["check_name"] == "E001" for i in issues)


def test_gitlab_paths_relative_to_ci_project_dir(tmp_path):
    p = tmp_path / "sub" / "s.md"
    p.parent.mkdir()
    p.write_text(NO_SECOND, encoding="utf-8")
    r = check("--format", "gitlab", p, env={"CI_PROJECT_DIR": str(tmp_path)})
    assert [i["location"]["path"] for i in json.loads(r.stdout)] == ["sub/s.md"]


def test_gitlab_fingerprints_unique_even_for_identical_findings():
    from linter.models import FileReport, Finding, Report
    from linter.render import render
    f = Finding(rule="C102", name="fee-without-amount", severity="error", message="m", location={"line": 3},
                evidence="服务费", fingerprint="abc")
    report = Report(tool={"name": "loanlint", "version": "0"}, standard={"id": "x", "version": None},
                    files=[FileReport(path="a.md", facts={}, findings=[f, f.model_copy()])],
                    summary={"files": 1, "failed_files": 0, "findings": {"error": 2, "warning": 0, "info": 0}})
    issues = json.loads(render("gitlab", report))
    assert len({i["fingerprint"] for i in issues}) == 2


# ------------------------------------------------------------------ JUnit

def test_junit(clean, tmp_path):
    warn = tmp_path / "warn.md"
    warn.write_text(CLEAN + "<!-- loanlint: disable=S301 -->\n", encoding="utf-8")  # only X001 (a warning)
    r = check("--format", "junit", fixture_path("t03"), clean, warn, tmp_path / "nope.txt")
    root = ET.fromstring(r.stdout)
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert len(suites) == 4
    bad = next(s for n, s in suites.items() if "t03" in n)
    cases = bad.findall("testcase")
    codes = [c.get("name").split()[0] for c in cases]
    assert "D502" in codes and len(codes) == len(set(codes))  # one testcase per file and rule
    assert all(c.find("failure") is not None for c in cases)
    assert int(bad.get("failures")) == len(cases) == int(bad.get("tests"))
    good = suites[next(n for n in suites if n.endswith("clean.md"))]
    assert [c.get("name") for c in good.findall("testcase")] == ["no findings"]
    assert good.find("testcase/failure") is None and good.get("failures") == "0"
    w = suites[next(n for n in suites if n.endswith("warn.md"))]
    assert w.find("testcase/failure") is None and w.find("testcase/system-out") is not None
    nope = suites[next(n for n in suites if n.endswith("nope.txt"))]
    assert nope.find("testcase/error") is not None and nope.get("errors") == "1"
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in suites.values())
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in suites.values())
    # with --fail-on warning the warning fails its testcase
    r = check("--format", "junit", "--fail-on", "warning", warn)
    assert ET.fromstring(r.stdout).find("testsuite/testcase/failure") is not None


# ------------------------------------------------------------------ --output, --statistics, --quiet, colour

def test_output_file_and_text_lines_on_the_terminal(tmp_path, sarif_validator):
    out = tmp_path / "report.sarif"
    r = check("--format", "sarif", "--output", out, fixture_path("t03"))
    assert r.returncode == 1
    sarif_validator.validate(json.loads(out.read_text(encoding="utf-8")))
    lines = r.stdout.splitlines()
    assert lines and all(TEXT_LINE.match(x) for x in lines)
    out = tmp_path / "report.txt"
    r = check("-o", out, fixture_path("t03"))
    assert out.read_text(encoding="utf-8") == r.stdout
    r = check("--format", "json", "--output", tmp_path / "no-dir" / "x.json", fixture_path("t03"))
    assert r.returncode == 2 and "cannot write" in r.stderr


def test_statistics_and_quiet():
    r = check("--statistics", fixture_path("t03"), fixture_path("t03"), fixture_path("p02"))
    rows = [x.split() for x in r.stdout.splitlines()]
    assert rows and all(len(x) >= 4 and x[0].isdigit() for x in rows)
    counts = [int(x[0]) for x in rows]
    assert counts == sorted(counts, reverse=True)
    assert not any(TEXT_LINE.match(x) for x in r.stdout.splitlines())
    assert r.returncode == 1 and r.stderr.strip()
    r = check("--quiet", fixture_path("t03"))
    assert r.stderr == "" and r.stdout
    r = check("-q", "--format", "json", "--statistics", fixture_path("t03"))
    json.loads(r.stdout)  # statistics never corrupt a machine-readable stdout


def _tty_run(args, env_extra=None):
    """Run the CLI with stdout on a pseudo-terminal."""
    import pty
    master, slave = pty.openpty()
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.pop("GITHUB_ACTIONS", None)
    env.update(env_extra or {})
    proc = subprocess.Popen([sys.executable, "-m", "linter", *map(str, args)], stdout=slave, stderr=subprocess.PIPE,
                            cwd=ROOT, env=env)
    os.close(slave)
    import select
    chunks = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # never block on a pty some stray process keeps open
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=120)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_only_on_a_tty_and_never_with_no_color():
    path = fixture_path("t03")
    assert "\x1b[" in _tty_run(["check", "--isolated", path])
    assert "\x1b[" not in _tty_run(["check", "--isolated", "--no-color", path])
    assert "\x1b[" not in _tty_run(["check", "--isolated", path], {"NO_COLOR": "1"})
    assert "\x1b[" not in check(path).stdout  # a pipe


# ------------------------------------------------------------------ docs, explain, start-up

RULE_DOCS = ROOT / "docs" / "rules"  # the checkout's pages (the tests may run against an installed copy)


def test_rule_docs_are_up_to_date():
    from linter.docs import generate, stale
    problems = stale(generate(), RULE_DOCS)
    assert not problems, "rule docs are stale, run `python -m linter.docs`:\n" + "\n".join(problems)


def test_rule_docs_cover_every_rule_in_both_languages():
    from linter.builtin_rules import all_rules
    from linter.docs import ERRORS_DOC_URL
    from linter.standard import load_standard
    for code in all_rules(load_standard()):
        page = (RULE_DOCS / f"{code}.md").read_text(encoding="utf-8")
        for head in ("检查内容", "原因", "如何修改", "示例", "What it checks", "Why", "How to fix", "Example"):
            assert head in page, (code, head)
        assert f": {code} [" in page  # the example finding
    anchor = ERRORS_DOC_URL.rsplit("#", 1)[1]
    assert ERRORS_DOC_URL.startswith("https://") and anchor == "file-errors"
    assert f'id="{anchor}"' in (RULE_DOCS / "README.md").read_text(encoding="utf-8")


def test_explain_and_rules_point_to_the_docs():
    r = run_cli("explain", "D502")
    assert "https://github.com/loanlint/loanlint/blob/main/docs/rules/D502.md" in r.stdout
    r = run_cli("explain", "X001", "--lang", "en")
    assert r.returncode == 0 and "unused" in r.stdout
    r = run_cli("rules", "--format", "json")
    assert all(x["url"].endswith(f"/{x['code']}.md") for x in json.loads(r.stdout))


def test_version_stays_light():
    code = ("import sys\nfrom linter import cli\n"
            "try:\n    cli.main(['--version'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('pydantic', 'jsonschema', 'tomllib', 'linter.config', 'linter.render', 'jieba',"
            " 'pdfplumber') if m in sys.modules]\nprint('HEAVY', heavy)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "HEAVY []" in r.stdout, r.stdout + r.stderr
