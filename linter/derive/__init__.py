"""Stage 3: facts → the values rules compare (computed APR, gaps, deductions, prominence).

Output is the facts JSON the standard validates: the extracted facts plus a
``derived`` object, so every threshold stays in the standard, not in code.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Optional

from ..models import ComputedApr, ContractFacts, Money, Placeholder, Rate
from .apr import AprError, compound, effective_365, irr, simple
from .cashflows import Flows, Skip, build
from .tricks import diagnose


def compute_apr(facts: ContractFacts, text_hint: str = "") -> ComputedApr:
    try:
        flows = build(facts, text_hint)
    except Skip as exc:
        return ComputedApr(skipped=str(exc))
    try:
        i = irr(flows.amounts)
    except AprError as exc:
        return ComputedApr(cash_flows=flows.as_models(), skipped=str(exc), source=flows.source)
    s, c = simple(i, flows.periods_per_year), compound(i, flows.periods_per_year)
    eff = _effective_365(facts, flows)
    formula = (f"IRR per {flows.period} {i:.6%} × {flows.periods_per_year:g} = {s:.4%} (simple); "
               f"(1 + {i:.6%})^{flows.periods_per_year:g} − 1 = {c:.4%} (compound)")
    return ComputedApr(simple=round(s, 6), compound=round(c, 6), period=flows.period,
                       effective_365=round(eff, 6) if eff is not None else None,
                       formula_zh=(f"每期 IRR {i:.6%} × {flows.periods_per_year:g} = {s:.4%}（单利）；"
                                   f"(1 + {i:.6%})^{flows.periods_per_year:g} − 1 = {c:.4%}（复利）"),
                       periods_per_year=round(flows.periods_per_year, 6), cash_flows=flows.as_models(),
                       source=flows.source, formula=formula)


_DUE = re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")


def _effective_365(facts: ContractFacts, flows: Flows) -> Optional[float]:
    """EU-style effective annual rate on the calendar (365-day year) when every payment of
    a monthly schedule carries its due date; t0 is taken one month before the first."""
    rows = facts.repayment_example.installments
    if flows.period != "month" or not rows or len(rows) != len(flows.amounts) - 1:
        return None
    dates = []
    for row in rows:
        m = _DUE.search(row.due or "")
        if not m:
            return None
        try:
            dates.append(date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
        except ValueError:
            return None
    first = dates[0]
    y, mth = (first.year, first.month - 1) if first.month > 1 else (first.year - 1, 12)
    start = date(y, mth, min(first.day, 28))
    days = [0] + [(d - start).days for d in dates]
    if any(b <= a for a, b in zip(days, days[1:])):
        return None
    try:
        return effective_365(flows.amounts, days)
    except AprError:
        return None


def derive(facts: ContractFacts, text_hint: str = "") -> dict[str, Any]:
    """Fill ``computed_apr`` and return the facts as the JSON the standard checks.
    ``text_hint`` is the contract's repayment wording (按季…) for loans without dated rows."""
    facts.computed_apr = compute_apr(facts, text_hint or facts.period_hint or "")
    data = facts.model_dump(mode="json")
    data["derived"] = derived_values(facts)
    return data


def derived_values(facts: ContractFacts) -> dict[str, Any]:
    apr = facts.computed_apr
    stated = facts.stated_apr if isinstance(facts.stated_apr, Rate) else None
    out: dict[str, Any] = {"apr": None, "annualized_cost": None, "disbursement_shortfall": None,
                           "prominence": None}
    if apr is not None and apr.simple is not None:
        out["annualized_cost"] = apr.simple
    elif stated is not None:
        out["annualized_cost"] = stated.value
    if stated is not None and apr is not None and apr.simple is not None:
        gap_s = abs(stated.value - apr.simple)
        gap_c = abs(stated.value - apr.compound)
        gap = {"simple": gap_s, "compound": gap_c}.get(stated.convention or "", min(gap_s, gap_c))
        out["apr"] = {
            "stated": stated.value, "convention": stated.convention, "computed_simple": apr.simple,
            "computed_compound": apr.compound, "gap_simple": round(gap_s, 6), "gap_compound": round(gap_c, 6),
            "gap": round(gap, 6),
            "computed": apr.simple if stated.convention != "compound" else apr.compound,
            "text": stated.text, "location": stated.location.model_dump(),
            "basis_zh": {"simple": "单利年化利率", "compound": "复利（IRR）年化利率"}.get(stated.convention or "", "年化利率"),
            "basis_en": {"simple": "simple annualized rate", "compound": "compound (IRR) annualized rate"}.get(
                stated.convention or "", "annualized rate"),
            "formula": apr.formula, "formula_zh": apr.formula_zh,
            "diagnosis": diagnose(facts, stated),
        }
    p, d = facts.principal, facts.disbursed_amount
    if isinstance(p, Money) and isinstance(d, Money):
        deducted = sum(f.amount or 0 for f in facts.fees if f.charged == "deducted")
        gap = round(p.amount - d.amount, 2)
        out["disbursement_shortfall"] = {
            "amount": gap, "unexplained": round(gap - deducted, 2) if gap > 0 else gap,
            "principal": p.amount, "disbursed": d.amount,
            "text": d.text, "location": d.location.model_dump(),
        }
    out["prominence"] = _prominence(facts)
    return out


def _prominence(facts: ContractFacts) -> Optional[dict[str, Any]]:
    periodic = [r for r in facts.rates if r.period in ("day", "month") and r.kind in ("interest", "fee")
                and r.font_size]
    annual = [r for r in facts.rates if r.period == "year" and r.kind in ("interest", "annualized_cost")
              and r.font_size]
    if not periodic or not annual:
        return None
    big = max(periodic, key=lambda r: r.font_size)
    top = max(annual, key=lambda r: r.font_size)
    return {"periodic_font": big.font_size, "annual_font": top.font_size,
            "excess": round(big.font_size - top.font_size, 2), "text": big.text,
            "annual_text": top.text, "location": big.location.model_dump()}


__all__ = ["derive", "compute_apr", "Flows", "Placeholder"]
