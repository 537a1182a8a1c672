"""Result cache: a warm run answers from the cache with the same report as a fresh lint;
any change to the file, the standard or the options is a miss; a corrupt or unwritable
cache is ignored; where the cache lives follows --cache-dir, LOANLINT_CACHE_DIR, the
configuration and the configuration root."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import fixture_path, run_cli


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    (root / "contracts").mkdir(parents=True)
    shutil.copy(fixture_path("t03"), root / "contracts" / "deducted.txt")
    shutil.copy(fixture_path("t01"), root / "contracts" / "clean.txt")
    shutil.copy(fixture_path("p07"), root / "contracts" / "deducted.pdf")
    (root / "contracts" / "empty.txt").write_text("   \n", encoding="utf-8")
    return root


def check(*args, cwd, cache=None, env=None):
    env = dict(env or {})
    if cache is not None:
        env["LOANLINT_CACHE_DIR"] = str(cache)
    return run_cli("check", "--isolated", "--lang", "en", "--format", "json", *args, cwd=cwd, env=env)


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("v*/*/*.json"))


def test_warm_run_gives_the_same_report_from_the_cache(project, tmp_path):
    cache = tmp_path / "c"
    fresh = check("--no-cache", "contracts", cwd=project, cache=cache)
    assert not cache.exists(), "--no-cache must not write a cache"
    cold = check("contracts", cwd=project, cache=cache)
    assert len(entries(cache)) == 4  # linted files and the content error (E002) are kept
    # served from the cache: an entry edited by hand shows up in the report
    for e in entries(cache):
        data = json.loads(e.read_text(encoding="utf-8"))
        for f in data["findings"]:
            f["message"] = "FROM CACHE " + f["message"]
        e.write_text(json.dumps(data), encoding="utf-8")
    warm = check("contracts", cwd=project, cache=cache)
    assert (fresh.returncode, cold.returncode, warm.returncode) == (2, 2, 2)
    assert json.loads(fresh.stdout) == json.loads(cold.stdout)
    msgs = [f["message"] for fr in json.loads(warm.stdout)["files"] for f in fr["findings"]]
    assert msgs and all(m.startswith("FROM CACHE ") for m in msgs)
    assert (cache / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")
    assert (cache / "CACHEDIR.TAG").read_text(encoding="utf-8").startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_an_edited_file_is_linted_again(project, tmp_path):
    cache = tmp_path / "c"
    target = project / "contracts" / "clean.txt"
    first = json.loads(check(str(target), cwd=project, cache=cache).stdout)
    assert first["files"][0]["findings"] == []
    text = target.read_text(encoding="gb18030")  # t01 is a GBK file
    assert "年化利率" in text
    target.write_text(text.replace("年化利率", "日利率", 1), encoding="gb18030")
    second = json.loads(check(str(target), cwd=project, cache=cache).stdout)
    assert second == json.loads(check("--no-cache", str(target), cwd=project).stdout)
    assert second != first
    assert len(entries(cache)) == 2


def test_options_and_standard_are_part_of_the_key(project, tmp_path):
    cache = tmp_path / "c"
    target = project / "contracts" / "deducted.txt"
    en = json.loads(check(str(target), cwd=project, cache=cache).stdout)
    zh = json.loads(run_cli("check", "--isolated", "--format", "json", "--lang", "zh", str(target), cwd=project,
                            env={"LOANLINT_CACHE_DIR": str(cache)}).stdout)
    assert en["files"][0]["findings"][0]["message"] != zh["files"][0]["findings"][0]["message"]
    ignored = json.loads(check("--ignore", "D502", str(target), cwd=project, cache=cache).stdout)
    assert "D502" in {f["rule"] for f in en["files"][0]["findings"]}
    assert "D502" not in {f["rule"] for f in ignored["files"][0]["findings"]}
    # a user standard with another cap is another standard
    std = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "standards"
                      / "cn-consumer-loan.schema.json").read_text(encoding="utf-8"))
    std["x-parameters"]["apr_cap"]["value"] = 5.0
    (tmp_path / "lenient.json").write_text(json.dumps(std), encoding="utf-8")
    lenient = json.loads(check("--standard", str(tmp_path / "lenient.json"), str(target), cwd=project,
                               cache=cache).stdout)
    assert "A403" in {f["rule"] for f in en["files"][0]["findings"]}
    assert "A403" not in {f["rule"] for f in lenient["files"][0]["findings"]}
    assert len(entries(cache)) == 4


def test_a_copied_file_is_a_hit_with_its_own_name_and_fingerprints(project, tmp_path):
    cache = tmp_path / "c"
    first = json.loads(check("contracts/deducted.txt", cwd=project, cache=cache).stdout)
    shutil.copy(project / "contracts" / "deducted.txt", project / "copy.txt")
    copy = json.loads(check("copy.txt", cwd=project, cache=cache).stdout)
    assert len(entries(cache)) == 1
    fresh = json.loads(check("--no-cache", "copy.txt", cwd=project).stdout)
    assert copy == fresh
    assert copy["files"][0]["path"] == "copy.txt"
    assert {f["fingerprint"] for f in copy["files"][0]["findings"]}.isdisjoint(
        f["fingerprint"] for f in first["files"][0]["findings"])


@pytest.mark.parametrize("damage", [b"", b"{not json", b"\x00\xff" * 50, b'{"status": "ok"}',
                                    b'{"path":"x","status":"error","error":{"code":"E002"}}'])
def test_a_corrupt_entry_is_a_miss(project, tmp_path, damage):
    cache = tmp_path / "c"
    target = "contracts/deducted.txt"
    good = check(target, cwd=project, cache=cache)
    [entry] = entries(cache)
    entry.write_bytes(damage)
    again = check(target, cwd=project, cache=cache)
    assert again.returncode == good.returncode == 1
    assert json.loads(again.stdout) == json.loads(good.stdout)
    assert "Traceback" not in again.stderr
    assert json.loads(entry.read_text(encoding="utf-8"))["status"] == "ok"  # rewritten


def test_an_unusable_cache_directory_never_fails_the_run(project, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache should be", encoding="utf-8")
    r = check("contracts/deducted.txt", cwd=project, cache=blocker)
    assert r.returncode == 1
    assert json.loads(r.stdout)["files"][0]["status"] == "ok"
    assert "Traceback" not in r.stderr


def test_where_the_cache_lives(project, tmp_path):
    env = {"LOANLINT_CACHE_DIR": ""}
    # default: .loanlint_cache beside the configuration file, wherever the run starts
    (project / "loanlint.toml").write_text('lang = "en"\n', encoding="utf-8")
    r = run_cli("check", "deducted.txt", cwd=project / "contracts", env=env)
    assert r.returncode == 1, r.stderr
    assert entries(project / ".loanlint_cache")
    assert not (project / "contracts" / ".loanlint_cache").exists()
    # the configuration's cache-dir, relative to the file
    (project / "loanlint.toml").write_text('cache-dir = "build/lint-cache"\n', encoding="utf-8")
    run_cli("check", "contracts/deducted.txt", cwd=project, env=env)
    assert entries(project / "build" / "lint-cache")
    # the environment beats the configuration, --cache-dir beats both
    run_cli("check", "contracts/deducted.txt", cwd=project, env={"LOANLINT_CACHE_DIR": str(tmp_path / "env")})
    assert entries(tmp_path / "env")
    run_cli("check", "--cache-dir", str(tmp_path / "opt"), "contracts/deducted.txt", cwd=project,
            env={"LOANLINT_CACHE_DIR": str(tmp_path / "env2")})
    assert entries(tmp_path / "opt") and not (tmp_path / "env2").exists()


def test_clean_removes_the_cache_and_only_a_cache(project, tmp_path):
    cache = tmp_path / "c"
    check("contracts", cwd=project, cache=cache)
    assert entries(cache)
    r = run_cli("clean", "--cache-dir", str(cache), cwd=project)
    assert r.returncode == 0 and not cache.exists()
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "notes.txt").write_text("keep", encoding="utf-8")
    r = run_cli("clean", "--cache-dir", str(tmp_path / "precious"), cwd=project)
    assert r.returncode == 2 and "not a loanlint cache" in r.stderr
    assert (tmp_path / "precious" / "notes.txt").exists()
