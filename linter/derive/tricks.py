"""Name the usual ways a stated annualized rate understates the real cost.

When the stated figure equals what one of the known shortcuts gives, say which one,
with its formula, so the reader sees *why* the figure is wrong, not only that it is.
"""
from __future__ import annotations

from typing import Optional

from ..models import ContractFacts, Money, Rate
from .apr import AprError, irr

CLOSE = 0.0005


def diagnose(facts: ContractFacts, stated: Rate) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    nominal: list[dict[str, str]] = []  # a monthly interest rate × 12: see the end
    s = stated.value
    for r in facts.rates:
        if r.period == "day" and r.kind in ("interest", "fee"):
            for days in (365, 360):
                if abs(r.value * days - s) < CLOSE:
                    out.append(_d("daily_rate_times_days",
                                  f"声明的年化利率 {s:.2%} 等于日利率 {r.value:.4%} × {days}，未按实际现金流以 IRR 计算",
                                  f"the stated {s:.2%} is the daily rate {r.value:.4%} × {days}, not an IRR of the real cash flows"))
                    break
        if r.period == "month" and r.kind in ("interest", "fee") and abs(r.value * 12 - s) < CLOSE:
            (nominal if r.kind == "interest" else out).append(_d("monthly_rate_times_12",
                          f"声明的年化利率 {s:.2%} 等于月利率/月费率 {r.value:.4%} × 12；分期偿还时按原始本金计费，实际年化成本更高",
                          f"the stated {s:.2%} is the monthly rate {r.value:.4%} × 12 on the original principal; "
                          f"with instalments the real cost is higher"))
    for f in facts.fees:
        if f.rate is not None and f.rate_basis == "principal_per_period" and abs(f.rate * 12 - s) < CLOSE:
            out.append(_d("monthly_rate_times_12",
                          f"声明的年化利率 {s:.2%} 等于{f.name}月费率 {f.rate:.4%} × 12（按原始本金计）",
                          f"the stated {s:.2%} is the monthly {f.name} rate {f.rate:.4%} × 12 on the original principal"))
    apr = facts.computed_apr
    if apr is None or not apr.cash_flows or apr.periods_per_year is None:
        return out + nominal
    flows = [c.amount for c in apr.cash_flows]
    ppy = apr.periods_per_year
    principal = facts.principal.amount if isinstance(facts.principal, Money) else None
    if principal and flows[0] < principal - 0.005:
        face = _simple([principal] + flows[1:], ppy)
        if face is not None and abs(face - s) < 0.001:
            out.append(_d("face_principal",
                          f"声明的 {s:.2%} 按合同本金 {principal:,.2f} 元计算，而借款人实际只得到 {flows[0]:,.2f} 元"
                          f"（按实得金额计为 {apr.simple:.2%}）",
                          f"the stated {s:.2%} is computed on the face principal {principal:,.2f} although the borrower "
                          f"received only {flows[0]:,.2f} ({apr.simple:.2%} on what was received)"))
    if stated.convention == "compound" and apr.simple is not None and abs(apr.simple - s) < 0.001:
        out.append(_d("simple_labelled_compound",
                      f"声明的 {s:.2%} 标注为复利/IRR，但它等于单利口径的计算结果 {apr.simple:.2%}（复利口径为 {apr.compound:.2%}）",
                      f"the stated {s:.2%} is labelled compound/IRR but equals the simple figure {apr.simple:.2%} "
                      f"(compound: {apr.compound:.2%})"))
    ex = facts.repayment_example
    fees_named = [f.name for f in facts.fees if f.charged in ("deducted", "upfront", "per_installment", "at_maturity")]
    bare = None
    if principal and fees_named and ex.installments and all(i.principal is not None and i.interest is not None
                                                            for i in ex.installments):
        bare = _simple([principal] + [-(i.principal + i.interest) for i in ex.installments], ppy)
    if principal and fees_named and bare is None:
        from .cashflows import Skip, build
        from ..models import RepaymentExample
        stripped = facts.model_copy(update={"fees": [f for f in facts.fees if f.charged == "on_event"],
                                            "disbursed_amount": None,
                                            "repayment_example": RepaymentExample(present=False)})
        try:
            flows = build(stripped)
            bare = _simple(flows.amounts, flows.periods_per_year)
        except Skip:
            bare = None
    if bare is not None:
        if abs(bare - s) < 0.001:
            # the stated figure is right for the interest alone, so a monthly interest rate
            # × 12 equal to it is a faithful conversion, not the understatement
            nominal = []
            out.append(_d("fees_left_out",
                          f"声明的 {s:.2%} 只计入了利息，未计入{'、'.join(fees_named)}（计入后为 {apr.simple:.2%}）",
                          f"the stated {s:.2%} counts interest only and leaves out {', '.join(fees_named)} "
                          f"({apr.simple:.2%} with them)"))
    elif fees_named:
        nominal = [r for r in facts.rates if r.kind == "interest" and r.period == "year" and abs(r.value - s) < 1e-9]
        if nominal and stated.kind == "interest":
            out.append(_d("fees_left_out",
                          f"声明的 {s:.2%} 是名义利率，未计入{'、'.join(fees_named)}",
                          f"the stated {s:.2%} is the nominal interest rate and leaves out {', '.join(fees_named)}"))
    out = nominal + out
    seen: set[str] = set()
    return [d for d in out if not (d["kind"] in seen or seen.add(d["kind"]))]


def _simple(flows: list[float], ppy: float) -> Optional[float]:
    try:
        return irr(flows) * ppy
    except AprError:
        return None


def _d(kind: str, zh: str, en: str) -> dict[str, str]:
    return {"kind": kind, "zh": zh, "en": en}
