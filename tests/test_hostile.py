"""Never crash, never hang, never lose a file: loanlint over the hostile corpus of
``fixtures/hostile`` (built once per session by ``fixtures/hostile/build.py``), and the
worker pool's time and memory limits with hangs and crashes forced on purpose."""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, fixture_path, run_cli

sys.path.insert(0, str(FIXTURES / "hostile"))
import build as hostile  # noqa: E402

from linter.worker import display_path  # noqa: E402

FORK = sys.platform != "win32" and "fork" in __import__("multiprocessing").get_all_start_methods()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """The hostile files (the 500-page PDF and the bombs included), built once."""
    out = tmp_path_factory.mktemp("hostile")
    built = hostile.build(out)
    yield out, built
    for entry in built:  # let pytest clean up what chmod 000 would keep
        p = out / entry["file"]
        if os.path.lexists(p) and not os.path.islink(p):
            os.chmod(p, 0o755 if p.is_dir() else 0o644)


def _no_traceback(r) -> None:
    for stream in (r.stdout, r.stderr):
        assert "Traceback" not in stream and 'File "' not in stream, stream[-2000:]


def _report(r) -> dict:
    assert r.stdout, r.stderr
    return json.loads(r.stdout)


def _by_path(report: dict) -> dict[str, dict]:
    return {f["path"]: f for f in report["files"]}


def _outcome(entry: dict) -> str:
    return entry["error"]["code"] if entry["status"] == "error" else "ok"


def test_manifest_and_builders_agree():
    assert hostile.check() == []
    codes = {e["expect"] for e in hostile.manifest()}
    from linter.errors import CATALOGUE
    assert codes <= set(CATALOGUE) | {"ok"}


def test_one_run_over_the_whole_corpus(corpus, report_schema):
    """One CLI run over the directory: every file is in the JSON report with its expected
    code, the run exits 2, nothing but the summary reaches stderr."""
    out, built = corpus
    t = time.monotonic()
    r = run_cli("check", "--format", "json", "--lang", "en", out)
    elapsed = time.monotonic() - t
    _no_traceback(r)
    assert r.returncode == 2
    report = _report(r)
    jsonschema.Draft202012Validator(report_schema).validate(report)
    files = _by_path(report)
    assert len(files) == len(report["files"]), "a file reported twice"
    wrong = {}
    for entry in built:
        path = display_path(str(out / entry["file"]))
        assert path in files, f"{entry['file']} is missing from the report"
        got = _outcome(files[path])
        if got != entry["expect"]:
            wrong[entry["file"]] = (entry["expect"], got, files[path].get("error"))
    assert not wrong, wrong
    assert len(files) == len(built)
    assert report["summary"]["files"] == len(built)
    assert report["summary"]["failed_files"] == sum(1 for e in built if e["expect"] != "ok")
    for f in report["files"]:
        if f["status"] == "error":
            assert f["error"]["message"] and not f["findings"]
    assert r.stderr.strip().count("\n") == 0, r.stderr  # only the summary line: no library noise
    assert elapsed < 90


def _alone_cases():
    for e in hostile.manifest():
        if e.get("slow"):
            continue  # the 500-page PDF: the whole-corpus run covers it
        yield pytest.param(e, id=e["file"])


@pytest.mark.parametrize("entry", list(_alone_cases()))
def test_each_file_alone(corpus, entry):
    """Each file on its own, text output: the exit code, the code on the file's line."""
    out, built = corpus
    if entry["file"] not in {e["file"] for e in built}:
        pytest.skip(hostile.applicable(entry)[1])
    path = out / entry["file"]
    r = run_cli("check", "--lang", "en", "--timeout", "30", path)
    _no_traceback(r)
    if entry["expect"] == "ok":
        assert r.returncode in (0, 1), r.stdout + r.stderr
        assert not any(f": E0" in line for line in r.stdout.splitlines()), r.stdout
    else:
        assert r.returncode == 2, r.stdout + r.stderr
        lines = r.stdout.strip().splitlines()
        assert len(lines) == 1, r.stdout
        assert lines[0].startswith(display_path(str(path)) + ":1:1: " + entry["expect"] + " [error] "), lines[0]


def test_timeout_stops_one_file_and_the_rest_complete(corpus):
    out, _ = corpus
    files = [out / "pdf-500-pages.pdf", fixture_path("t03"), out / "pdf-ok-reference.pdf", fixture_path("p07")]
    t = time.monotonic()
    r = run_cli("check", "--format", "json", "--lang", "en", "--timeout", "1", "--jobs", "1", *files)
    assert time.monotonic() - t < 30
    _no_traceback(r)
    assert r.returncode == 2
    report = _report(r)
    assert [_outcome(f) for f in report["files"]] == ["E006", "ok", "ok", "ok"]
    assert "--timeout" in report["files"][0]["error"]["message"]


