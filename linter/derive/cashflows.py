"""The borrower's real cash flows, from the extracted facts.

t0 is what the borrower really has in hand: the principal less every fee deducted at
disbursement (or the stated disbursed amount, if lower) less every fee paid up front
from their own money. Then each payment at its period, every periodic fee included.
A printed schedule's own rows are the payments; without one the schedule is rebuilt
from the principal, nominal rate, term and repayment method.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

from ..extract.vocab import vocabulary
from ..models import CashFlow, ContractFacts, Fee, Money, Rate


class Skip(Exception):
    """Not enough facts to compute a rate; the message says which."""


@dataclass
class Flows:
    amounts: list[float]
    periods_per_year: float
    period: str
    source: str
    received: float
    labels: list[str] = field(default_factory=list)
    fees_included: list[str] = field(default_factory=list)

    def as_models(self) -> list[CashFlow]:
        return [CashFlow(t=t, amount=round(a, 2), label=self.labels[t] if t < len(self.labels) else None)
                for t, a in enumerate(self.amounts)]


def _fee_amount(fee: Fee, principal: float) -> Optional[float]:
    if fee.amount is not None:
        return fee.amount
    if fee.rate is not None and fee.rate_basis in ("principal", None) and fee.charged in ("deducted", "upfront", "at_maturity"):
        return round(fee.rate * principal, 2)
    return None


def _per_period_fee(fee: Fee, principal: float) -> Optional[float]:
    if fee.amount is not None:
        return fee.amount
    if fee.rate is not None and fee.rate_basis in ("principal_per_period", "principal"):
        return round(fee.rate * principal, 2)
    return None


def received_at_start(facts: ContractFacts, principal: float) -> tuple[float, list[str]]:
    """What the borrower has in hand at t0: a stated disbursed amount already lacks what was
    taken from the principal; fees paid up front from the borrower's own money come off too."""
    deducted = upfront = 0.0
    names = []
    for fee in facts.fees:
        if fee.charged not in ("deducted", "upfront"):
            continue
        amount = _fee_amount(fee, principal)
        if amount is None:
            continue
        names.append(fee.name)
        if fee.charged == "deducted":
            deducted += amount
        else:
            upfront += amount
    received = principal - deducted
    if isinstance(facts.disbursed_amount, Money):
        received = min(received, facts.disbursed_amount.amount)
    return round(received - upfront, 2), names


def nominal_monthly_rate(facts: ContractFacts) -> Optional[float]:
    """The contract's interest rate per month (not the annualized cost)."""
    by = {"year": [], "month": [], "day": []}
    for r in facts.rates:
        if r.kind == "interest":
            by[r.period].append(r)
    if by["year"]:
        return by["year"][0].value / 12
    if by["month"]:
        return by["month"][0].value
    if by["day"]:
        d = by["day"][0]
        return d.value * 30
    if facts.interest_free:
        return 0.0
    return None


def daily_rate(facts: ContractFacts) -> Optional[float]:
    for r in facts.rates:
        if r.kind == "interest" and r.period == "day":
            return r.value
    return None


_PPY = {"quarter": 4.0, "half_year": 2.0, "year": 1.0, "week": 52.0, "two_weeks": 26.0}
_PERIOD_NAME = {12.0: "month", 4.0: "quarter", 2.0: "half-year", 1.0: "year", 52.0: "week", 26.0: "two weeks"}
_DUE = re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")


