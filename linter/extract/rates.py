"""Every labelled rate (日利率 0.05%, 月息1.5%, 年化利率（单利）18%, 综合年化成本…) and the
annualized rate the contract states."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Union

from ..models import Placeholder, Rate
from .numbers import Match, find_rates
from .tables import column_header
from .view import View
from .vocab import alternation, vocabulary

_PARENS = re.compile(r"（[^（）]{0,60}）|\([^()]{0,60}\)")
# a table cell that wraps: 综合年化成本（单利，含利息及平台服  16.84% (务费） on the next line)
_CUT_PARENS = re.compile(r"[（(][^（）()]{0,40}(?:\s{2,}|\t)\s*$")
_GAP_OK = re.compile(r"^[\s:：为是约仅低至达按|（）()\-—=＝*/→…·.〗】」』\]]*$")


@dataclass(frozen=True)
class FoundRate:
    rate: Rate
    label_start: int
    value: Match
    teaser: bool = False   # 7.2%起, 低至…: an advertised floor, not this loan's rate
    tier: bool = False     # one row of a price grid (信用等级 A/B/C…), not the rate applied


@lru_cache(maxsize=1)
def _labels() -> tuple[re.Pattern, dict[str, tuple[str, str]]]:
    r = vocabulary()["rates"]
    kinds: dict[str, tuple[str, str]] = {}
    for w in r["daily"]:
        kinds[w] = ("day", "interest")
    for w in r["monthly"]:
        kinds[w] = ("month", "interest")
    for w in r["annual_interest"]:
        kinds[w] = ("year", "interest")
    for w in r["annualized_cost"]:
        kinds[w] = ("year", "annualized_cost")
    return re.compile(alternation(kinds)), kinds


def _period_marker(t: str, a: int, b: int) -> Optional[str]:
    r = vocabulary()["rates"]
    before = t[max(0, a - 4):a]
    after = t[b:b + 3]
    for period, key in (("day", "per_day"), ("month", "per_month"), ("year", "per_year")):
        for w in r[key]:
            if before.endswith(w) or (w.startswith("/") and after.startswith(w)):
                return period
    return None


def find_all(view: View) -> list[FoundRate]:
    t = view.text
    r = vocabulary()["rates"]
    label_re, kinds = _labels()
    penalty = r["penalty_context"]
    reference = r["reference_context"]
    fee_labels = r["fee_rate_labels"]
    out = []
    for m in find_rates(t):
        s, e = view.sentence_at(m.start)
        lo = max(s, m.start - 40)
        best = None
        for lm in label_re.finditer(t, lo, m.start):
            # 年化利率（单利）范围为7.30%至23.90%: a range is still printed as this label's rate
            gap = re.sub(alternation(r["range_words"]), "", _CUT_PARENS.sub("", _PARENS.sub("", t[lm.end():m.start])))
            if len(re.sub(r"[\s|·.…]", "", gap)) <= 6 and _GAP_OK.match(gap) and not any(x in t[lm.end():m.start] for x in ("不超过", "不高于", "最高", "上限")):
                if best is None or lm.end() >= best.end():
                    best = lm
        marker = _period_marker(t, m.start, m.end)
        header = None
        if best is None:
            header = column_header(view, m.start)
            hm = label_re.search(header) if header else None
            if hm:   # | 借款利率 | 0.04% | 14.40% | under | 利率项目 | 日利率 | 年化利率（单利） |
                period, kind = kinds[hm.group()]
                if any(x in t[s:m.end] for x in penalty) and kind != "annualized_cost":
                    kind = "penalty"
                convention = _convention(header)
                rate = Rate(value=m.value, period=period, kind=kind, convention=convention,
                            text=view.excerpt(s, m.end), location=view.loc(m.start),
                            font_size=view.font(m.start, m.end))
                out.append(FoundRate(rate, m.start, m, False))
                continue
        if best is None and marker is None:
            continue
        head = t[s:m.end]
        if best is not None and any(x in t[best.start():m.end] for x in reference):
            continue
        if best is not None and any(x in t[max(s, best.start() - 6):best.start()] for x in r["cap_before_label"]):
            continue
        if best is None and any(x in head for x in reference):
            continue
        if best is not None:
            period, kind = kinds[best.group()]
            label_start = best.start()
            label = best.group()
        else:
            period = marker
            kind = "fee" if "费" in head.replace("费率", "") else "interest"
            label_start = m.start
            label = ""
        if marker == "day" and period != "day" and not label.startswith("年"):
            period = marker
        if kind != "annualized_cost":
            if any(x in head for x in penalty):
                kind = "penalty"
            elif any(x in label for x in fee_labels) or "费率" in label:
                kind = "fee"
        tail_end = min(e, m.end + 24)
        convention = _convention(t[label_start:tail_end])
        rate = Rate(value=m.value, period=period, kind=kind, convention=convention,
                    text=view.excerpt(label_start, m.end), location=view.loc(m.start),
                    font_size=view.font(label_start, m.end))
        teaser = t[m.end:m.end + 1] == "起" or any(w in t[max(label_start, m.start - 4):m.start]
                                                  for w in ("低至", "最低", "最低仅"))
        ranged = bool(re.match(r"\s*(?:至|到|~|～|—|-)\s*\d", t[m.end:m.end + 4])) or bool(
            re.search(r"\d\s*%?\s*(?:至|到|~|～|—|-)\s*$", t[max(s, m.start - 8):m.start]))
        out.append(FoundRate(rate, label_start, m, teaser, tier=ranged))
    return out


def mark_tiers(view: View, found: list[FoundRate]) -> list[FoundRate]:
    """Rates of one kind and period that take three or more values within a few lines are a
    price grid; the rate this loan carries is stated elsewhere (or the grid is all there is)."""
    from dataclasses import replace
    out = list(found)
    for key in {(f.rate.period, f.rate.kind) for f in found}:
        same = [i for i, f in enumerate(found) if (f.rate.period, f.rate.kind) == key]
        for i in same:
            line = view.line_of(found[i].value.start)
            near = {round(found[j].rate.value, 8) for j in same if abs(view.line_of(found[j].value.start) - line) <= 6}
            if len(near) >= 3:
                out[i] = replace(out[i], tier=True)
    return out


def _convention(span: str) -> Optional[str]:
    r = vocabulary()["rates"]
    if any(w in span for w in r["convention_simple"]):
        return "simple"
    if any(w in span for w in r["convention_compound"]):
        return "compound"
    return None


def stated_apr(view: View, found: list[FoundRate], avoid: list[tuple[int, int]] = ()) -> Union[Rate, Placeholder, None]:
    """The comprehensive annualized cost when stated, else the annualized interest rate
    (figures inside a hypothetical worked example are not the contract's own)."""
    found = [f for f in found if not f.teaser and not any(a <= f.value.start < b for a, b in avoid)]
    real = [f for f in found if not f.tier]
    if not real and found:
        blank = _placeholder_rate(view)
        if blank is not None:   # a template's 【 】% is this loan's rate, not the product's range
            return blank
    found = real or found
    for kind in ("annualized_cost", "interest"):
        cands = [f.rate for f in found if f.rate.kind == kind and f.rate.period == "year"]
        if cands:
            counts = Counter(round(c.value, 6) for c in cands)
            top = max(counts.values())
            for c in cands:
                if counts[round(c.value, 6)] == top:
                    if c.convention is None:
                        named = [x.convention for x in cands if abs(x.value - c.value) < 1e-9 and x.convention]
                        if named:
                            c = c.model_copy(update={"convention": named[0]})
                    return c
    return _placeholder_rate(view)


def _placeholder_rate(view: View) -> Optional[Placeholder]:
    r = vocabulary()["rates"]
    label_re = re.compile(alternation(r["annualized_cost"] + r["annual_interest"]))
    ph = vocabulary().placeholder_re
    t = view.text
    for lm in label_re.finditer(t):
        p = ph.search(t, lm.end(), min(len(t), lm.end() + 20))
        if p and _GAP_OK.match(_PARENS.sub("", t[lm.end():p.start()])) and "%" in t[p.end():p.end() + 3] + p.group():
            return Placeholder(text=view.excerpt(lm.start(), p.end() + 1), location=view.loc(p.start()))
    return None
