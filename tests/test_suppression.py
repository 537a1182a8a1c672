"""Inline suppression comments in Markdown and text contracts: file level, next line,
unused (X001) and malformed (X002) directives. Expectations are taken from a first run
without comments, so the tests hold while extraction is being tuned."""
from __future__ import annotations

import json
import re

import pytest

from conftest import run_cli

# A tiny contract that is clean under the default standard, and two variants with
# known problems. Other test modules import these.
CLEAN = """# 借款合同

借款金额：人民币壹万贰仟元整（¥12,000.00），实际到账金额：¥12,000.00。
借款期限：6个月，共6期，等额本息，每月1日还款。
年利率：9.60%（单利）。应还本息合计：¥12,338.23。
本合同项下借款人的全部借款成本为利息，合计338.23元；贷款人不收取任何服务费、手续费、担保费。

还款计划：

| 期数 | 本金（元） | 利息（元） | 本期应还（元） |
| ---: | ---: | ---: | ---: |
| 1 | 1,960.37 | 96.00 | 2,056.37 |
| 2 | 1,976.05 | 80.32 | 2,056.37 |
| 3 | 1,991.86 | 64.51 | 2,056.37 |
| 4 | 2,007.80 | 48.57 | 2,056.37 |
| 5 | 2,023.86 | 32.51 | 2,056.37 |
| 6 | 2,040.06 | 16.32 | 2,056.38 |
| 合计 | 12,000.00 | 338.23 | 12,338.23 |

签署后，App将展示“借款确认”页面，借款人须在该页面再次确认后方完成二次确认；未完成的，贷款人不予放款。
"""
# no second confirmation: a finding about something missing (points at line 1)
NO_SECOND = CLEAN.replace("借款人须在该页面再次确认后方完成二次确认；未完成的，贷款人不予放款。", "借款人点击同意即可。")
# a fee without an amount: a finding on a line of its own
FEE_NO_AMOUNT = CLEAN.replace("；贷款人不收取任何服务费、手续费、担保费。", "。").replace(
    "签署后，", "平台另收取信息服务费，具体以页面展示为准。\n\n签署后，")


def findings(path, *args):
    r = run_cli("check", "--isolated", "--format", "json", "--lang", "en", *args, path)
    assert r.returncode in (0, 1), r.stderr
    report = json.loads(r.stdout)
    return [f for fr in report["files"] for f in fr["findings"]], r


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_contracts_used_by_the_tests_behave_as_assumed(tmp_path):
    assert findings(write(tmp_path, "clean.md", CLEAN))[0] == []
    assert [f["rule"] for f in findings(write(tmp_path, "s.md", NO_SECOND))[0]] == ["S301"]
    fee = findings(write(tmp_path, "fee.md", FEE_NO_AMOUNT))[0]
    assert any(f["rule"] == "C102" and f["location"]["line"] > 1 for f in fee), fee


def test_file_level_disable_anywhere_in_the_file(tmp_path):
    p = write(tmp_path, "s.md", NO_SECOND + "\n<!-- loanlint: disable=S301 -->\n")
    found, r = findings(p)
    assert found == []
    assert r.returncode == 0
    assert "1 suppressed by comments" in r.stderr


def test_several_codes_and_all(tmp_path):
    base = findings(write(tmp_path, "base.txt", FEE_NO_AMOUNT))[0]
    codes = sorted({f["rule"] for f in base})
    assert codes
    p = write(tmp_path, "many.txt", f"<!-- loanlint: disable={', '.join(codes)} -->\n" + FEE_NO_AMOUNT)
    assert findings(p)[0] == []
    p = write(tmp_path, "all.txt", FEE_NO_AMOUNT + "<!-- loanlint: disable=all -->\n")
    assert findings(p)[0] == []


def test_disable_next_line_reaches_the_next_non_blank_line_only(tmp_path):
    base = findings(write(tmp_path, "base.md", FEE_NO_AMOUNT))[0]
    target = next(f for f in base if f["rule"] == "C102")
    line = target["location"]["line"]
    lines = FEE_NO_AMOUNT.split("\n")
    # two stacked directives and a blank line between them and the target line
    lines[line - 1:line - 1] = ["<!-- loanlint: disable-next-line=C102 -->",
                                "<!-- loanlint: disable-next-line=C102 -->", ""]
    p = write(tmp_path, "next.md", "\n".join(lines))
    after, _ = findings(p)
    assert not [f for f in after if f["rule"] == "C102"]
    assert not [f for f in after if f["rule"] == "X001"]
    # the same directive two lines further up suppresses nothing → X001 at the comment
    lines = FEE_NO_AMOUNT.split("\n")
    lines[line - 3:line - 3] = ["<!-- loanlint: disable-next-line=C102 -->"]
    p = write(tmp_path, "far.md", "\n".join(lines))
    after, _ = findings(p)
    assert [f["rule"] for f in after if f["rule"] == "C102"]
    unused = [f for f in after if f["rule"] == "X001"]
    assert len(unused) == 1 and unused[0]["location"]["line"] == line - 2
    assert unused[0]["severity"] == "warning"


