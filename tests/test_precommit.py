"""The CI entry points as users run them: the real pre-commit tool against this checkout,
and the GitHub Action's run step."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import DATA, ROOT, fixture_path
from test_suppression import CLEAN

try:
    import pre_commit  # noqa: F401
    HAVE_PRE_COMMIT = True
except ImportError:
    HAVE_PRE_COMMIT = False

needs_pre_commit = pytest.mark.skipif(not HAVE_PRE_COMMIT, reason="pre-commit is not installed "
                                      "(pip install '.[test]')")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

GIT_ENV = {
    "GIT_AUTHOR_NAME": "loanlint tests", "GIT_AUTHOR_EMAIL": "tests@loanlint.invalid",
    "GIT_COMMITTER_NAME": "loanlint tests", "GIT_COMMITTER_EMAIL": "tests@loanlint.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args, cwd):
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, check=True)


def snapshot_of_this_checkout(dest):
    """A git repository holding this checkout's working tree (tracked and untracked,
    not ignored files), committed. ``pre-commit try-repo`` on the checkout itself would
    only see committed and modified tracked files; this tests what is on disk."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=False)
    if listed.returncode != 0:
        pytest.skip("this checkout is not a git repository")
    for rel in sorted(set(p for p in listed.stdout.decode("utf-8").split("\0") if p)):
        src = ROOT / rel
        if not src.is_file():  # deleted but still in the index
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "snapshot", cwd=dest)


def test_hook_manifest_is_accepted_by_pre_commit():
    if not HAVE_PRE_COMMIT:
        pytest.skip("pre-commit is not installed (pip install '.[test]')")
    from pre_commit.clientlib import load_manifest
    hooks = {h["id"]: h for h in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    hook = hooks["loanlint"]
    assert hook["language"] == "python"
    assert hook["require_serial"] is True and hook["pass_filenames"] is True
    assert hook["entry"].split()[:2] == ["loanlint", "check"]
    files = re.compile(hook["files"])
    for name in ("a.pdf", "b.txt", "c.md", "d/E.PDF", "合同.md"):
        assert files.search(name), name
    for name in ("a.py", "b.json", "c.md.orig"):
        assert not files.search(name), name


@needs_pre_commit
@needs_git
def test_pre_commit_try_repo_fails_on_bad_and_passes_on_good(tmp_path):
    hookrepo = tmp_path / "hookrepo"
    hookrepo.mkdir()
    snapshot_of_this_checkout(hookrepo)

    work = tmp_path / "work"
    work.mkdir()
    git("init", "-q", cwd=work)
    (work / "contracts").mkdir()
    (work / "contracts" / "bad.txt").write_bytes(fixture_path("t03").read_bytes())
    (work / "contracts" / "good.md").write_text(CLEAN, encoding="utf-8")
    (work / "notes.py").write_text("print('not a contract')\n", encoding="utf-8")
    git("add", "-A", cwd=work)

    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    env.pop("PRE_COMMIT", None)

    def try_repo(*args):
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hookrepo), "loanlint",
                               "--color", "never", "--verbose", *args], cwd=work, env=env, capture_output=True,
                              text=True, timeout=900)

    started = time.monotonic()
    bad = try_repo("--files", "contracts/bad.txt")
    first = time.monotonic() - started
    out = bad.stdout + bad.stderr
    if bad.returncode not in (0, 1) or "An unexpected error has occurred" in out:
        pytest.fail(f"pre-commit could not install or run the hook (exit {bad.returncode}):\n{out[-4000:]}")
    assert bad.returncode == 1, out
    assert "Failed" in out
    assert re.search(r"contracts/bad\.txt:\d+:\d+: D502 \[error\] ", out), out
    assert "notes.py" not in out

    # (try-repo uses a throw-away store: every call builds the hook environment again, ~10 s)
    good = try_repo("--files", "contracts/good.md", "notes.py")
    out = good.stdout + good.stderr
    assert good.returncode == 0, out
    assert "Passed" in out
    assert "good.md:" not in out
    print(f"pre-commit try-repo (builds the hook environment, then lints): {first:.1f}s")


def _action_step(name):
    yaml = pytest.importorskip("yaml")
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    for step in action["runs"]["steps"]:
        if step.get("name") == name:
            return action, step
    raise AssertionError(name)


def test_action_definition():
    action, install = _action_step("Install loanlint")
    assert {"paths", "standard", "format", "fail-on", "upload-sarif"} <= set(action["inputs"])
    assert '"$GITHUB_ACTION_PATH"' in install["run"] and "pip install" in install["run"]
    uploads = [s for s in action["runs"]["steps"] if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif")]
    assert uploads and "upload-sarif" in uploads[0]["if"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_action_run_step_writes_sarif_and_annotates(tmp_path):
    """The action's run step, executed as the runner would (loanlint already installed)."""
    import jsonschema

    _, step = _action_step("Run loanlint")
    work = tmp_path / "repo"
    (work / "contracts").mkdir(parents=True)
    (work / "contracts" / "bad.txt").write_bytes(fixture_path("t03").read_bytes())
    (work / "contracts" / "good.md").write_text(CLEAN, encoding="utf-8")
    outputs = tmp_path / "github_output"
    outputs.write_text("", encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "loanlint"
    shim.write_text(f"#!/bin/sh\nexec '{sys.executable}' -m linter \"$@\"\n", encoding="utf-8")
    shim.chmod(0o755)
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(outputs), "GITHUB_WORKSPACE": str(work),
           "LOANLINT_BIN": str(shim), "INPUT_PATHS": "contracts\n", "INPUT_STANDARD": "", "INPUT_FORMAT": "",
           "INPUT_OUTPUT": "", "INPUT_FAIL_ON": "", "INPUT_UPLOAD_SARIF": "true", "INPUT_ARGS": "--lang en",
           "PYTHONPATH": str(ROOT)}
    r = subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=work, env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr  # the step records the exit code; a later step fails the job
    got = dict(line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines() if "=" in line)
    assert got["exit-code"] == "1" and got["report"] == "loanlint.sarif"
    sarif = json.loads((work / "loanlint.sarif").read_text(encoding="utf-8"))
    schema = json.loads((DATA / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert re.search(r"^::error file=contracts/bad\.txt,line=\d+,col=\d+,title=", r.stdout, re.M), r.stdout
    assert re.search(r"^contracts/bad\.txt:\d+:\d+: D502 \[error\] ", r.stdout, re.M)