def periods_per_year(facts: ContractFacts, text_hint: str = "") -> float:
    """Instalments per year: from the schedule's due dates when it has them, else from how
    the contract words it (按季, 每半年…), else monthly."""
    dates = []
    for row in facts.repayment_example.installments:
        m = _DUE.search(row.due or "")
        if not m:
            dates = []
            break
        try:
            dates.append(date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
        except ValueError:
            dates = []
            break
    if len(dates) >= 2:
        gaps = sorted((b - a).days for a, b in zip(dates, dates[1:]))
        gap = gaps[len(gaps) // 2]
        for days, ppy in ((7, 52.0), (14, 26.0), (30, 12.0), (91, 4.0), (182, 2.0), (365, 1.0)):
            if abs(gap - days) <= max(3, days * 0.1):
                return ppy
    for key, ppy in _PPY.items():
        if any(w in text_hint for w in vocabulary()["periods"][key]):
            return ppy
    return 12.0


def _amounts_include(facts: ContractFacts, principal: float, payments: list[float], fees: list[Fee]) -> bool:
    """A schedule of one amount per period: does it already carry these fees? Compare with the
    equal instalment the nominal rate gives, with and without them."""
    r = nominal_monthly_rate(facts)
    pers = [_per_period_fee(f, principal) for f in fees]
    n = len(payments)
    if r is None or None in pers or n < 2 or facts.repayment_method not in ("equal_installment", None):
        return False
    per = sum(pers)
    pi = principal / n if r == 0 else principal * r / (1 - (1 + r) ** -n)
    typical = sorted(payments)[n // 2]
    return abs(typical - (pi + per)) < 1.0 and abs(typical - (pi + per)) < abs(typical - pi)


def _said_included(note: Optional[str], name: str) -> bool:
    """当期应还含本息及租金分期服务费: the schedule's own words say its amounts include the fee."""
    if not note or name not in note:
        return False
    k = note.find(name)
    return any(w in note[max(0, k - 12):k] for w in ("含", "包含", "包括", "已计入"))


def _itemized_in_total(ex, name: str) -> bool:
    """本金1,500.00元，利息22.50元，权益会员费59.00元，到期应还款总额为1,581.50元: the single
    payment's stated total itemizes the fee before the figure, so it already holds it."""
    return ex.kind == "single_payment" and bool(ex.text) and name in ex.text


def build(facts: ContractFacts, text_hint: str = "") -> Flows:
    if not isinstance(facts.principal, Money):
        raise Skip("principal is a template placeholder" if facts.principal is not None else "principal not stated")
    principal = facts.principal.amount
    if principal <= 0:
        raise Skip("principal is not positive")
    received, upfront_names = received_at_start(facts, principal)
    ex = facts.repayment_example
    term = facts.term
    periodic_fees = [f for f in facts.fees if f.charged == "per_installment"]
    maturity_fees = [f for f in facts.fees if f.charged == "at_maturity"]

    if ex.installments and [i.period for i in ex.installments] != list(range(1, len(ex.installments) + 1)):
        # 第1期…第3期, ……, 第36期: rows left out, so the rows are not the cash flows
        ex = ex.model_copy(update={"installments": []})
    if ex.present and ex.installments and ex.kind == "schedule" and ex.hypothetical:
        paid = sum(i.principal or 0 for i in ex.installments)
        if paid > 0:
            # a schedule for an example amount still prices the product: scale the real
            # deductions to it
            scale = paid / principal
            principal, received = paid, round(received * scale, 2)
            ex = ex.model_copy(update={"hypothetical": False})
    if ex.kind == "worked_example" and facts.repayment_method in ("interest_first", "equal_principal"):
        ex = ex.model_copy(update={"installments": []})  # "每月付息480元": one part of the payments only
    if ex.present and ex.installments and not ex.hypothetical and len(ex.installments) >= 1:
        payments = [i.amount for i in ex.installments]
        included = [f.name for f in periodic_fees if any(c in f.name or f.name in c for c in ex.fee_columns)
                    or _said_included(ex.note, f.name)]
        per_period = sum(f.amount or 0 for f in periodic_fees)
        if ex.fee_columns and per_period and all(
                i.fees is not None and abs(i.fees - per_period) < 0.02 for i in ex.installments):
            included = [f.name for f in periodic_fees]  # a "Fee" column holding exactly these fees
        extra = [f for f in periodic_fees if f.name not in included]
        if extra and _amounts_include(facts, principal, payments, extra):
            included += [f.name for f in extra]
            extra = []
        extra = [f for f in extra if not _amounts_include(facts, principal, payments, [f])]
        in_schedule = [f for f in maturity_fees if any(c in f.name or f.name in c for c in ex.fee_columns)
                       or _said_included(ex.note, f.name) or _itemized_in_total(ex, f.name)]
        maturity_fees = [f for f in maturity_fees if f not in in_schedule]
        included += [f.name for f in in_schedule]
        source = "schedule" if ex.kind == "schedule" else ex.kind or "schedule"
        if len(payments) == 1:
            return _single(facts, principal, received, payments[0], maturity_fees, upfront_names, source)
        balances = None
        if all(i.principal is not None for i in ex.installments):
            balances, left = [], principal
            for i in ex.installments:
                balances.append(left)
                left -= i.principal
        return _periodic(principal, received, payments, extra, maturity_fees, upfront_names, included, source,
                         balances, periods_per_year(facts, text_hint))

    n = (term.installments if term else None)
    method = facts.repayment_method
    if method == "bullet" or n == 1 or (method == "other" and daily_rate(facts) is not None):
        return _bullet_from_terms(facts, principal, received, maturity_fees, upfront_names)
    r = nominal_monthly_rate(facts)
    if r is None:
        raise Skip("no interest rate and no repayment schedule to compute from")
    ppy = periods_per_year(facts, text_hint)
    r = r * 12.0 / ppy  # the rate per instalment period
    if not n:
        n = round(term.months * ppy / 12.0) if term and term.months else None
    if not n:
        raise Skip("number of instalments not stated")
    if method == "equal_principal":
        payments = [principal / n + (principal - k * principal / n) * r for k in range(n)]
        balances = [principal - k * principal / n for k in range(n)]
    elif method == "interest_first":
        payments = [principal * r] * (n - 1) + [principal * (1 + r)]
        balances = [principal] * n
    else:
        payment = principal / n if r == 0 else principal * r / (1 - (1 + r) ** -n)
        payments = [payment] * n
        balances, left = [], principal
        for _ in range(n):
            balances.append(left)
            left = left * (1 + r) - payment
    payments = [round(p, 2) for p in payments]
    return _periodic(principal, received, payments, periodic_fees, maturity_fees, upfront_names, [], "terms",
                     balances, ppy)


def _periodic(principal, received, payments, extra_fees, maturity_fees, upfront_names, included, source,
              balances=None, ppy: float = 12.0) -> Flows:
    amounts = [received]
    for p in payments:
        amounts.append(-p)
    added = []
    for fee in extra_fees:
        if fee.rate_basis == "outstanding_principal" and fee.rate is not None and fee.amount is None:
            if not balances:
                continue
            added.append(fee.name)
            for k in range(1, len(amounts)):
                amounts[k] -= round(fee.rate * balances[k - 1], 2)
            continue
        per = _per_period_fee(fee, principal)
        if per is None:
            continue
        added.append(fee.name)
        for k in range(1, len(amounts)):
            amounts[k] -= per
    for fee in maturity_fees:
        amt = _fee_amount(fee, principal)
        if amt is not None:
            amounts[-1] -= amt
            added.append(fee.name)
    labels = ["received"] + [f"instalment {k}" for k in range(1, len(amounts))]
    return Flows(amounts, ppy, _PERIOD_NAME.get(ppy, f"1/{ppy:g} year"), source, received, labels,
                 upfront_names + included + added)


def _single(facts, principal, received, payment, maturity_fees, upfront_names, source) -> Flows:
    term = facts.term
    amount = payment + sum(a for f in maturity_fees if (a := _fee_amount(f, principal)) is not None)
    if term and term.days:
        ppy, period = 365.0 / term.days, f"term of {term.days} days"
    elif term and term.months:
        ppy, period = 12.0 / term.months, f"term of {term.months} months"
    else:
        raise Skip("single-payment loan without a stated term")
    return Flows([received, -amount], ppy, period, source, received, ["received", "repayment"], upfront_names)


def _bullet_from_terms(facts, principal, received, maturity_fees, upfront_names) -> Flows:
    term = facts.term
    days = term.days if term and term.days else None
    months = term.months if term and term.months else None
    d = daily_rate(facts)
    annual = next((r.value for r in facts.rates if r.kind == "interest" and r.period == "year"), None)
    monthly = next((r.value for r in facts.rates if r.kind == "interest" and r.period == "month"), None)
    if days:
        rate_term = d * days if d is not None else (annual * days / 365 if annual is not None else None)
    elif months:
        rate_term = (annual * months / 12 if annual is not None else
                     monthly * months if monthly is not None else d * 30 * months if d is not None else None)
    elif d is not None:
        days = 30  # a credit line without a term: one month's drawing
        rate_term = d * days
    else:
        raise Skip("single-payment loan without a stated term")
    if rate_term is None:
        raise Skip("no interest rate to compute the repayment from")
    total = principal * (1 + rate_term)
    total += sum(a for f in maturity_fees if (a := _fee_amount(f, principal)) is not None)
    ppy, period = (365.0 / days, f"term of {days} days") if days else (12.0 / months, f"term of {months} months")
    return Flows([received, -round(total, 2)], ppy, period, "terms", received, ["received", "repayment"], upfront_names)