def test_memory_limit_stops_one_file_and_the_rest_complete(corpus):
    if not hasattr(__import__("os"), "fork") or sys.platform == "darwin":
        pytest.skip("RLIMIT_AS is only enforced on Linux")
    out, _ = corpus
    r = run_cli("check", "--format", "json", "--lang", "en", "--max-memory", "16", "--jobs", "1",
                out / "pdf-500-pages.pdf", fixture_path("t03"))
    _no_traceback(r)
    assert r.returncode == 2
    assert [_outcome(f) for f in _report(r)["files"]] == ["E010", "ok"]


@pytest.mark.skipif(not FORK, reason="needs the fork start method (the patch must reach the workers)")
def test_time_and_memory_limits_catch_what_the_byte_scan_would(corpus, monkeypatch):
    """Without the byte scan, the self-reference hangs pdfminer and the bombs exhaust
    memory: the worker limits still turn them into E006/E010 and the run goes on."""
    import linter.load.pdfscan as pdfscan
    from linter.pipeline import Options
    from linter.worker import lint_all

    monkeypatch.setattr(pdfscan, "scan", lambda path: None)
    out, _ = corpus
    files = [out / "pdf-self-reference.pdf", out / "pdf-bomb-double-flate.pdf", fixture_path("t03"),
             out / "pdf-bomb-after-text.pdf", out / "pdf-ok-reference.pdf"]
    t = time.monotonic()
    reports = lint_all([str(f) for f in files], opts=Options(lang="en"), jobs=2, timeout=4, max_memory=512)
    assert [_outcome(r.model_dump()) for r in reports] == ["E006", "E010", "ok", "E010", "ok"]
    assert time.monotonic() - t < 40


def _misbehave(original):
    """A lint_file that does to its worker what a hostile file could."""
    def lint_file(path, std, opts):
        name = os.path.basename(path)
        if name.startswith("hang"):
            while True:
                time.sleep(1)
        if name.startswith("sigkill"):
            os.kill(os.getpid(), signal.SIGKILL)
        if name.startswith("segv"):
            os.kill(os.getpid(), signal.SIGSEGV)
        if name.startswith("exit"):
            os._exit(3)
        if name.startswith("memory"):
            raise MemoryError
        if name.startswith("traceback"):
            print("Traceback (most recent call last): noise a library printed", file=sys.stderr)
            print("noise on stdout", flush=True)
            os.write(1, b"raw noise on fd 1\n")
            os.write(2, b"Traceback (most recent call last): raw noise on fd 2\n")
            raise ZeroDivisionError("bug")
        return original(path, std, opts)
    return lint_file


@pytest.mark.skipif(not FORK, reason="needs the fork start method (the patch must reach the workers)")
def test_every_way_a_worker_can_die_is_a_report_and_the_pool_recovers(tmp_path, monkeypatch, capfd):
    import linter.pipeline
    from linter.pipeline import Options
    from linter.worker import lint_all

    monkeypatch.setattr(linter.pipeline, "lint_file", _misbehave(linter.pipeline.lint_file))
    good = fixture_path("t03").read_bytes()
    names = ["a-good.txt", "hang.txt", "b-good.txt", "sigkill.txt", "segv.txt", "c-good.txt", "exit.txt",
             "memory.txt", "traceback.txt", "d-good.txt", "hang2.txt", "e-good.txt"]
    for n in names:
        (tmp_path / n).write_bytes(good)
    t = time.monotonic()
    reports = lint_all([str(tmp_path / n) for n in names], opts=Options(lang="en"), jobs=2, timeout=3,
                       max_memory=1024)
    assert time.monotonic() - t < 30
    assert [Path(r.path).name for r in reports] == names  # input order, nothing lost
    got = dict(zip(names, (_outcome(r.model_dump()) for r in reports)))
    assert got == {"a-good.txt": "ok", "hang.txt": "E006", "b-good.txt": "ok", "sigkill.txt": "E010",
                   "segv.txt": "E010", "c-good.txt": "ok", "exit.txt": "E099", "memory.txt": "E010",
                   "traceback.txt": "E099", "d-good.txt": "ok", "hang2.txt": "E006", "e-good.txt": "ok"}
    assert all(r.findings for r in reports if r.status == "ok")
    captured = capfd.readouterr()  # workers' output never reaches the user
    assert "Traceback" not in captured.err and "noise" not in captured.out, captured


def test_spawned_workers_give_the_same_answers(corpus):
    """Where fork is unavailable (Windows, or forced here) workers are spawned and load
    the standard themselves: same reports, same limits."""
    out, _ = corpus
    files = [out / "pdf-self-reference.pdf", fixture_path("t03"), out / "pdf-500-pages.pdf",
             out / "txt-mixed-encodings.txt", out / "pdf-encrypted-owner-only.pdf"]
    # the careful PDF engine keeps the 500-page file well over the 3 s limit on any machine
    r = run_cli("check", "--format", "json", "--timeout", "3", "--jobs", "2", *files,
                env={"LOANLINT_START_METHOD": "spawn", "LOANLINT_PDF_ENGINE": "pdfplumber"})
    _no_traceback(r)
    assert r.returncode == 2
    assert [_outcome(f) for f in _report(r)["files"]] == ["E004", "ok", "E006", "E007", "ok"]
    r = run_cli("check", fixture_path("t03"), env={"LOANLINT_START_METHOD": "spawn"})  # in-process
    assert r.returncode == 1 and " D502 " in r.stdout


