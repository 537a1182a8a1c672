"""Every fixture contract gives exactly the findings and key facts its expected file
states (fixtures/expected/*.json, written from the rule definitions, not from output)."""
from __future__ import annotations

import pytest

from fixture_cases import cases, differences

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_fixture(case):
    diffs = differences(case)
    assert not diffs, "\n".join(diffs)


def test_every_rule_fires_somewhere_and_is_absent_somewhere():
    from linter.standard import load_standard

    codes = set(load_standard().rules)
    fired = {code: 0 for code in codes}
    for c in CASES:
        for code in c["expected_rules"]:
            fired[code] = fired.get(code, 0) + 1
    missing = sorted(code for code in codes if fired.get(code, 0) == 0)
    assert not missing, f"rules no fixture expects: {missing}"
    always = sorted(code for code, n in fired.items() if n == len(CASES))
    assert not always, f"rules every fixture expects: {always}"


def test_fixture_set_is_varied():
    formats = {c["format"] for c in CASES}
    encodings = {c.get("encoding") for c in CASES}
    assert len(CASES) >= 30
    assert {"txt", "md", "pdf"} <= formats
    assert {"gbk", "utf-8"} <= {e for e in encodings if e} | ({"gbk"} if "gb18030" in encodings else set())
    assert any(c.get("template") for c in CASES)
