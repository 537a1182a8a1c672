"""Read every fact the disclosure rules talk about, each with its source location."""
from __future__ import annotations

import re
from typing import Optional

from ..load.document import Document
from ..models import ContractFacts, Money, Placeholder, RepaymentExample, SkippedCheck
from . import amounts
from .breakdown import find_breakdown
from .confirm import find_confirmations
from .fees import find_fees
from .rates import find_all, mark_tiers, stated_apr
from .schedule import example_spans, find_examples, find_regular_payment, find_schedules, find_single_payment
from .view import View
from .vocab import vocabulary


def extract(doc: Document, template: Optional[bool] = None) -> ContractFacts:
    view = View(doc)
    hypothetical = example_spans(view)
    principal = amounts.principal(view, hypothetical)
    principal_value = principal.amount if isinstance(principal, Money) else None
    disbursed = amounts.disbursed(view, principal, hypothetical)
    term = amounts.term(view)
    method = amounts.repayment_method(view)

    schedules = find_schedules(view)
    schedule = _main_schedule(schedules, principal_value)
    examples = find_examples(view, principal_value)
    regular = find_regular_payment(view)
    if regular is not None:
        examples.insert(0, regular)
    installments = (term.installments if term and term.installments else None) or amounts.installments_count(view)
    if installments is None and schedule is not None:
        installments = len(schedule.installments)
    if installments is None and term is not None and term.months and method in ("equal_installment", "equal_principal", "interest_first"):
        installments = term.months
    if term is not None and term.installments is None and installments:
        term = term.model_copy(update={"installments": installments})

    found_rates = mark_tiers(view, find_all(view))
    # the rates this loan carries first; a price grid's rows after them
    rates = ([f.rate for f in found_rates if not f.tier and not f.teaser]
             + [f.rate for f in found_rates if f.tier or f.teaser])
    stated = stated_apr(view, found_rates, hypothetical)

    fees = find_fees(view, installments)
    _infer_deducted_amount(fees, principal, disbursed)
    breakdown = find_breakdown(view, fees)
    confirmations = find_confirmations(view)

    example, total_span_avoid, total = _repayment(view, schedule, examples, method, installments, principal_value,
                                                  fees)
    if method is None and example.present and example.installments and not example.hypothetical:
        # no method named: equal payments read as 等额 (flat-fee instalments included), else other
        amounts_ = [i.amount for i in example.installments[:-1]] or [example.installments[0].amount]
        equal = len(example.installments) >= 2 and max(amounts_) - min(amounts_) <= 0.05
        method = "equal_installment" if equal else "other"
    stated_total = amounts.total_repayment(view, total_span_avoid)
    if total is None or (isinstance(stated_total, Money) and isinstance(total, Money)
                         and stated_total.amount > total.amount + 0.005):
        # 应还总额（含服务费）6,636.00 above the schedule's 合计 6,576.00: the stated total is
        # what the borrower repays in all
        total = stated_total
    if not example.present and method == "bullet" and isinstance(stated_total, Money):
        # a single-payment loan that states what is due at maturity has a one-row schedule
        example = RepaymentExample(present=True, kind="single_payment",
                                   installments=[_inst(1, stated_total.amount)], total=stated_total.amount,
                                   location=stated_total.location, text=stated_total.text)

    is_template = template if template is not None else _is_template(
        [principal, disbursed, stated, stated_total], fees)
    facts = ContractFacts(
        language="zh" if _is_chinese(view.text) else "en",
        template=is_template,
        principal=principal,
        disbursed_amount=disbursed,
        term=term,
        repayment_method=method,
        rates=rates,
        stated_apr=stated,
        fees=fees,
        total_repayment=total,
        cost_breakdown=breakdown,
        repayment_example=example,
        confirmations=confirmations,
    )
    facts.skipped_checks = _skipped(facts)
    facts.period_hint = _period_hint(view)
    facts.interest_free = not any(r.kind == "interest" and r.value > 0 for r in rates) and any(
        w in view.text for w in vocabulary()["amounts"]["interest_free"])
    return facts


def _period_hint(view: View) -> Optional[str]:
    """The phrase saying how often instalments fall due (按季, 每半年 …), if any."""
    for words in vocabulary()["periods"].values():
        for w in words:
            if w in view.text:
                return w
    return None


def _infer_deducted_amount(fees, principal, disbursed) -> None:
    """到手金额＝借款金额－VIP加速包费用: when one deducted fee has no figure of its own, the
    gap between the loan amount and the amount paid out is its amount."""
    if not (isinstance(principal, Money) and isinstance(disbursed, Money)):
        return
    gap = round(principal.amount - disbursed.amount, 2)
    # a rate alone leaves the amount open only when a formula says how it applies
    # (服务费＝借款本金×0.5%×借款月数): the payout shows what it came to
    open_fees = [f for f in fees if f.charged == "deducted" and f.amount is None
                 and (f.rate is None or f.formula)]
    known = sum(f.amount or 0 for f in fees if f.charged == "deducted" and f.amount is not None)
    if len(open_fees) == 1 and gap - known > 0.005:
        open_fees[0].amount = round(gap - known, 2)
        open_fees[0].formula = open_fees[0].formula or f"{principal.text} − {disbursed.text}"


