"""Is there one consolidated, itemized statement of all borrowing costs?

A block under a cost heading/caption (费用明细, 借款成本汇总表, 明示表…) counts when it
names the interest and every regularly charged fee of the contract, each with an
amount or rate — or says explicitly that interest is the only cost. Fees scattered
over several clauses do not make a breakdown; a list that leaves out a charged fee
is not a statement of *all* costs.
"""
from __future__ import annotations

import re
from typing import Optional

from ..models import CostBreakdown, Fee
from .fees import fee_names_in, names_match, regular
from .numbers import find_money, find_rates
from .view import View
from .vocab import alternation, vocabulary

_HEADING = re.compile(
    r"^\s*(?:#{1,6}\s|第[一二三四五六七八九十百零\d]+[条章部]|【[^】]{1,20}】\s*$|"
    r"[一二三四五六七八九十]+[、.]\s*[^，。；：:,]{1,16}$|\d{1,2}[、.](?!\d)\s*[^，。；：:,]{1,16}$|"
    r"\*\*[^*，。；：:]{1,20}\*\*\s*$)")


def _blocks(view: View) -> list[tuple[int, int, int]]:
    """(anchor, start, end) of every candidate block."""
    titles = re.compile(alternation(vocabulary()["cost_breakdown"]["titles"]))
    t = view.text
    out = []
    lines = view.lines
    for k, (a, b) in enumerate(lines):
        m = titles.search(t, a, b)
        if not m:
            continue
        end = b
        if _is_row(t[a:b].strip()):
            # a line of a key-terms table: the statement is the whole table around it
            j = k
            while j > 0 and _is_row(t[lines[j - 1][0]:lines[j - 1][1]].strip()):
                j -= 1
            a = lines[j][0]
        blank = 0
        for a2, b2 in lines[k + 1:k + 60]:
            s = t[a2:b2].strip()
            if not s:
                blank += 1
                if blank >= 2:
                    break
                continue
            blank = 0
            if _HEADING.match(t[a2:b2]) and not titles.search(t, a2, b2) and not _is_row(s):
                break
            end = b2
        out.append((m.start(), a, end))
    return out


def _is_row(s: str) -> bool:
    return s.startswith("|") or "  " in s


def find_breakdown(view: View, fees: list[Fee]) -> CostBreakdown:
    cb = vocabulary()["cost_breakdown"]
    t = view.text
    charged = [f for f in fees if regular(f)]
    best: Optional[CostBreakdown] = None
    for anchor, a, b in _blocks(view):
        seg = t[a:b]
        has_interest = any(w in seg for w in cb["interest_words"])
        listed = fee_names_in(view, a, b)
        # a template's cost table gives its figures as blanks (【    】%, {{total_interest}}元)
        has_values = bool(find_money(t, a, b, bare=True) or find_rates(t, a, b)
                          or vocabulary().placeholder_re.search(t, a, b))
        if not has_interest or not has_values:
            continue
        # a charged fee is listed only where it is given a figure, not where it is waived in part
        names = [(n, cat) for n, neg, valued, cat in listed if valued and not neg]
        names += [(f.name, f.category) for f in charged if _named_with_value(view, f.name, a, b)]
        omitted = [f.name for f in charged if not any(_covers(n, cat, f, charged) for n, cat in names)]
        only_interest = _only_interest(seg) and _no_other_fee(seg)
        candidate = CostBreakdown(present=not omitted, location=view.loc(anchor), items=["利息"] + [n for n, _ in names],
                                  omitted=omitted, text=view.excerpt(a, min(b, a + 120)))
        if not omitted and (listed or only_interest or not charged or _itemized(seg)):
            return candidate
        candidate.present = False
        if best is None or len(candidate.omitted) < len(best.omitted):
            best = candidate
    # "the only cost is the interest; nothing else is charged" anywhere, with no fee charged
    if not charged:
        for a, b in view.sentences:
            seg = t[a:b]
            if _only_interest(seg):
                nxt = t[max(0, a - 200):min(len(t), b + 200)]
                # "仅需支付利息" already says nothing else is due
                if _no_other_fee(nxt) or re.search(r"(仅需|只需|仅|只)(支付|承担|偿还|负担)", seg):
                    return CostBreakdown(present=True, location=view.loc(a), items=["利息"],
                                         text=view.excerpt(a, b))
    return best or CostBreakdown(present=False)


def _covers(listed: str, category: str, fee: Fee, charged: list[Fee]) -> bool:
    """A listed name stands for the fee; a generic one (担保费) only when it is not the name
    of another fee charged beside it (担保费 and 风险保障金 are two guarantee costs)."""
    if not names_match(fee.name, listed, fee.category, category):
        return False
    direct = listed == fee.name or listed in fee.name or fee.name in listed
    return direct or not any(g is not fee and g.name == listed for g in charged)


def _named_with_value(view: View, name: str, a: int, b: int) -> bool:
    """The fee's own name (极速审核加速包, which has no 费 to be found by) on a line of the
    block that also gives a figure."""
    t = view.text
    k = t.find(name, a, b)
    while k != -1:
        la, lb = view.lines[view.line_of(k)]
        table = _is_row(t[la:lb].strip())
        if find_money(t, k + len(name), lb, bare=table) or find_rates(t, k + len(name), lb) \
                or vocabulary().placeholder_re.search(t, k + len(name), lb):
            return True
        k = t.find(name, k + 1, b)
    return False


def _only_interest(seg: str) -> bool:
    cb = vocabulary()["cost_breakdown"]
    return any(w in seg for w in cb["only_interest"]) or any(
        re.search(p, seg) for p in cb["only_interest_patterns"])


def _no_other_fee(seg: str) -> bool:
    cb = vocabulary()["cost_breakdown"]
    return any(w in seg for w in cb["no_other_fee"]) or any(re.search(p, seg) for p in cb["no_other_fee_patterns"])


def _itemized(seg: str) -> bool:
    return "利息" in seg and _no_other_fee(seg)
