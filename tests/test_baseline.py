"""Baseline: --write-baseline records today's findings by fingerprint, --baseline reports
only new ones, survives line moves and moving the checkout; a corrupt file is exit 2."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import fixture_path, run_cli
from test_suppression import FEE_NO_AMOUNT, NO_SECOND


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    (root / "contracts").mkdir(parents=True)
    (root / "contracts" / "bad.txt").write_bytes(fixture_path("t03").read_bytes())
    (root / "contracts" / "second.md").write_text(NO_SECOND, encoding="utf-8")
    return root


def check(*args, cwd):
    return run_cli("check", "--isolated", "--lang", "en", *args, cwd=cwd)


def test_write_then_only_new_findings(repo):
    r = check("contracts", cwd=repo)
    assert r.returncode == 1
    before = r.stdout.splitlines()
    assert before
    r = check("--write-baseline", "loanlint-baseline.json", "contracts", cwd=repo)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert f"Wrote {len(before)} finding" in r.stderr
    data = json.loads((repo / "loanlint-baseline.json").read_text(encoding="utf-8"))
    assert data["loanlint-baseline"] == 1
    assert {e["path"] for e in data["findings"]} == {"contracts/bad.txt", "contracts/second.md"}
    assert all(e["fingerprint"] and e["count"] >= 1 for e in data["findings"])

    r = check("--baseline", "loanlint-baseline.json", "contracts", cwd=repo)
    assert r.returncode == 0 and r.stdout == "", r.stdout
    assert f"{len(before)} suppressed by the baseline" in r.stderr

    # a new problem in a new file is reported; the old ones stay suppressed
    (repo / "contracts" / "fee.md").write_text(FEE_NO_AMOUNT, encoding="utf-8")
    r = check("--baseline", "loanlint-baseline.json", "contracts", cwd=repo)
    assert r.returncode == 1
    assert r.stdout and all(line.startswith("contracts/fee.md:") for line in r.stdout.splitlines())


def test_findings_survive_line_moves(repo):
    check("--write-baseline", "b.json", "contracts", cwd=repo)
    bad = repo / "contracts" / "bad.txt"
    bad.write_text("\n\n\n" + bad.read_text(encoding="utf-8"), encoding="utf-8")
    second = repo / "contracts" / "second.md"
    second.write_text("# 前言\n\n" + second.read_text(encoding="utf-8"), encoding="utf-8")
    r = check("--baseline", "b.json", "contracts", cwd=repo)
    assert r.stdout == "" and r.returncode == 0


def test_baseline_survives_moving_the_checkout_and_another_cwd(repo, tmp_path):
    check("--write-baseline", "loanlint-baseline.json", "contracts", cwd=repo)
    moved = tmp_path / "elsewhere" / "checkout"
    shutil.copytree(repo, moved)
    shutil.rmtree(repo)
    r = check("--baseline", "loanlint-baseline.json", "contracts", cwd=moved)
    assert r.stdout == "" and r.returncode == 0
    # from a subdirectory, with the baseline named relative to it
    r = check("--baseline", "../loanlint-baseline.json", ".", cwd=moved / "contracts")
    assert r.stdout == "" and r.returncode == 0
    # absolute paths, from anywhere
    r = check("--baseline", moved / "loanlint-baseline.json", moved / "contracts", cwd=tmp_path)
    assert r.stdout == "" and r.returncode == 0


def test_fingerprint_does_not_depend_on_message_language(repo):
    run_cli("check", "--isolated", "--lang", "zh", "--write-baseline", "b.json", "contracts", cwd=repo)
    r = check("--baseline", "b.json", "contracts", cwd=repo)
    assert r.stdout == ""


def test_baseline_counts_identical_findings(repo):
    from linter.baseline import apply
    from linter.models import FileReport, Finding, Report
    f = Finding(rule="C102", name="n", severity="error", message="m", location={"line": 2}, fingerprint="fp")
    report = Report(tool={"name": "loanlint", "version": "0"}, standard={"id": "x", "version": None},
                    files=[FileReport(path="a.md", facts={}, findings=[f, f.model_copy(), f.model_copy()])],
                    summary={})
    from collections import Counter
    assert apply(report, Counter({"fp": 2})) == 2
    assert len(report.files[0].findings) == 1


@pytest.mark.parametrize("content, words", [
    ("{not json", "not valid JSON"),
    ("[]", "expected a JSON object"),
    ('{"loanlint-baseline": 1, "findings": {}}', "must be a list"),
    ('{"loanlint-baseline": 1, "findings": [{"count": 1}]}', "fingerprint"),
    ('{"loanlint-baseline": 1, "findings": [{"fingerprint": "a", "count": 0}]}', "count"),
    ('{"loanlint-baseline": 9, "findings": []}', "version"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
])
def test_corrupt_baseline_is_exit_2(repo, content, words):
    p = repo / "b.json"
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    r = check("--baseline", "b.json", "contracts", cwd=repo)
    assert r.returncode == 2
    assert words in r.stderr and "b.json" in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_missing_baseline_is_exit_2(repo):
    r = check("--baseline", "nope.json", "contracts", cwd=repo)
    assert r.returncode == 2 and "nope.json" in r.stderr


def test_write_baseline_with_an_unreadable_file_is_exit_2(repo):
    r = check("--write-baseline", "b.json", "contracts", "missing.txt", cwd=repo)
    assert r.returncode == 2 and "E001" in r.stdout
    assert json.loads((repo / "b.json").read_text(encoding="utf-8"))["findings"]


def test_baseline_with_json_report(repo):
    check("--write-baseline", "b.json", "contracts/bad.txt", cwd=repo)
    r = check("--baseline", "b.json", "--format", "json", "contracts", cwd=repo)
    report = json.loads(r.stdout)
    assert report["summary"]["suppressed"]["baseline"] >= 1
    assert [fr["path"] for fr in report["files"] if fr["findings"]] == ["contracts/second.md"]
