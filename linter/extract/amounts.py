"""Principal, amount disbursed, total repayment, term and repayment method."""
from __future__ import annotations

import re
from datetime import date
from typing import Optional, Union

from ..models import Money, Placeholder, Term
from .fields import Labeled, labeled
from .numbers import find_money, find_terms
from .view import View
from .vocab import alternation, vocabulary

MoneyLike = Union[Money, Placeholder, None]

_DATE_RANGE = re.compile(
    r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*(?:起)?\s*(?:至|到|—|-|~)\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def to_money(view: View, item: Labeled) -> MoneyLike:
    if item.placeholder is not None:
        a, b, text = item.placeholder
        return Placeholder(text=view.excerpt(item.start, b), location=view.loc(a))
    if item.value is None:
        return None
    return Money(amount=item.value.value, text=view.excerpt(item.start, item.end),
                 location=view.loc(item.value.start))




def _amount_stop() -> re.Pattern:
    a = vocabulary()["amounts"]
    return re.compile(alternation(a["principal"] + a["disbursed"] + a["total"] + ["利率", "利息", "费"]))


def first_amount(view: View, labels: list[str], avoid: list[tuple[int, int]] = (),
                 extra_reject: tuple[str, ...] = ()) -> MoneyLike:
    reject = tuple(vocabulary()["amounts"]["not_amount_context"]) + extra_reject
    found = labeled(view, re.compile(alternation(labels)), find_money, stop=_amount_stop(), reject=reject)
    for item in found:
        if any(a <= item.start < b for a, b in avoid):
            continue
        if item.value is not None or item.placeholder is not None:
            return to_money(view, item)
    return None


def principal(view: View, avoid: list[tuple[int, int]] = ()) -> MoneyLike:
    a = vocabulary()["amounts"]
    return first_amount(view, a["principal"], avoid) or first_amount(view, a["principal_fallback"], avoid)


def disbursed(view: View, principal_value: MoneyLike, avoid: list[tuple[int, int]] = ()) -> MoneyLike:
    a = vocabulary()["amounts"]
    found = first_amount(view, a["disbursed"], avoid) or first_amount(view, a["disbursed_fallback"], avoid)
    if found is not None:
        return found
    paid = _paid_out(view, avoid)
    if paid is not None:
        return paid
    if isinstance(principal_value, Money):
        m = re.search(alternation(a["full_disbursement"]), view.text)
        if m:
            s, e = view.sentence_at(m.start())
            return Money(amount=principal_value.amount, text=view.excerpt(s, e), location=view.loc(m.start()))
    return None


def _paid_out(view: View, avoid) -> MoneyLike:
    """甲方将借款18,000.00元直接支付至…的收款账户: an amount the lender sends somewhere."""
    verbs = re.compile(alternation(vocabulary()["amounts"]["disbursement_verbs"]))
    t = view.text
    for m in re.finditer(r"(?:将|把)(?:借款资金|贷款资金|借款|贷款|款项|资金)?(?=[^，。；]{0,3}[\d¥￥人])", t):
        if any(a <= m.start() < b for a, b in avoid):
            continue
        s, e = view.sentence_at(m.start())
        money = find_money(t, m.end(), min(e, m.end() + 16))
        if not money:
            continue
        v = verbs.search(t, money[0].end, min(e, money[0].end + 12))
        if v and "，" not in t[money[0].end:v.start()]:
            return Money(amount=money[0].value, text=view.excerpt(m.start(), v.end()),
                         location=view.loc(money[0].start))
    return None


_SUM_WORDS = re.compile(r"本息合计|本息共计|合计|共计|总计|总额")


def total_repayment(view: View, avoid: list[tuple[int, int]]) -> MoneyLike:
    """The borrower's total. After the label the sentence may list the parts first
    (到期应还：本金叁万元、利息叁仟陆佰元，合计叁万叁仟陆佰元): then the sum is the total."""
    labels = re.compile(alternation(vocabulary()["amounts"]["total"]))
    reject = tuple(vocabulary()["amounts"]["not_amount_context"])
    ph = vocabulary().placeholder_re
    t = view.text
    for m in labels.finditer(t):
        if any(a <= m.start() < b for a, b in avoid):
            continue
        s, e = view.sentence_at(m.start())
        hi = min(e, m.end() + 80)
        money = find_money(t, m.end(), hi)
        p = ph.search(t, m.end(), min(hi, m.end() + 30))
        if p and (not money or p.start() < money[0].start):
            return Placeholder(text=view.excerpt(m.start(), p.end()), location=view.loc(p.start()))
        if not money or any(w in t[m.end():money[0].start] for w in reject):
            continue
        first = money[0]
        gap = t[m.end():first.start]
        # 应还总额（本金、利息、担保费及保险费合计）：22,207.19元 names what the total covers
        described = re.sub(r"（[^（）]{0,40}）|\([^()]{0,40}\)", "", gap)
        if any(w in described for w in ("本金", "利息", "其中")):
            sums = [x for x in _SUM_WORDS.finditer(t, first.end, hi)]
            after = [mo for mo in money if sums and mo.start >= sums[0].end()]
            if not after:
                continue
            first = after[0]
        elif len(gap) > 40:
            continue
        return Money(amount=first.value, text=view.excerpt(m.start(), first.end), location=view.loc(first.start))
    return None


def term(view: View) -> Optional[Term]:
    """The loan's term, trying labels in the vocabulary's order (借款期限 before 额度有效期)."""
    for label in vocabulary()["term"]["labels"]:
        for m in re.finditer(re.escape(label), view.text):
            found = _term_at(view, m)
            if found is not None:
                return found
    return None


def _term_at(view: View, m: re.Match) -> Optional[Term]:
    t = view.text
    vocab = vocabulary()["term"]
    if re.match(r"\s*[：:，,]?\s*(?:%s)" % "|".join(map(re.escape, vocab["definition_markers"])), t[m.end():m.end() + 8]):
        return None
    s, e = view.sentence_at(m.start())
    hi = min(e, m.end() + 60)
    seg = t[m.end():hi]
    rng = _DATE_RANGE.search(seg)
    found = find_terms(t, m.end(), hi)
    if not found and not rng:
        return None
    months = days = installments = None
    caps = tuple(vocabulary()["amounts"]["not_amount_context"]) + ("最长", "最短", "以内", "至多", "可选")
    for i, (a, b, n, unit) in enumerate(found):
        if len(t[m.end():a].replace(" ", "")) > 20:
            break
        if any(w in t[m.end():a] for w in caps) or t[b:b + 2] in ("以内", "以上", "以下"):
            return None   # 借款期限不超过一年: a limit, not this loan's term
        if re.match(r"\s*(?:至|到|~|～|-|—|、|或|/)\s*[\d一二三四五六七八九十半]", t[b:b + 4]):
            return None   # 7天至90天, 30天、90天或一年: what a product allows, not this loan's term
        if unit == "month" and months is None:
            months = n
        elif unit == "year" and months is None:
            months = 12 * n
        elif unit == "day" and days is None:
            days = n
        elif unit == "installment" and installments is None:
            if any(t[:a].endswith(w) for w in vocab["period_ordinals"]):
                continue
            installments = n
    if rng and days is None and months is None:
        try:
            d0 = date(int(rng.group(1)), int(rng.group(2)), int(rng.group(3)))
            d1 = date(int(rng.group(4)), int(rng.group(5)), int(rng.group(6)))
            days = (d1 - d0).days
        except ValueError:
            pass
    if months is None and days is None and installments is None:
        return None
    end = max([b for a, b, *_ in found] + [m.end()])
    return Term(months=months, days=days, installments=installments,
                text=view.excerpt(m.start(), end), location=view.loc(m.start()))


def installments_count(view: View) -> Optional[int]:
    m = re.search(r"(?:共|分|还款期数[：:]?\s*|分期期数[：:]?\s*)(\d{1,3})\s*期", view.text)
    return int(m.group(1)) if m else None


def repayment_method(view: View) -> Optional[str]:
    t = view.text
    best = None
    for key, phrases in vocabulary()["methods"].items():
        for p in phrases:
            i = t.find(p)
            if i != -1 and (best is None or i < best[0]):
                best = (i, key)
    for labelled in re.finditer(r"还款方式\s*[：:|]?\s*", t):
        # 还款方式：到期一次还本付息 — the labelled value wins
        seg = t[labelled.end():labelled.end() + 30]
        hits = [(seg.find(p), key) for key, phrases in vocabulary()["methods"].items() for p in phrases if p in seg]
        if hits and min(hits)[0] <= 2:
            return min(hits)[1]
    if best is None:
        for key, patterns in vocabulary()["method_patterns"].items():
            for p in patterns:
                m = re.search(p, t)
                if m and (best is None or m.start() < best[0]):
                    best = (m.start(), key)
    return best[1] if best else None