def test_same_file_given_twice_is_reported_once(tmp_path):
    path = fixture_path("t03")
    link = tmp_path / "link.txt"
    try:
        link.symlink_to(path)
    except OSError:
        link = path
    r = run_cli("check", "--format", "json", path, str(path), f"{path.parent}/./{path.name}", link, path.parent)
    report = _report(r)
    paths = [f["path"] for f in report["files"]]
    assert sum(1 for p in paths if p.endswith(path.name) or p.endswith("link.txt")) == 1, paths


def test_missing_file_is_reported_and_the_others_linted(tmp_path):
    r = run_cli("check", "--format", "json", tmp_path / "nope.pdf", fixture_path("t03"), tmp_path / "nope.txt")
    _no_traceback(r)
    assert r.returncode == 2
    assert [_outcome(f) for f in _report(r)["files"]] == ["E001", "ok", "E001"]


@pytest.mark.skipif(not hostile.permissions_enforced(),
                    reason="running as root (euid 0): file permissions are not enforced, chmod 000 files stay readable")
def test_unreadable_file_and_directory(tmp_path):
    f = tmp_path / "secret.txt"
    f.write_bytes(fixture_path("t03").read_bytes())
    d = tmp_path / "locked"
    d.mkdir()
    (d / "inside.txt").write_bytes(fixture_path("t03").read_bytes())
    os.chmod(f, 0)
    os.chmod(d, 0)
    try:
        r = run_cli("check", "--format", "json", tmp_path)
    finally:
        os.chmod(f, 0o644)
        os.chmod(d, 0o755)
    _no_traceback(r)
    assert r.returncode == 2
    files = _by_path(_report(r))
    assert _outcome(files[str(f)]) == "E001" and _outcome(files[str(d)]) == "E001"


@pytest.mark.skipif(sys.platform == "win32" or sys.platform == "darwin",
                    reason="file names are bytes only on Linux-like systems")
def test_non_utf8_file_name_gives_valid_json_and_text(tmp_path):
    raw = os.fsencode(str(tmp_path)) + b"/\xe5\x90\x88\xff\xfe.txt"
    with open(raw, "wb") as fh:
        fh.write(fixture_path("t03").read_bytes())
    r = run_cli("check", "--format", "json", tmp_path)
    _no_traceback(r)
    report = _report(r)
    assert report["files"][0]["path"].endswith("合\\xff\\xfe.txt")
    assert report["files"][0]["status"] == "ok" and report["files"][0]["findings"]
    r = run_cli("check", raw.decode("utf-8", "surrogateescape"))
    _no_traceback(r)
    assert r.returncode == 1 and "合\\xff\\xfe.txt:" in r.stdout


def test_symlink_loops_do_not_hang_directory_walks(tmp_path):
    if not hasattr(os, "symlink"):
        pytest.skip("no symbolic links")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_bytes(fixture_path("t03").read_bytes())
    os.symlink(tmp_path, tmp_path / "sub" / "loop")          # directory loop
    os.symlink("self.txt", tmp_path / "sub" / "self.txt")     # file loop
    r = run_cli("check", "--format", "json", tmp_path, tmp_path / "sub" / "loop" / "sub" / "a.txt")
    _no_traceback(r)
    files = _report(r)["files"]
    assert sorted(_outcome(f) for f in files) == ["E001", "ok"], files


def test_two_dangling_links_to_one_missing_target(tmp_path):
    if not hasattr(os, "symlink"):
        pytest.skip("no symbolic links")
    os.symlink("gone.pdf", tmp_path / "a.pdf")
    os.symlink("gone.pdf", tmp_path / "b.pdf")
    r = run_cli("check", "--format", "json", tmp_path)
    assert sorted(Path(f["path"]).name for f in _report(r)["files"]) == ["a.pdf", "b.pdf"]


def test_time_limit_holds_for_a_single_text_file_linted_in_process(tmp_path):
    """One small text file is linted in the reporting process (no worker): --timeout
    must still stop it, as E006, with the usual exit code."""
    big = tmp_path / "long-contract.txt"
    clause = fixture_path("t03").read_bytes().decode("utf-8", "replace")
    big.write_text((clause * 40)[:300_000], encoding="utf-8")
    r = run_cli("check", "--format", "json", "--timeout", "0.005", big)
    _no_traceback(r)
    assert r.returncode == 2
    assert [_outcome(f) for f in _report(r)["files"]] == ["E006"]
    r = run_cli("check", "--format", "json", big)
    assert [_outcome(f) for f in _report(r)["files"]] == ["ok"]
