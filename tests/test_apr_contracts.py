"""The annualized-cost engine on whole contracts: the tricks that understate the rate are
named, with both figures and the formula, and the convention the contract names is the
one compared."""
from __future__ import annotations

import pytest

from fixture_cases import run
from conftest import fixture_path


def _apr(name):
    rep = run(str(fixture_path(name)))
    return rep, rep["facts"]["derived"]["apr"]


@pytest.mark.parametrize("name,trick", [
    ("u04", "daily_rate_times_days"),       # 万分之五 × 365 shown as 年化 on an instalment loan
    ("t06", "monthly_rate_times_12"),       # 0.6 %/month fee × 12 shown as 7.2 %
    ("u06", "face_principal"),              # rate on 15,000 although 14,100 was received
    ("u07", "fees_left_out"),               # guarantee + insurance per instalment left out
    ("t03", "fees_left_out"),
    ("u03", "simple_labelled_compound"),    # labelled IRR/复利 but it is the simple figure
])
def test_understatement_is_named(name, trick):
    rep, apr = _apr(name)
    assert trick in [d["kind"] for d in apr["diagnosis"]]
    a402 = [f for f in rep["findings"] if f["rule"] == "A402"]
    assert a402, "the understated rate must be reported"
    msg = a402[0]["message"]
    assert f"{apr['stated'] * 100:.2f}%" in msg and f"{apr['computed'] * 100:.2f}%" in msg
    assert "IRR" in msg


def test_monthly_interest_rate_times_12_on_a_declining_balance_is_not_called_a_trick():
    # 年利率（单利）12.00%，折合月利率1.00%, equal instalments: 12 % is the right nominal rate
    # for the interest; what it leaves out is the 账户管理费 of 24.00 per instalment
    rep, apr = _apr("bb01")
    kinds = [d["kind"] for d in apr["diagnosis"]]
    assert "fees_left_out" in kinds and "monthly_rate_times_12" not in kinds
    assert "× 12" not in [f for f in rep["findings"] if f["rule"] == "A402"][0]["message"].split("IRR")[0]


def test_within_tolerance_passes_and_half_point_fails():
    rep, apr = _apr("u14")          # 14.4 % stated, 14.4155 % computed: 0.0155 pp
    assert apr["gap"] < 0.001 and not [f for f in rep["findings"] if f["rule"] == "A402"]
    rep, apr = _apr("u11")          # 9.6 % stated, 10.1 % computed
    assert abs(apr["gap"] - 0.005) < 1e-4
    assert [f for f in rep["findings"] if f["rule"] == "A402"]


def test_convention_named_by_the_contract_is_compared():
    rep, apr = _apr("u01")          # labelled 单利 and right: clean
    assert apr["convention"] == "simple" and apr["gap"] < 0.001
    assert not {"A402", "A405"} & {f["rule"] for f in rep["findings"]}
    rep, apr = _apr("u02")          # same figure, no label: warning only
    codes = {f["rule"]: f["severity"] for f in rep["findings"]}
    assert codes.get("A405") == "warning" and "A402" not in codes


def test_pdf_contract_with_deduction():
    rep, apr = _apr("p07")
    assert {"A402", "A403", "D502"} <= {f["rule"] for f in rep["findings"]}
    flows = rep["facts"]["computed_apr"]["cash_flows"]
    assert flows[0]["amount"] == 7200.0   # 8,000 less the 800 service fee


def test_single_payment_unit_period_is_the_term():
    rep = run(str(fixture_path("u05")))      # 6,000 → 6,072 after 30 days
    apr = rep["facts"]["computed_apr"]
    assert apr["period"] == "term of 30 days"
    assert abs(apr["simple"] - 0.012 * 365 / 30) < 1e-6
    assert abs(apr["compound"] - (1.012 ** (365 / 30) - 1)) < 1e-6


def test_extract_shows_cash_flows_and_formula():
    rep = run(str(fixture_path("t03")))
    apr = rep["facts"]["computed_apr"]
    assert apr["cash_flows"][0]["t"] == 0 and apr["cash_flows"][0]["amount"] > 0
    assert all(c["amount"] < 0 for c in apr["cash_flows"][1:])
    assert "×" in apr["formula"] and apr["source"] == "schedule"