def _main_schedule(schedules, principal_value):
    if not schedules:
        return None
    if all(not s.installments for s in schedules):
        return schedules[0]  # a template's schedule skeleton
    if principal_value is not None:
        for s in schedules:
            paid = sum(i.principal or 0 for i in s.installments) or s.total_principal
            if paid and abs(paid - principal_value) <= max(1.0, 0.001 * principal_value):
                return s
    return max(schedules, key=lambda s: len(s.installments))


def _repayment(view: View, schedule, examples, method, installments, principal_value=None, fees=()):
    """The repayment example and the borrower's total it states (if any)."""
    avoid = [(e.start, e.end) for e in examples if e.hypothetical] + example_spans(view)
    if schedule is not None:
        total = None
        paid = sum(i.principal or 0 for i in schedule.installments) or schedule.total_principal
        hypothetical = bool(principal_value and paid and abs(paid - principal_value) > max(1.0, 0.001 * principal_value))
        if hypothetical:
            avoid.append((schedule.start, schedule.end))
        if schedule.total is not None and not hypothetical:
            a, b = schedule.total_span
            total = Money(amount=schedule.total, text=view.excerpt(a, b), location=view.loc(a))
        elif len(schedule.installments) == 1 and not hypothetical:
            # a single payment's one-row schedule: its amount is what the borrower repays in all
            total = Money(amount=schedule.installments[0].amount, location=view.loc(schedule.start),
                          text=view.excerpt(schedule.start, min(schedule.end, schedule.start + 120)))
        return RepaymentExample(
            present=True, kind="schedule", installments=schedule.installments, hypothetical=hypothetical,
            total=schedule.total if schedule.total is not None else (
                round(sum(i.amount for i in schedule.installments), 2) if schedule.installments else None),
            fee_columns=schedule.fee_columns, location=view.loc(schedule.start), note=schedule.intro or None,
            text=view.excerpt(schedule.start, min(schedule.end, schedule.start + 120))), avoid, total
    real = [e for e in examples if not e.hypothetical]
    for e in real + [e for e in examples if e.hypothetical]:
        inst = []
        count = e.count or installments
        if e.installment is not None and count:
            inst = [_inst(k + 1, e.installment) for k in range(count)]
        total = None
        if not e.hypothetical and e.total is not None:
            a, b = e.total_span
            total = Money(amount=e.total, text=view.excerpt(a, b), location=view.loc(a))
        span = view.text[e.start:e.end]
        included = [f.name for f in fees if f.name in span or _generic_name(f.name) in span]
        return RepaymentExample(present=True, kind="worked_example", hypothetical=e.hypothetical,
                                installments=inst, total=e.total, location=view.loc(e.start), fee_columns=included,
                                text=view.excerpt(e.start, e.end)), avoid, total
    if method == "bullet" or installments == 1:
        single = find_single_payment(view)
        if single is not None:
            a, b, amount, due = single
            total = Money(amount=amount, text=view.excerpt(a, b), location=view.loc(a))
            return RepaymentExample(present=True, kind="single_payment",
                                    installments=[_inst(1, amount, due)], total=amount,
                                    location=view.loc(a), text=view.excerpt(a, b)), avoid, total
    return RepaymentExample(present=False), avoid, None


def _generic_name(name: str) -> str:
    """分期手续费 → 手续费: the shorter word a sentence may use for the same fee."""
    for suffix in sorted(vocabulary()["fees"]["generic"]["suffixes"], key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return name


def _inst(period, amount, due=None):
    from ..models import Installment
    return Installment(period=period, amount=amount, due=due)


def _is_template(values, fees) -> bool:
    return any(isinstance(v, Placeholder) for v in values) or any(f.placeholder for f in fees)


def _is_chinese(text: str) -> bool:
    sample = text[:5000]
    han = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff")
    return han >= 0.1 * max(1, len(sample.strip()))


def _skipped(f: ContractFacts) -> list[SkippedCheck]:
    out = []
    ph = lambda v: isinstance(v, Placeholder)  # noqa: E731
    if ph(f.stated_apr):
        out.append(SkippedCheck(rule="A402", reason="stated annualized rate is a template placeholder"))
    if ph(f.principal) or ph(f.disbursed_amount):
        out.append(SkippedCheck(rule="D502", reason="principal or disbursed amount is a template placeholder; "
                                "fees deducted at disbursement are still checked"))
    if ph(f.principal):
        out.append(SkippedCheck(rule="A403", reason="principal is a template placeholder"))
    return out
