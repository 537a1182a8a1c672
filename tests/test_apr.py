"""The annualized-rate engine against regulators' printed examples and an independent IRR."""
from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA
from linter.derive.apr import AprError, compound, effective_365, irr, simple

VECTORS = json.loads((DATA / "apr-vectors.json").read_text(encoding="utf-8"))["vectors"]


def _flows(v):
    sched = v["schedule"]
    if "dated" in sched:
        d0 = date.fromisoformat(sched["dated"][0][0])
        days = [(date.fromisoformat(d) - d0).days for d, _ in sched["dated"]]
        amounts = [-a for _, a in sched["dated"]]  # borrower's view: money in positive
        return amounts, days
    amounts = [float(v["disbursed"])]
    for amount, count in sched["payments"]:
        amounts += [-float(amount)] * count
    return amounts, None


def _periods_per_year(v):
    period = v["schedule"].get("period")
    if period == "term":
        return 365 / v["schedule"]["term_days"]
    return {"month": 12, "year": 1, "week": 52, "day": 365}[period]


@pytest.mark.parametrize("v", VECTORS, ids=[v["id"] for v in VECTORS])
def test_official_vector(v):
    amounts, days = _flows(v)
    tol = v["tolerance"]
    official = v["official"]
    if days is not None:
        got = effective_365(amounts, days)
        assert abs(got - official["effective_365"]) <= tol, (got, official)
        return
    i = irr(amounts)
    ppy = _periods_per_year(v)
    if "simple" in official:
        assert abs(simple(i, ppy) - official["simple"]) <= tol, (simple(i, ppy), official)
    if "compound" in official:
        assert abs(compound(i, ppy) - official["compound"]) <= tol, (compound(i, ppy), official)


def test_no_sign_change_is_an_error_not_a_number():
    with pytest.raises(AprError):
        irr([100, 10, 10])
    with pytest.raises(AprError):
        irr([-100, -10])


def test_several_roots_are_reported():
    # +1000, −3600, +4310, −1716: roots at 10%, 20%, 30%
    with pytest.raises(AprError, match="several"):
        irr([1000, -3600, 4310, -1716])


loans = st.tuples(
    st.floats(min_value=500, max_value=500000),          # principal
    st.floats(min_value=0.0, max_value=0.2),             # share deducted up front
    st.floats(min_value=0.0005, max_value=0.06),         # monthly rate
    st.integers(min_value=1, max_value=60),              # instalments
)


@settings(max_examples=2000, deadline=None)
@given(loans)
def test_irr_matches_numpy_financial(loan):
    npf = pytest.importorskip("numpy_financial")
    principal, deducted, r, n = loan
    payment = principal * r / (1 - (1 + r) ** -n)
    flows = [principal * (1 - deducted)] + [-payment] * n
    ours = irr(flows)
    ref = float(npf.irr(flows))
    assert abs(ours - ref) < 1e-7 * max(1, abs(ref))
    if deducted == 0:
        assert abs(ours - r) < 1e-9
