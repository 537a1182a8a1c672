"""Configuration: [tool.loanlint] in pyproject.toml or loanlint.toml, found by walking up
from each checked file (closest wins); command-line options win; mistakes are exit 2."""
from __future__ import annotations

import json
import re

import pytest

from conftest import fixture_path, run_cli
from test_suppression import NO_SECOND

CODE = re.compile(r": ([A-Z][A-Z0-9]+) \[")


def codes(r):
    return sorted({m.group(1) for m in map(CODE.search, r.stdout.splitlines()) if m})


@pytest.fixture
def project(tmp_path):
    """tmp/proj/{pyproject.toml?, contracts/{bad.txt, second.md, legacy/old.txt, drafts/d.md}}"""
    root = tmp_path / "proj"
    (root / "contracts" / "legacy").mkdir(parents=True)
    (root / "contracts" / "drafts").mkdir()
    (root / "contracts" / "bad.txt").write_bytes(fixture_path("t03").read_bytes())
    (root / "contracts" / "second.md").write_text(NO_SECOND, encoding="utf-8")
    (root / "contracts" / "legacy" / "old.txt").write_bytes(fixture_path("t03").read_bytes())
    (root / "contracts" / "drafts" / "d.md").write_text(NO_SECOND, encoding="utf-8")
    return root


def baseline_codes(project):
    r = run_cli("check", "--isolated", project / "contracts" / "bad.txt")
    found = codes(r)
    assert {"D502"} <= set(found), r.stdout
    return found


def test_pyproject_found_by_walking_up_from_the_checked_path(project, tmp_path):
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.loanlint]\nignore = ["D5"]\n',
                                            encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = run_cli("check", project / "contracts" / "bad.txt", cwd=elsewhere)
    assert "D502" not in codes(r) and codes(r), r.stdout
    r = run_cli("check", "bad.txt", cwd=project / "contracts")
    assert "D502" not in codes(r)


