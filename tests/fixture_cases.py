"""Shared reading of ``fixtures/expected/*.json`` for the tests (and for a quick
``python tests/fixture_cases.py`` report of every difference)."""
from __future__ import annotations

import json
import re
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
MONEY_TOL = 0.01
RATE_TOL = 0.0001


def cases() -> list[dict]:
    out = []
    for p in sorted((FIXTURES / "expected").glob("*.json")):
        case = json.loads(p.read_text(encoding="utf-8"))
        case["_path"] = str(FIXTURES / case["file"])
        out.append(case)
    return out


@lru_cache(maxsize=None)
def run(path: str) -> dict:
    from linter.pipeline import Options, lint_file
    from linter.standard import load_standard
    report = lint_file(path, _std(), Options(lang="en"))
    return report.model_dump(mode="json")


@lru_cache(maxsize=1)
def _std():
    from linter.standard import load_standard
    return load_standard()


def _num(v):
    if isinstance(v, dict):
        return v.get("amount", v.get("value"))
    return v


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"[（(].*?[）)]", "", s))


def fee_found(expected: dict, got: list[dict]) -> bool:
    a = _norm(expected["name"])
    for g in got:
        b = _norm(g.get("name", ""))
        if not (a and b and (a == b or a in b or b in a)):
            continue
        if expected.get("amount") == "placeholder":
            return bool(g.get("placeholder"))
        if expected.get("amount") is None:
            return True
        amounts = [expected["amount"]] + ([expected["amount_total"]] if expected.get("amount_total") else [])
        if any(g.get(k) is not None and abs(g[k] - x) <= MONEY_TOL for k in ("amount", "amount_total") for x in amounts):
            return True
        if expected.get("rate") is not None and g.get("rate") is not None and abs(g["rate"] - expected["rate"]) < 1e-6:
            return True
    return False


def value_ok(expected, got) -> bool:
    if expected == "placeholder":
        return isinstance(got, dict) and got.get("placeholder") is True
    if expected is None:
        return got is None
    v = _num(got)
    tol = RATE_TOL if isinstance(expected, float) and expected < 1 else MONEY_TOL
    return isinstance(v, (int, float)) and abs(v - expected) <= tol


def differences(case: dict) -> list[str]:
    rep = run(case["_path"])
    out = []
    if rep["status"] != "ok":
        return [f"status {rep['status']}: {rep['error']}"]
    got_rules = {f["rule"] for f in rep["findings"]}
    exp_rules = set(case["expected_rules"])
    if got_rules != exp_rules:
        out.append(f"rules: missing {sorted(exp_rules - got_rules)} extra {sorted(got_rules - exp_rules)}")
    facts = rep["facts"]
    ef = case["facts"]
    for key in ("principal", "disbursed_amount", "stated_apr", "total_repayment"):
        if key in ef and not value_ok(ef[key], facts.get(key)):
            out.append(f"{key}: expected {ef[key]} got {_num(facts.get(key)) if not (isinstance(facts.get(key), dict) and facts[key].get('placeholder')) else 'placeholder'}")
    for fee in ef.get("fees", []):
        if not fee_found(fee, facts.get("fees", [])):
            out.append(f"fee missing: {fee['name']} {fee.get('amount')} (got {[(g['name'], g['amount'], g['amount_total'], g['rate']) for g in facts['fees']]})")
    exp_names = [_norm(f["name"]) for f in ef.get("fees", [])]
    for g in facts.get("fees", []):
        b = _norm(g["name"])
        if not any(a == b or a in b or b in a for a in exp_names):
            out.append(f"fee extra: {g['name']}")
    flags = {"has_cost_breakdown": facts["cost_breakdown"]["present"],
             "has_repayment_example": facts["repayment_example"]["present"],
             "has_second_confirmation": any(c["kind"] == "second_confirmation" for c in facts["confirmations"])}
    for k, v in flags.items():
        if k in ef and ef[k] != v:
            out.append(f"{k}: expected {ef[k]} got {v}")
    if ef.get("repayment_method") and facts.get("repayment_method") != ef["repayment_method"]:
        out.append(f"repayment_method: expected {ef['repayment_method']} got {facts.get('repayment_method')}")
    apr = facts.get("computed_apr") or {}
    if ef.get("true_apr_simple") is not None:
        if apr.get("simple") is None or abs(apr["simple"] - ef["true_apr_simple"]) > 0.0005:
            out.append(f"true_apr_simple: expected {ef['true_apr_simple']} got {apr.get('simple')} ({apr.get('skipped')})")
    for code, locs in (case.get("locations") or {}).items():
        got_locs = [f["location"] for f in rep["findings"] if f["rule"] == code]
        for loc in locs:
            if not any(g["line"] == loc["line"] and (loc.get("page") is None or g.get("page") == loc["page"]) for g in got_locs):
                out.append(f"location {code}: expected {loc} got {got_locs}")
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    bad = 0
    selected = sys.argv[1:]
    for case in cases():
        if selected and not any(s in case["id"] for s in selected):
            continue
        diffs = differences(case)
        if diffs:
            bad += 1
            print(f"{case['id']}:")
            for d in diffs:
                print(f"    {d}")
    print(f"{bad} fixture(s) with differences")
