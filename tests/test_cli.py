"""The command line as users run it: output shapes, exit codes, commands."""
from __future__ import annotations

import json
import re

import jsonschema

from conftest import FIXTURES, ROOT, fixture_path

LINE = re.compile(r"^(?P<path>.+?):(?:(?P<page>\d+):)?(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]\d{3}) \[(?P<sev>error|warning|info)\] .+$")


def test_text_output_lines_and_exit_code_1(cli):
    path = fixture_path("t03")
    r = cli("check", path)
    assert r.returncode == 1, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines and all(LINE.match(line) for line in lines), r.stdout
    assert any(" D502 [error] " in line for line in lines)
    assert "finding" in r.stderr or "问题" in r.stderr


def test_clean_contract_exits_0(cli):
    clean = [c for c in (FIXTURES / "expected").glob("*.json") if not json.loads(c.read_text())["expected_rules"]]
    assert clean
    case = json.loads(clean[0].read_text())
    r = cli("check", FIXTURES / case["file"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""


def test_pdf_lines_show_the_page(cli):
    r = cli("check", "--lang", "en", fixture_path("p01"))
    lines = [LINE.match(line) for line in r.stdout.strip().splitlines()]
    assert lines and all(m and m.group("page") for m in lines), r.stdout


def test_json_report_matches_its_schema(cli, report_schema):
    r = cli("check", "--format", "json", FIXTURES / "contracts", ROOT / "no-such-file.txt")
    assert r.returncode == 2  # one unreadable file
    report = json.loads(r.stdout)
    jsonschema.Draft202012Validator(report_schema).validate(report)
    statuses = {f["path"].split("/")[-1]: f["status"] for f in report["files"]}
    assert statuses["no-such-file.txt"] == "error"
    assert sum(1 for s in statuses.values() if s == "ok") >= 30
    assert report["summary"]["failed_files"] == 1


def test_json_report_for_clean_and_failing_file_is_valid(cli, report_schema):
    for name in ("t13", "t03", "p07"):
        r = cli("check", "--format", "json", fixture_path(name))
        jsonschema.Draft202012Validator(report_schema).validate(json.loads(r.stdout))


def test_lang_en_messages(cli):
    r = cli("check", "--lang", "en", fixture_path("t03"))
    assert "deducted" in r.stdout
    r = cli("check", "--lang", "zh", fixture_path("t03"))
    assert "扣除" in r.stdout


def test_select_ignore_and_fail_on(cli):
    path = fixture_path("t03")
    r = cli("check", "--select", "D5", path)
    codes = {m.group("code") for m in map(LINE.match, r.stdout.splitlines()) if m}
    assert codes == {"D502"}
    r = cli("check", "--ignore", "D,A,C,R,S", path)
    assert r.returncode == 0 and r.stdout == ""
    r = cli("check", "--fail-on", "never", path)
    assert r.returncode == 0 and r.stdout


def test_extract_prints_facts_with_cash_flows(cli):
    r = cli("extract", fixture_path("t03"))
    assert r.returncode == 0, r.stderr
    facts = json.loads(r.stdout)
    assert facts["principal"]["amount"] > 0
    assert facts["computed_apr"]["cash_flows"][0]["t"] == 0
    assert "IRR" in facts["computed_apr"]["formula"]


def test_rules_and_explain(cli):
    r = cli("rules", "--lang", "en")
    codes = [line.split()[0] for line in r.stdout.splitlines()]
    assert {"C101", "C102", "R201", "R202", "S301", "A401", "A402", "A403", "A404", "A405", "D501", "D502"} <= set(codes)
    r = cli("explain", "A402")
    assert r.returncode == 0
    assert "annualized" in r.stdout and "年化" in r.stdout and "PBoC" in r.stdout
    r = cli("explain", "Z999")
    assert r.returncode == 2


def test_user_standard(cli, tmp_path):
    std = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "x-standard": {"id": "house-rules", "version": "1"},
        "type": "object",
        "properties": {"principal": {"properties": {"amount": {"maximum": 1000, "x-rule": {
            "code": "H001", "name": "loan-too-large", "severity": "warning",
            "message": {"zh": "借款金额 {amount} 元超过 1000 元", "en": "principal {amount} above 1000"}}}}},
            "term": {"type": "object"}},
    }
    p = tmp_path / "house.json"
    p.write_text(json.dumps(std), encoding="utf-8")
    r = cli("check", "--standard", p, "--lang", "en", fixture_path("t03"))
    assert r.returncode == 0  # warnings only
    assert " H001 [warning] principal " in r.stdout
    r = cli("check", "--standard", p, "--fail-on", "warning", fixture_path("t03"))
    assert r.returncode == 1


def test_malformed_standards_exit_2(cli, tmp_path):
    bad = {
        "not-json.json": "{not json",
        "not-schema.json": json.dumps({"type": 12}),
        "remote-ref.json": json.dumps({"properties": {"a": {"$ref": "http://example.com/s.json"}}}),
        "bad-xrule.json": json.dumps({"properties": {"a": {"x-rule": {"code": "A1"}}}}),
        "self-ref.json": json.dumps({"$ref": "#"}),
    }
    for name, text in bad.items():
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        r = cli("check", "--standard", p, fixture_path("t03"))
        assert r.returncode == 2, name
        assert "Traceback" not in r.stderr, name
        assert "invalid standard" in r.stderr, name
    r = cli("check", "--standard", "no-such-standard", fixture_path("t03"))
    assert r.returncode == 2 and "unknown standard" in r.stderr


def test_unreadable_file_does_not_stop_others(cli, tmp_path):
    good = fixture_path("t03")
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"\x00\x01garbage")
    r = cli("check", junk, good)
    assert r.returncode == 2
    assert "E004" in r.stdout and "D502" in r.stdout
    assert "Traceback" not in r.stderr


def test_version_and_help(cli):
    r = cli("--version")
    assert r.returncode == 0 and "loanlint" in r.stdout
    r = cli("check", "--help")
    assert r.returncode == 0 and "--standard" in r.stdout
