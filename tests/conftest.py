import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DATA = Path(__file__).resolve().parent / "data"


def run_cli(*args, cwd=None, env=None, input=None):
    """Run the installed CLI in a fresh process, as users and CI do."""
    full_env = dict(os.environ)
    full_env.pop("GITHUB_ACTIONS", None)
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "linter", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=full_env, input=input, timeout=300)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def report_schema():
    return json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))


def fixture_path(name: str) -> Path:
    matches = sorted((FIXTURES / "contracts").glob(f"{name}*"))
    assert matches, name
    return matches[0]


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch, tmp_path_factory):
    """Each test gets an empty result cache (CLI runs inherit the variable), so no test
    can be answered from another test's run."""
    monkeypatch.setenv("LOANLINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