def test_unused_suppression_is_reported_at_the_comment(tmp_path):
    text = CLEAN.replace("还款计划：", "还款计划：\n<!-- loanlint: disable=D502,S301 -->")
    p = write(tmp_path, "unused.md", text)
    found, r = findings(p)
    line = text.split("\n").index("<!-- loanlint: disable=D502,S301 -->") + 1
    assert [(f["rule"], f["location"]["line"]) for f in found] == [("X001", line)]
    assert "D502" in found[0]["message"] and "S301" in found[0]["message"]
    assert found[0]["name"] == "unused-suppression"
    assert r.returncode == 0  # a warning: below the default --fail-on error
    r = run_cli("check", "--isolated", "--fail-on", "warning", p)
    assert r.returncode == 1
    assert re.search(r":\d+:1: X001 \[warning\] ", r.stdout)


def test_unused_check_respects_selection(tmp_path):
    p = write(tmp_path, "u.md", CLEAN + "<!-- loanlint: disable=S301 -->\n")
    assert findings(p, "--ignore", "S301")[0] == []  # S301 is off anyway: not "unused"
    assert findings(p, "--ignore", "X001")[0] == []
    assert [f["rule"] for f in findings(p)[0]] == ["X001"]


@pytest.mark.parametrize("directive, detail", [
    ("<!-- loanlint disable=S301 -->", "loanlint:"),
    ("<!-- loanlint: enable=S301 -->", "disable="),
    ("<!-- loanlint: disable= -->", "no rule codes"),
    ("<!-- loanlint: disable=Z999 -->", "unknown rule code Z999"),
    ("<!-- loanlint: disable=X001 -->", "cannot be suppressed"),
])
def test_malformed_directives_are_warnings(tmp_path, directive, detail):
    p = write(tmp_path, "bad.md", CLEAN.replace("还款计划：", directive + "\n还款计划："))
    found, r = findings(p)
    assert [f["rule"] for f in found] == ["X002"], found
    assert detail in found[0]["message"]
    assert found[0]["severity"] == "warning"
    assert found[0]["location"]["line"] == CLEAN.split("\n").index("还款计划：") + 1
    assert r.returncode == 0


def test_unclosed_directive_is_a_warning(tmp_path):
    p = write(tmp_path, "open.md", NO_SECOND + "<!-- loanlint: disable=S301\n")
    found, _ = findings(p)
    assert sorted(f["rule"] for f in found) == ["S301", "X002"]
    assert "not closed" in next(f for f in found if f["rule"] == "X002")["message"]


def test_partly_valid_directive_still_suppresses(tmp_path):
    p = write(tmp_path, "s.md", NO_SECOND + "<!-- loanlint: disable=S301,Z999 -->\n")
    found, _ = findings(p)
    assert [f["rule"] for f in found] == ["X002"]


def test_text_files_too_and_messages_in_chinese(tmp_path):
    p = write(tmp_path, "s.txt", NO_SECOND + "<!-- loanlint: disable=S301,R201 -->\n")
    r = run_cli("check", "--isolated", p)
    assert " X001 [warning] 抑制注释未抑制任何问题：R201" in r.stdout, r.stdout
    assert "S301" not in r.stdout.replace("R201", "")
    assert "被注释抑制" in r.stderr


def test_pdfs_are_not_searched_for_comments(tmp_path):
    from conftest import fixture_path
    found, _ = findings(fixture_path("p01"))
    assert not [f for f in found if f["rule"] in ("X001", "X002")]


def test_unit_next_content_line_and_parse():
    from linter.load.document import Document
    from linter.suppress import parse

    text = "a\n<!-- loanlint: disable-next-line=C102 -->\n\n  \n<!-- loanlint: disable=S301 -->\nfee\n"
    doc = Document.from_text("x.md", "md", text)
    directives, problems = parse(doc, frozenset({"C102", "S301"}))
    assert not problems
    assert [(d.kind, d.codes, d.location.line, d.target_line) for d in directives] == [
        ("disable-next-line", ["C102"], 2, 6), ("disable", ["S301"], 5, None)]