def test_pyproject_without_the_table_is_skipped(project):
    (project / "loanlint.toml").write_text('ignore = ["D502"]\n', encoding="utf-8")
    (project / "contracts" / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    r = run_cli("check", project / "contracts" / "bad.txt")
    assert "D502" not in codes(r)


def test_closest_configuration_wins(project):
    (project / "loanlint.toml").write_text('ignore = ["D502"]\n', encoding="utf-8")
    (project / "contracts" / "legacy" / "loanlint.toml").write_text('select = ["D5"]\n', encoding="utf-8")
    r = run_cli("check", project / "contracts")
    lines = r.stdout.splitlines()
    assert not [x for x in lines if "bad.txt" in x and " D502 " in x]
    legacy = {CODE.search(x).group(1) for x in lines if "old.txt" in x}
    assert legacy == {"D502"}, r.stdout


def test_loanlint_toml_beats_pyproject_in_the_same_directory(project):
    (project / "pyproject.toml").write_text('[tool.loanlint]\nignore = ["A4"]\n', encoding="utf-8")
    (project / "loanlint.toml").write_text('ignore = ["D502"]\n', encoding="utf-8")
    r = run_cli("check", project / "contracts" / "bad.txt")
    assert "D502" not in codes(r) and any(c.startswith("A4") for c in codes(r))


def test_command_line_wins(project):
    (project / "loanlint.toml").write_text('select = ["D5"]\nfail-on = "never"\nlang = "en"\nformat = "json"\n',
                                           encoding="utf-8")
    bad = project / "contracts" / "bad.txt"
    r = run_cli("check", bad)
    assert r.returncode == 0  # fail-on never
    report = json.loads(r.stdout)  # format json
    assert {f["rule"] for fr in report["files"] for f in fr["findings"]} == {"D502"}
    assert "Checked" in r.stderr  # lang en
    r = run_cli("check", "--select", "A", "--fail-on", "error", "--lang", "zh", "--format", "text", bad)
    assert r.returncode == 1
    assert codes(r) and all(c.startswith("A") for c in codes(r))
    assert "检查了" in r.stderr


def test_extend_select_and_ignore_layering(project):
    (project / "loanlint.toml").write_text('select = ["D5"]\n', encoding="utf-8")
    bad = project / "contracts" / "bad.txt"
    r = run_cli("check", "--extend-select", "A40", bad)
    assert set(codes(r)) >= {"D502"} and any(c.startswith("A40") for c in codes(r))
    r = run_cli("check", "--ignore", "D502", bad)
    assert codes(r) == []


def test_per_file_ignores(project):
    (project / "pyproject.toml").write_text(
        '[tool.loanlint.per-file-ignores]\n"contracts/legacy/*" = ["D5", "A"]\n"*.md" = ["S301"]\n', encoding="utf-8")
    r = run_cli("check", project / "contracts")
    lines = r.stdout.splitlines()
    assert not [x for x in lines if "old.txt" in x]
    assert [x for x in lines if "bad.txt" in x and " D502 " in x]
    assert not [x for x in lines if ".md:" in x]


def test_include_and_exclude(project):
    (project / "loanlint.toml").write_text('exclude = ["drafts", "contracts/legacy/**"]\ninclude = ["*.md"]\n',
                                           encoding="utf-8")
    r = run_cli("check", "--lang", "en", project / "contracts")
    paths = {x.split(":")[0].rsplit("/", 1)[-1] for x in r.stdout.splitlines()}
    assert paths == {"second.md"}, r.stdout
    assert "Checked 1 file" in r.stderr
    # an excluded file named on the command line (pre-commit passes names) is skipped too
    r = run_cli("check", "--lang", "en", project / "contracts" / "drafts" / "d.md")
    assert r.returncode == 0 and "Checked 0 files" in r.stderr


def test_apr_overrides_reach_the_standard(project):
    bad = project / "contracts" / "bad.txt"
    assert "A403" in baseline_codes(project)
    (project / "loanlint.toml").write_text("apr-cap = 0.40\n", encoding="utf-8")
    assert "A403" not in codes(run_cli("check", bad))
    (project / "loanlint.toml").write_text("apr-tolerance = 0.5\n", encoding="utf-8")
    assert "A402" not in codes(run_cli("check", bad))
    assert "A402" in codes(run_cli("check", "--isolated", bad))


def test_standard_path_is_relative_to_the_configuration(project):
    std = {"$schema": "https://json-schema.org/draft/2020-12/schema", "x-standard": {"id": "house", "version": "1"},
           "type": "object",
           "properties": {"principal": {"properties": {"amount": {"maximum": 1000, "x-rule": {
               "code": "H001", "name": "loan-too-large", "severity": "error",
               "message": {"zh": "借款金额过大", "en": "principal too large"}}}}}}}
    (project / "standards").mkdir()
    (project / "standards" / "house.json").write_text(json.dumps(std), encoding="utf-8")
    (project / "loanlint.toml").write_text('standard = "standards/house.json"\n', encoding="utf-8")
    r = run_cli("check", "--format", "json", project / "contracts" / "bad.txt", cwd=project / "contracts")
    report = json.loads(r.stdout)
    assert report["standard"]["id"] == "house"
    assert {f["rule"] for fr in report["files"] for f in fr["findings"]} == {"H001"}
    # codes are checked against the standard the configuration uses
    (project / "loanlint.toml").write_text('standard = "standards/house.json"\nignore = ["D502"]\n', encoding="utf-8")
    r = run_cli("check", project / "contracts" / "bad.txt")
    assert r.returncode == 2 and "D502" in r.stderr
    (project / "loanlint.toml").write_text('standard = "standards/nope.json"\n', encoding="utf-8")
    r = run_cli("check", project / "contracts" / "bad.txt")
    assert r.returncode == 2 and "invalid standard" in r.stderr and "loanlint.toml" in r.stderr


def test_config_option_and_isolated(project, tmp_path):
    cfg = tmp_path / "custom.toml"
    cfg.write_text('select = ["D"]\n', encoding="utf-8")
    (project / "loanlint.toml").write_text('ignore = ["D"]\n', encoding="utf-8")
    bad = project / "contracts" / "bad.txt"
    assert codes(run_cli("check", "--config", cfg, bad)) == ["D502"]
    assert codes(run_cli("check", bad)) and "D502" not in codes(run_cli("check", bad))
    assert "D502" in codes(run_cli("check", "--isolated", bad))
    r = run_cli("check", "--config", tmp_path / "missing.toml", bad)
    assert r.returncode == 2 and "missing.toml" in r.stderr


@pytest.mark.parametrize("name, text, key", [
    ("loanlint.toml", 'selct = ["A"]\n', "selct"),
    ("loanlint.toml", 'select = ["Z9"]\n', "select"),
    ("loanlint.toml", 'ignore = "A402"\n', "ignore"),
    ("loanlint.toml", 'extend-select = ["Q"]\n', "extend-select"),
    ("loanlint.toml", '[per-file-ignores]\n"*.md" = ["S999"]\n', "per-file-ignores"),
    ("loanlint.toml", '[per-file-ignores]\n"*.md" = "S301"\n', "per-file-ignores"),
    ("loanlint.toml", 'fail-on = "sometimes"\n', "fail-on"),
    ("loanlint.toml", 'lang = "fr"\n', "lang"),
    ("loanlint.toml", 'format = "xml"\n', "format"),
    ("loanlint.toml", 'apr-cap = 24\n', "apr-cap"),
    ("loanlint.toml", 'apr-tolerance = "0.1"\n', "apr-tolerance"),
    ("loanlint.toml", 'apr-tolerance = true\n', "apr-tolerance"),
    ("loanlint.toml", 'include = "*.md"\n', "include"),
    ("loanlint.toml", 'exclude = [1]\n', "exclude"),
    ("loanlint.toml", 'standard = 3\n', "standard"),
    ("loanlint.toml", '[tool.loanlint]\nselect = ["A"]\n', "tool"),
    ("pyproject.toml", '[tool.loanlint]\nfail_on = "error"\n', "fail_on"),
    ("pyproject.toml", '[tool]\nloanlint = 3\n', "tool.loanlint"),
])
def test_configuration_mistakes_are_exit_2_naming_key_and_file(project, name, text, key):
    (project / name).write_text(text, encoding="utf-8")
    r = run_cli("check", project / "contracts" / "bad.txt")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert str(project / name) in r.stderr and f"`{key}`" in r.stderr, r.stderr
    assert r.stdout == ""  # nothing linted


def test_invalid_toml_is_exit_2(project):
    (project / "loanlint.toml").write_text("select = [\n", encoding="utf-8")
    r = run_cli("check", project / "contracts" / "bad.txt")
    assert r.returncode == 2 and "not valid TOML" in r.stderr and "loanlint.toml" in r.stderr


def test_hint_for_misspelt_key(project):
    (project / "loanlint.toml").write_text('per_file_ignores = {}\n', encoding="utf-8")
    r = run_cli("check", project / "contracts" / "bad.txt")
    assert "did you mean `per-file-ignores`" in r.stderr


def test_unknown_code_on_the_command_line_is_exit_2(project):
    r = run_cli("check", "--isolated", "--select", "Q1", project / "contracts" / "bad.txt")
    assert r.returncode == 2 and "Q1" in r.stderr


def test_glob_matching():
    from linter.config import glob_match_path as m
    assert m("contracts/a.pdf", ["*.pdf"])
    assert m("contracts/legacy/a.pdf", ["contracts/legacy/*"])
    assert not m("contracts/legacy/x/a.pdf", ["contracts/legacy/*"], whole_only=True)
    assert m("contracts/legacy/x/a.pdf", ["contracts/legacy/*"])  # parent directory matched
    assert m("a/b/c/d.md", ["a/**/d.md"]) and m("a/d.md", ["a/**/d.md"])
    assert m("drafts/x.md", ["drafts"]) and m("a/drafts/x.md", ["drafts"])
    assert not m("a/drafts2/x.md", ["drafts"])
    assert m("x/合同.md", ["*.md"]) and m("x/a1.txt", ["a[0-9].txt"])
    assert not m("contracts/a.pdf", ["/a.pdf"])


def test_enabled_codes_layering():
    from linter.config import enabled_codes
    known = ["A401", "A402", "D501", "D502", "S301"]
    assert enabled_codes(known, [{}, {}]) == set(known)
    assert enabled_codes(known, [{"select": ("D",)}, {"extend-select": ("S",)}]) == {"D501", "D502", "S301"}
    assert enabled_codes(known, [{"ignore": ("D",)}, {"select": ("ALL",)}]) == set(known)
    assert enabled_codes(known, [{"select": ("A",)}, {"ignore": ("A402",)}], ("A401",)) == set()
    assert enabled_codes(known, [{"select": ()}, {"select": None}]) == set()  # select = [] selects nothing


def test_an_unreadable_directory_has_no_configuration(tmp_path, monkeypatch):
    """Discovery looks for configuration files in every directory above a checked file;
    a directory it may not look into (EACCES, as for a non-root user) counts as holding
    none instead of ending the run with a traceback."""
    import pathlib

    from linter.config import Resolver

    locked = tmp_path / "locked"
    locked.mkdir()
    (tmp_path / "loanlint.toml").write_text('lang = "en"\n', encoding="utf-8")
    real_is_file = pathlib.Path.is_file

    def is_file(self):
        if self.parent == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(pathlib.Path, "is_file", is_file)
    cfg = Resolver().for_path(str(locked / "contract.txt"))
    assert cfg.path == tmp_path / "loanlint.toml" and cfg.get("lang") == "en"
